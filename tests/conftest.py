"""Shared fixtures: a real SQLite store in a temporary folder, the app, partner keys, payloads."""

from __future__ import annotations

import copy
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from bot.ops.config import Settings
from bot.ops.state import WORKER
from bot.store import Store, open_store
from tests.postgres import PostgresServer
from tests.support import RecordingSender, load_fixture, make_key, quiet

# Helper modules whose asserts check what tests see: pytest rewrites them as it does test modules, so a
# failing check shows its values. (Registered here, before any test module imports them.)
pytest.register_assert_rewrite(
    "tests.bot.mail.support",
    "tests.bot.partner_api.support",
    "tests.e2e.bot_app",
    "tests.e2e.playground",
    "tests.e2e.playground_client",
    "tests.e2e.processes",
)

_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}
_real_getaddrinfo = socket.getaddrinfo


def _loopback_only_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and name not in _LOOPBACK_NAMES and not str(name).startswith("127."):
        raise OSError(f"tests may only reach loopback addresses, not {name!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing leaves the machine: resolving any non-loopback host fails the call at once."""
    monkeypatch.setattr(socket, "getaddrinfo", _loopback_only_getaddrinfo)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # A long poll: tests wake the worker or call run_once themselves.
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        delivery_poll_seconds=3600,
        mail_outbox_dir=str(tmp_path / "outbox"),
        link_key_file=str(tmp_path / "link-key"),
    )


@pytest.fixture
def claim_body() -> dict[str, Any]:
    return copy.deepcopy(load_fixture("claim_create.json"))


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    sender: RecordingSender,
) -> TestClient[Any, Any]:
    return quiet(await aiohttp_client(create_app(settings, sender=sender)))


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    """The store on the settings' database: the one an app built from `settings` uses, opened on its
    own, so a test that wants only a store builds no app."""
    opened = await open_store(settings.database_url)
    yield opened
    await opened.close()


@pytest.fixture
def run_delivery(client: TestClient[Any, Any]) -> Callable[[], Awaitable[int]]:
    return client.app[WORKER].run_once


@pytest.fixture
async def auth(store: Store) -> dict[str, str]:
    return {"Authorization": f"Bearer {await make_key(store)}"}


@pytest.fixture
async def other_auth(store: Store) -> dict[str, str]:
    return {"Authorization": f"Bearer {await make_key(store, 'Northwind Advisors')}"}


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run (each test gets its own database)."""
    from tests.postgres import pg_bin, postgres_server

    if pg_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with postgres_server() as server:
        yield server


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    from bot.store.sqlite import SqliteStore

    opened = await SqliteStore.open_file(str(tmp_path / "store.db"))
    yield opened
    await opened.close()


# --- every partner API response, checked against the OpenAPI document ------------------------------


@pytest.fixture(autouse=True, scope="session")
def _responses_follow_the_openapi_document() -> Iterator[None]:
    from aiohttp.test_utils import TestClient as Client

    from tests.openapi_check import problems

    original = Client._request

    async def checked(self: Client[Any, Any], method: str, path: Any, **kwargs: Any) -> Any:
        response = await original(self, method, path, **kwargs)
        body = await response.read()  # kept by aiohttp: the test can still read it
        found = problems(method.upper(), response.url.path, response.status, response.headers, body)
        assert found == [], found
        return response

    patcher = pytest.MonkeyPatch()
    patcher.setattr(Client, "_request", checked)
    yield
    patcher.undo()


# --- markers ---------------------------------------------------------------------------------------
# `make test` runs everything (and CI allows no skip); `make test-fast` leaves out the tests marked
# here, which need Chromium, PostgreSQL, the Playground or several seconds.
_BROWSER_MODULES = ("tests/cards/test_render.py",)
_SLOW_MODULES = ("tests/test_scale_out.py", "tests/bench/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        fixtures = getattr(item, "fixturenames", ())
        if "postgres" in fixtures or "[postgresql" in item.nodeid or "postgresql]" in item.nodeid:
            item.add_marker(pytest.mark.pg)
        if path.startswith(_BROWSER_MODULES) or "renderer" in item.name:
            item.add_marker(pytest.mark.browser)
        if path.startswith(_SLOW_MODULES):
            item.add_marker(pytest.mark.slow)
