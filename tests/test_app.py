"""The application as a whole: health, the OpenAPI document against the routes, restarts."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess  # noqa: S404 - starts this project's own service
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft202012Validator

import app
from app import create_app
from bot.ops.config import Settings, SetupError
from bot.ops.health import LIFECYCLE
from bot.ops.logs import scrub, scrubbing_handler
from bot.ops.state import STORE
from bot.partner_api.openapi import openapi_document
from bot.store import Store, open_store
from bot.store.sql.base import migrations
from tests.changes import WatchedStore
from tests.fakes import running_connector
from tests.support import RecordingSender, load_fixture, make_key

# The newest migration's version: what a freshly migrated store reports.
LATEST_MIGRATION = migrations()[-1][0]


async def test_healthz_says_the_process_is_alive(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "version": "0.1.0"}


async def test_readyz_reports_the_store_its_schema_and_the_workers(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings, sender=RecordingSender()))
    resp = await client.get("/readyz")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ready" and body["problems"] == []
    assert body["store"] == {"engine": "sqlite", "ok": True, "schema_version": LATEST_MIGRATION}
    assert body["schema_needed"] == LATEST_MIGRATION
    assert body["workers"] == {"delivery-worker": True, "webhook-worker": True}


async def test_readyz_is_503_when_a_worker_has_stopped(client: TestClient[Any, Any]) -> None:
    # `client` stops both workers (tests run deliveries by hand): a service in that state cannot work.
    await asyncio.wait_for(client.app[LIFECYCLE].tasks["webhook-worker"], 5)
    resp = await client.get("/readyz")
    assert resp.status == 503
    body = await resp.json()
    assert body["status"] == "unavailable"
    assert body["workers"]["webhook-worker"] is False
    assert any("webhook-worker" in problem for problem in body["problems"])
    assert (await client.get("/healthz")).status == 200  # alive all the same: no reason to restart


async def test_readyz_is_503_when_the_schema_is_behind_or_the_store_is_down(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings, sender=RecordingSender()))
    store = client.app[STORE]
    async with store._tx() as db:  # test-only: a database another version left behind  # noqa: SLF001
        await db.execute("DELETE FROM schema_migrations WHERE version = ?", (LATEST_MIGRATION,))
    body = await (await client.get("/readyz")).json()
    assert body["status"] == "unavailable"
    assert any(f"needs {LATEST_MIGRATION}" in problem for problem in body["problems"])

    async def down() -> dict[str, Any]:
        raise ConnectionRefusedError("the database is down")

    client.app[STORE].health = down  # type: ignore[method-assign]  # a store that stopped answering
    resp = await client.get("/readyz")
    assert resp.status == 503
    assert (await resp.json())["problems"][0] == "the store does not answer"


async def test_readyz_is_503_while_draining(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings, sender=RecordingSender()))
    client.app[LIFECYCLE].drain()
    body = await (await client.get("/readyz")).json()
    assert "shutting down" in body["problems"]


def routes_of(app: web.Application) -> set[tuple[str, str]]:
    """(method, path) of every route, the sub-applications' included (aiohttp has prefixed them)."""
    found = set()
    for resource in app.router.resources():
        info = resource.get_info()
        if "app" in info:  # a sub-application
            found |= routes_of(info["app"])
            continue
        path = info.get("path") or info.get("formatter")
        for route in resource:
            if route.method != "HEAD":
                found.add((route.method.lower(), str(path)))
    return found


def test_the_openapi_document_matches_the_routes(settings: Settings) -> None:
    app = create_app(settings)
    document = openapi_document()
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == routes_of(app)


def test_the_openapi_document_is_valid_openapi_31_json_schema() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema), name


