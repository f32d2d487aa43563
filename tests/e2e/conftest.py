"""End-to-end fixtures: the real bot (`app.py`) and Microsoft's M365 Agents Playground as its Teams client.

The Playground (npm `@microsoft/m365agentsplayground`, pinned in package.json) is driven through the
same internal HTTP + WebSocket API its web UI uses, so no browser is needed. Everything binds
127.0.0.1 and nothing leaves the machine: the Playground is started with telemetry off, statsbeat
off, no browser, and a preload (`localhost-only.cjs`) that forces every listen onto loopback.
See tests/e2e/README.md. The helpers the fixtures use are plain modules here: processes.py (child
processes on loopback), bot_app.py (the bot and its partner API), playground.py (starting the
Playground) and playground_client.py (its internal API).
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.bot_app import APP_DIR, BotServer, PartnerApi, bot_env, create_partner_key
from tests.e2e.playground import Playground, in_ci, missing_prerequisites, start_playground
from tests.e2e.playground_client import PlaygroundClient
from tests.e2e.processes import (
    HOST,
    LIVE_PROCESSES,
    STARTUP_TIMEOUT,
    ManagedProcess,
    assert_loopback_only,
    free_port,
    tail,
    wait_for_http,
)

E2E_DIR = Path(__file__).resolve().parent


# --------------------------------------------------------------------------------------------------
# Markers, prerequisites and failure reports
# --------------------------------------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _e2e_prerequisites() -> None:
    """Skip the e2e tests when Node or the Playground is missing; in CI (CI=true) fail instead."""
    missing = missing_prerequisites()
    if not missing:
        return
    reason = "e2e prerequisites missing: " + "; ".join(missing)
    if in_ci():
        pytest.fail(reason + " (CI is set, so e2e tests must not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the bot's and the Playground's logs to every failing e2e test report."""
    report: pytest.TestReport = yield
    if report.failed and E2E_DIR in item.path.parents:
        for process in list(LIVE_PROCESSES):
            report.sections.append((f"{process.name} log ({process.log_path})", process.log()))
            for extra in process.extra_logs:
                report.sections.append((f"{process.name} log ({extra})", tail(extra, 40)))
    return report


# --------------------------------------------------------------------------------------------------
# The bot
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotServer]:
    """`python app.py` on a free 127.0.0.1 port with a fresh SQLite file (one per test module)."""
    tmp = tmp_path_factory.mktemp("bot")
    port = free_port()
    db_url = f"sqlite:///{tmp}/bot.db"
    env = bot_env(db_url)
    env.update({"PORT": str(port), "HOST": HOST})
    process = ManagedProcess("bot", [sys.executable, "app.py"], APP_DIR, env, tmp / "bot.log")
    process.start()
    try:
        wait_for_http(process, port, "/healthz", time.monotonic() + STARTUP_TIMEOUT)
        assert_loopback_only(process)
        yield BotServer(port=port, db_url=db_url, process=process)
    finally:
        process.stop()


@pytest.fixture(scope="module")
def partner_key(bot_server: BotServer) -> str:
    """A key for the partner "Contoso Partners" in this module's database."""
    return create_partner_key(bot_server.db_url)


@pytest.fixture
async def partner_api(bot_server: BotServer, partner_key: str) -> AsyncIterator[PartnerApi]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield PartnerApi(session, bot_server.base_url, partner_key)


# --------------------------------------------------------------------------------------------------
# The Playground
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def playground(bot_server: BotServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    """The Agents Playground, as the Teams client of this module's bot (one per test module)."""
    pg = start_playground(bot_server, tmp_path_factory.mktemp("playground"))
    try:
        yield pg
    finally:
        pg.process.stop()


@pytest.fixture
def claim_request(playground: Playground) -> dict[str, Any]:
    """A POST /api/claims body for the Playground's tenant, with its current user as the contact."""
    identity = playground.identity
    return {
        "customer_tenant_id": identity.tenant_id,
        "customer_name": "Fabrikam Ltd",
        "solution_area": "modern_work_security",
        "workloads": ["teams", "exchange"],
        "contacts": [
            {
                "name": identity.user_name,
                "email": identity.user_email,
                "aad_object_id": identity.user_aad_object_id,
            }
        ],
    }


@pytest.fixture
async def pg_client(playground: Playground) -> AsyncIterator[PlaygroundClient]:
    """A fresh WebSocket to the Playground's personal chat, as the configured user."""
    async with PlaygroundClient(playground) as client:
        yield client