async def test_openapi_is_served(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    assert (await resp.json())["paths"].keys() == openapi_document()["paths"].keys()


async def test_a_restart_loses_no_reference_claim_or_pending_delivery(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    claim_body: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.support import RecordingSender

    async def open_watched_store(url: str) -> Store:
        return cast(Store, WatchedStore(await open_store(url)))

    monkeypatch.setattr(app, "open_store", open_watched_store)
    first_sender = RecordingSender()
    first = await aiohttp_client(create_app(settings, sender=first_sender))
    from bot.ops.state import STORE

    key = await make_key(first.app[STORE])
    auth = {"Authorization": f"Bearer {key}"}
    claim = await (await first.post("/api/claims", json=claim_body, headers=auth)).json()
    await first.post(f"/api/claims/{claim['id']}/notifications", json={"channel": "teams"}, headers=auth)
    await first.close()

    second_sender = RecordingSender()
    second = await aiohttp_client(create_app(settings, sender=second_sender))
    again = await (await second.get(f"/api/claims/{claim['id']}", headers=auth)).json()
    assert again["customer_name"] == "Fabrikam Ltd"
    assert [d["status"] for d in again["deliveries"]] == ["waiting", "waiting"]

    # Megan installs the app now; her pending card goes out from the restarted service.
    install = load_fixture("installation_add.json")
    async with running_connector() as connector:
        install["serviceUrl"] = connector.url
        assert (await second.post("/api/messages", json=install)).status in (200, 201)
        ((_, welcome, _),) = connector.posts
        assert welcome["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    # The install woke the background worker; wait for it to send and record it.
    watched = second.app[STORE]
    assert isinstance(watched, WatchedStore)

    async def recorded() -> bool:
        statuses = {d.status for d in await watched.inner.deliveries_for_claim(claim["id"])}
        return "sent" in statuses

    await watched.changes.until(recorded)
    assert len(second_sender.sent) == 1
    reference, card = second_sender.sent[0]
    assert reference["conversation"]["id"] == install["conversation"]["id"]
    await second.close()

    third = await aiohttp_client(create_app(settings, sender=RecordingSender()))
    final = await (await third.get(f"/api/claims/{claim['id']}", headers=auth)).json()
    assert [d["status"] for d in final["deliveries"]] == ["sent", "waiting"]
    stored = await third.app[STORE].get_reference(install["conversation"]["id"])
    assert stored is not None


async def test_the_service_runs_on_postgresql(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    postgres: Any,
    claim_body: dict[str, Any],
    tmp_path: Path,
) -> None:
    from bot.ops.state import STORE, WORKER
    from tests.support import RecordingSender, quiet

    settings = Settings(
        database_url=postgres.create_database(), delivery_poll_seconds=3600, mail_outbox_dir=str(tmp_path)
    )
    sender = RecordingSender()
    client = quiet(await aiohttp_client(create_app(settings, sender=sender)))
    health = await (await client.get("/readyz")).json()
    assert health["store"]["engine"] == "postgresql" and health["store"]["schema_version"] == LATEST_MIGRATION
    auth = {"Authorization": f"Bearer {await make_key(client.app[STORE])}"}
    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    install = load_fixture("installation_add.json")
    async with running_connector() as connector:
        install["serviceUrl"] = connector.url
        assert (await client.post("/api/messages", json=install)).status in (200, 201)
    await client.post(f"/api/claims/{claim['id']}/notifications", json={}, headers=auth)
    await client.app[WORKER].run_once()
    final = await (await client.get(f"/api/claims/{claim['id']}", headers=auth)).json()
    assert sorted((d["channel"], d["status"]) for d in final["deliveries"]) == [
        ("email", "sent"),
        ("teams", "sent"),
    ]
    assert len(sender.sent) == 1


async def test_an_app_does_not_freeze_the_heap_of_the_process_that_made_it(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    monkeypatch: Any,
) -> None:
    # gc.freeze() is for the long-running service (main), not for every app a test starts.
    import gc

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/healthz")).status == 200
    await client.close()
    assert frozen == []


def test_the_response_check_sees_a_document_that_drifted() -> None:
    # Every API response in the suite goes through this check (tests/conftest.py); it must be able
    # to fail on each kind of drift.
    from tests.openapi_check import problems

    json_type = {"Content-Type": "application/json"}
    assert problems("GET", "/api/workloads", 200, json_type, b'{"items": []}') == []
    assert problems("GET", "/api/workloads", 200, json_type, b'{"items": 3}')  # the body's shape
    assert problems("GET", "/api/workloads", 200, {"Content-Type": "text/html"}, b"<p>")  # the type
    assert problems("GET", "/api/claims/c1", 418, {"Content-Type": "application/problem+json"}, b"{}")
    assert problems("GET", "/api/no-such-operation", 200, json_type, b"{}")
    assert problems("POST", "/api/messages", 500, {}, b"") == []  # the Bot Framework's endpoint


def test_the_documents_schemas_are_generated_from_the_models() -> None:
    from bot.domain.formats import MESSAGE_MAX
    from bot.partner_api.models import REQUESTS, RESPONSES

    components = openapi_document()["components"]["schemas"]
    assert {model.__name__ for model in (*REQUESTS, *RESPONSES)} <= set(components)
    for model in REQUESTS:  # strict requests: a field the API does not know is refused
        assert components[model.__name__]["additionalProperties"] is False, model.__name__
    create = components["ClaimCreate"]
    assert create["properties"]["message"]["maxLength"] == MESSAGE_MAX
    assert "null" not in str(create["properties"]["locale"])  # optional, but never null
    assert set(create["required"]) == {
        "customer_tenant_id",
        "customer_name",
        "solution_area",
        "workloads",
        "contacts",
    }
    assert not any("title" in str(schema.keys()) for schema in components.values())


async def test_every_answer_carries_protective_headers_and_no_version(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    claim_body: dict[str, Any],
) -> None:
    from bot.ops.state import STORE

    local_hooks = dataclasses.replace(settings, webhook_allow_loopback=True)
    client = await aiohttp_client(create_app(local_hooks, sender=RecordingSender()))
    auth = {"Authorization": f"Bearer {await make_key(client.app[STORE])}"}
    answers = {
        "claim": await client.post("/api/claims", json=claim_body, headers=auth),
        "link code": await client.post("/api/teams-links", headers=auth),
        "webhook secret": await client.put(
            "/api/webhook", json={"url": "http://127.0.0.1:9/cpor"}, headers=auth
        ),
        "problem": await client.get("/api/claims/nope", headers=auth),
        "no key": await client.get("/api/claims"),
        "bot framework": await client.post("/api/messages", json={}),
        "health": await client.get("/healthz"),
        "readiness": await client.get("/readyz"),
        "metrics": await client.get("/metrics"),
    }
    assert answers["webhook secret"].status == 200 and answers["link code"].status == 201
    for name, answer in answers.items():
        assert answer.headers["X-Content-Type-Options"] == "nosniff", name
        assert answer.headers["Server"] == "cpor-bot", name  # no Python or aiohttp version
        assert answer.headers["Cache-Control"] == "no-store", name
    public = await client.get("/api/openapi.json")
    assert public.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in public.headers.get("Cache-Control", "")


async def test_a_405_says_which_methods_the_address_takes(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    answer = await client.delete("/api/workloads", headers=auth)
    assert answer.status == 405
    assert answer.content_type == "application/problem+json"
    assert "GET" in answer.headers["Allow"]


def test_start_up_warns_of_a_multi_tenant_bot_and_of_authentication_off() -> None:
    app_id, tenant = "9e0b9a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b", "72f988bf-86f1-41af-91ab-2d7cd011db47"
    legacy = Settings.from_env(
        {"MicrosoftAppId": app_id, "MicrosoftAppPassword": "x", "MicrosoftAppType": "MultiTenant"}
    )
    assert any(
        "MicrosoftAppType is MultiTenant" in w and "31 July 2025" in w for w in app.startup_warnings(legacy)
    )
    current = Settings.from_env(
        {"MicrosoftAppId": app_id, "MicrosoftAppPassword": "x", "MicrosoftAppTenantId": tenant}
    )
    assert not any(
        "MicrosoftAppType" in w or "authentication is OFF" in w for w in app.startup_warnings(current)
    )
    local = Settings.from_env({})
    assert any("authentication is OFF" in w for w in app.startup_warnings(local))


async def test_the_service_purges_what_retention_days_no_longer_keeps_when_it_starts(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], settings: Settings, store: Store
) -> None:
    from tests.bot.store.support import make_claim

    partner = await store.create_partner("Contoso Partners")
    now = dt.datetime.now(dt.UTC)
    old, recent = now - dt.timedelta(days=40), now - dt.timedelta(days=5)
    await store.create_claim(make_claim(partner.id, "old", created_at=old, updated_at=old))
    await store.create_claim(make_claim(partner.id, "recent", created_at=recent, updated_at=recent))
    client = await aiohttp_client(create_app(dataclasses.replace(settings, retention_days=30)))
    deadline = asyncio.get_running_loop().time() + 10
    while await store.get_claim("old") is not None:  # the app's own store writes: poll the shared file
        assert asyncio.get_running_loop().time() < deadline, "the old claim was not purged"
        await asyncio.sleep(0.05)
    assert await store.get_claim("recent") is not None
    ready = await (await client.get("/readyz")).json()
    assert ready["workers"]["retention"] is True
    metrics = await (await client.get("/metrics")).text()
    assert 'cpor_retention_deleted_total{kind="claims"} 1.0' in metrics


async def test_a_card_answered_in_place_keeps_the_contacts_own_link(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    from bot.web.links import LINKS

    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    click = load_fixture("invoke_card_action.json")  # Megan Bowen, the claim's first contact
    click["value"]["action"]["data"]["claim_id"] = claim["id"]
    answer = await client.post("/api/messages", json=click)
    assert answer.status == 200
    card = (await answer.json())["value"]
    links = [a["url"] for a in _actions(card) if a.get("type") == "Action.OpenUrl" and "/c/" in a["url"]]
    assert len(links) == 1
    token = links[0].rsplit("/c/", 1)[1]
    opened = client.app[LINKS].read(token, dt.datetime.now(dt.UTC))
    megan = next(c for c in claim["contacts"] if c["aad_object_id"] == click["from"]["aadObjectId"])
    assert (opened.claim_id, opened.contact_id) == (claim["id"], megan["id"])


def _actions(node: Any) -> list[dict[str, Any]]:
    """Every action in a card, however deep."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            found.append(node)
        for value in node.values():
            found += _actions(value)
    elif isinstance(node, list):
        for item in node:
            found += _actions(item)
    return found


ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_service(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`python app.py` as an operator starts it, on a free loopback port, expected to stop by itself:
    one still running after a minute (a hang) fails the test."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "SMTP_", "LINK_"))}
    defaults = {
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "LINK_KEY_FILE": str(tmp_path / "link-key"),
    }
    return subprocess.run(  # noqa: S603 - our own service
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={**clean, **defaults, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "url",
    ["postgresql://cpor:Pw-7731@[::1/cpor", "postgresql://cpor:Pw-7731@127.0.0.1:1/cpor?options=%ff"],
    ids=["ipv6", "not-utf8"],
)
def test_a_malformed_postgresql_url_is_one_line_naming_database_url_at_once(tmp_path: Path, url: str) -> None:
    # Before: a 15 s wait for the server, then a traceback (ValueError, UnicodeDecodeError), exit 1.
    started = time.monotonic()
    done = run_service({"DATABASE_URL": url}, tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("cpor-bot: configuration error: DATABASE_URL ")
    assert len(done.stderr.splitlines()) == 1
    assert "Pw-7731" not in done.stderr + done.stdout
    assert time.monotonic() - started < 10


def test_a_fifo_as_link_key_file_is_one_line_naming_it_at_once(tmp_path: Path) -> None:
    # Before: the start blocked for ever reading the FIFO, and SIGTERM did not end it.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    done = run_service(
        {"LINK_KEY_FILE": str(fifo), "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}, tmp_path
    )
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].startswith(
        f"cpor-bot: cannot start: LINK_KEY_FILE {fifo} is not a regular"
    )
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_banner_shows_the_postgresql_server_through_the_log_scrubber(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: "store postgresql://cpor:[redacted]:38615/cpor": the scrubber took "***@127.0.0.1" for an
    # email address, and the operator could not see which server the service uses.
    settings = Settings(database_url="postgresql://cpor:Pw-7731@127.0.0.1:38615/cpor", log_format=fmt)
    stream = io.StringIO()
    handler = scrubbing_handler(stream, fmt)
    logger = logging.getLogger("cpor_bot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)  # setLevel, not the attribute: it clears the logger's level cache
    try:
        app._banner(settings)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    # Text: printed for a person at a terminal; scrubbed here as a log line would be.
    written = stream.getvalue() if fmt == "json" else scrub(capsys.readouterr().out)
    assert "postgresql://127.0.0.1:38615/cpor as cpor (password hidden)" in written
    assert "[redacted]" not in written and "Pw-7731" not in written


def test_the_service_ends_when_its_database_fails_after_connecting(tmp_path: Path) -> None:
    notadb = tmp_path / "notadb.db"
    notadb.write_text("# a README, not a database\n" * 200, encoding="utf-8")
    done = run_service({"DATABASE_URL": f"sqlite:///{notadb}"}, tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"cpor-bot: cannot start: DATABASE_URL sqlite:///{notadb}: cannot open the store: "
        "DatabaseError: file is not a database"
    )
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("setting", "value", "line"),
    [
        ("HOST", "192.0.2.1", "HOST 192.0.2.1 is not an address of this machine"),  # TEST-NET-1
        ("LINK_KEY_FILE", "{tmp}", "LINK_KEY_FILE {tmp} is not a regular file (a folder"),
        ("DATABASE_URL", "sqlite:///{tmp}/afile/bot.db", "DATABASE_URL sqlite:///{tmp}/afile/bot.db: "),
    ],
)
def test_a_start_up_failure_is_one_line_naming_the_setting(
    tmp_path: Path, setting: str, value: str, line: str
) -> None:
    (tmp_path / "afile").write_text("a file where a folder should be")
    done = run_service({setting: value.format(tmp=tmp_path)}, tmp_path)

    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].startswith(f"cpor-bot: cannot start: {line.format(tmp=tmp_path)}")
    assert "Traceback" not in done.stderr


def test_a_second_instance_on_a_port_in_use_stops_before_it_opens_the_store(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_service({"PORT": str(port), "DATABASE_URL": f"sqlite:///{database}"}, tmp_path)

    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"cpor-bot: cannot start: PORT {port} is in use on 127.0.0.1: another process listens there "
        "(Address already in use)."
    )
    # No store opened, so no delivery worker registered itself in it as alive.
    assert not database.exists()


def test_a_host_that_does_not_resolve_names_host(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(
        SetupError, match=r"^HOST not-a-host is not a name this machine can resolve \(Name or"
    ):
        app.listen("not-a-host", free_port())


def test_the_service_listens_on_every_address_of_its_host_name() -> None:
    port = free_port()
    sockets = app.listen("localhost", port)
    try:
        bound = {sock.getsockname()[:2] for sock in sockets}
    finally:
        for sock in sockets:
            sock.close()
    assert ("127.0.0.1", port) in bound


def sqlite_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name and t.is_alive()}


async def test_a_start_that_fails_after_the_store_opened_closes_it(settings: Settings) -> None:
    store = await open_store(settings.database_url)
    await store.close()
    # The schema is current, but the partner keys the start reads cannot be read.
    with sqlite3.connect(settings.sqlite_path()) as conn:
        conn.execute("DROP TABLE partner_keys")
        conn.execute("CREATE TABLE partner_keys (broken TEXT)")
    before = sqlite_threads()
    server = TestServer(create_app(settings))
    with pytest.raises(sqlite3.OperationalError, match="no such column"):
        await server.start_server()
    await server.close()
    for thread in sqlite_threads() - before:
        thread.join(timeout=5)  # a closed connection's thread ends a moment after the close
    assert not sqlite_threads() - before


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of `text` as a JSON object; a line that is not one fails the test."""
    entries = []
    for line in text.splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
    return entries


def test_with_json_logs_every_console_line_of_the_service_is_a_json_object(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "SMTP_", "LINK_"))},
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "LINK_KEY_FILE": str(tmp_path / "link-key"),
        "LOG_FORMAT": "json",
    }
    service = subprocess.Popen(  # noqa: S603 - our own service
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(300):  # until it answers, at most a minute
            assert service.poll() is None, service.communicate()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the service did not answer")
        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=60)
    finally:
        if service.poll() is None:
            service.kill()
            service.communicate()

    assert service.returncode == 0
    json_lines(out)  # nothing printed but log records (which go to standard error)
    logged = json_lines(err)
    banner = [entry["message"] for entry in logged if entry["message"].startswith("CPOR explained")]
    assert len(banner) == 1 and f"http://127.0.0.1:{port}" in banner[0]


def test_with_json_logs_a_start_up_failure_is_a_json_line(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    done = run_service({"LINK_KEY_FILE": str(tmp_path / "keys"), "LOG_FORMAT": "json"}, tmp_path)

    assert done.returncode == 2
    json_lines(done.stdout)
    last = json_lines(done.stderr)[-1]
    assert last["level"] == "ERROR"
    assert last["message"].startswith(f"cannot start: LINK_KEY_FILE {tmp_path / 'keys'} ")
