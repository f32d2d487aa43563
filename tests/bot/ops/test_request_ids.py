"""Request ids: on every answer, on every log line written for the request (text and JSON), and on
the access line; a caller's own id is kept when it is a plain token."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from app import create_app
from bot.ops.config import Settings
from bot.ops.logs import scrubbing_handler
from bot.ops.request_ids import HEADER, AccessLogger, path_for_log
from bot.ops.state import STORE
from bot.web.links import LinkSigner
from tests.support import RecordingSender

Client = Callable[..., Awaitable[TestClient[Any, Any]]]


@contextlib.contextmanager
def captured_log(fmt: str) -> Iterator[io.StringIO]:
    """What the service's own handler writes at INFO, in `fmt`, while the block runs."""
    written = io.StringIO()
    handler = scrubbing_handler(written, fmt=fmt)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield written
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    with captured_log("json") as written:
        yield written


def lines(log: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.getvalue().splitlines()]


async def app_client(aiohttp_client: Client, settings: Settings) -> TestClient[Any, Any]:
    # The service's own access line (main() passes it to run_app); the test server takes it at start.
    server = TestServer(create_app(settings, sender=RecordingSender()))
    await server.start_server(access_log_class=AccessLogger)
    return await aiohttp_client(server)


async def test_every_line_of_a_request_carries_its_id(
    aiohttp_client: Client, settings: Settings, json_log: io.StringIO
) -> None:
    client = await app_client(aiohttp_client, settings)

    async def down() -> dict[str, Any]:
        raise ConnectionRefusedError("the database is down")

    client.app[STORE].health = down  # type: ignore[method-assign]  # a store that stopped answering
    answer = await client.get("/readyz", headers={HEADER: "gateway-7f3a9c21"})
    assert answer.status == 503
    assert answer.headers[HEADER] == "gateway-7f3a9c21"  # the caller's id joins the two logs
    logged = [line for line in lines(json_log) if line["request_id"] == "gateway-7f3a9c21"]
    warning = next(line for line in logged if line["level"] == "WARNING")
    assert warning["message"] == "readiness: store unavailable: ConnectionRefusedError"
    assert warning["logger"] == "bot.ops.health"
    access = next(line for line in logged if "http" in line)
    assert access["http"] == {
        "method": "GET",
        "path": "/readyz",
        "status": 503,
        "duration_ms": access["http"]["duration_ms"],
    }
    assert access["http"]["duration_ms"] >= 0
    assert set(warning) == {"time", "level", "logger", "message", "request_id"}
    assert warning["time"].endswith("+00:00")


@pytest.mark.parametrize(
    "offered",
    ["", "short", "x" * 65, "id with spaces", "inject\r\nX-Evil: 1", "ünïcode-id-12345"],
)
async def test_an_id_that_is_not_a_plain_token_is_replaced(
    aiohttp_client: Client, settings: Settings, offered: str
) -> None:
    client = await app_client(aiohttp_client, settings)
    headers = {HEADER: offered} if offered and "\r" not in offered else {}
    answer = await client.get("/healthz", headers=headers)
    given = answer.headers[HEADER]
    assert given != offered
    assert len(given) == 32 and int(given, 16) >= 0  # a fresh uuid4, hex


async def test_each_request_gets_its_own_id_and_errors_carry_one(
    aiohttp_client: Client, settings: Settings
) -> None:
    client = await app_client(aiohttp_client, settings)
    first = await client.get("/healthz")
    second = await client.get("/api/claims")  # 401 problem
    missing = await client.get("/nowhere")  # 404 problem
    ids = {first.headers[HEADER], second.headers[HEADER], missing.headers[HEADER]}
    assert len(ids) == 3
    assert second.status == 401 and missing.status == 404


def test_lines_outside_a_request_say_so_and_stay_scrubbed() -> None:
    written = io.StringIO()
    logger = logging.getLogger("cpor_bot.test.json")
    handler = scrubbing_handler(written, fmt="json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("worker: sending to %s", "megan.bowen@fabrikam.example")
        try:
            raise ValueError("key cpor_7e02740119da4e30_dhgxDXndEdxIhQXOpQrzLq8xgkaXeN_ioQ2pluv9us8")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    warning, failure = (json.loads(line) for line in written.getvalue().splitlines())
    assert warning["request_id"] is None
    assert warning["message"] == "worker: sending to [redacted]"
    assert "Traceback" in failure["exception"] and "ValueError" in failure["exception"]
    assert "dhgxDXndEdxIhQXOpQrzLq8xgkaXeN" not in failure["exception"]


def test_text_lines_name_the_request_only_inside_one() -> None:
    from bot.ops.request_ids import REQUEST_ID

    written = io.StringIO()
    logger = logging.getLogger("cpor_bot.test.text")
    handler = scrubbing_handler(written)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("outside")
        token = REQUEST_ID.set("req-1234abcd")
        try:
            logger.warning("inside")
        finally:
            REQUEST_ID.reset(token)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    outside, inside = written.getvalue().splitlines()
    assert outside.endswith("WARNING cpor_bot.test.text: outside")
    assert inside.endswith("WARNING cpor_bot.test.text [req-1234abcd]: inside")


@pytest.mark.parametrize("fmt", ["json", "text"])
async def test_the_access_line_shows_no_contacts_link_token(
    aiohttp_client: Client, settings: Settings, fmt: str
) -> None:
    written = io.StringIO()
    handler = scrubbing_handler(written, fmt=fmt)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        client = await app_client(aiohttp_client, settings)
        token = LinkSigner(["test-key"], dt.timedelta(days=1)).token_for(
            "clm-1", "ctc-1", dt.datetime.now(dt.UTC)
        )
        mac = token.rsplit(".", 1)[1]
        for path in (f"/c/{token}", f"/c/x{mac}", f"/c//{mac}"):
            await client.get(path, headers={HEADER: "links-test-0001"})
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    text = written.getvalue()
    assert mac not in text and "clm-1" not in text
    if fmt == "json":
        paths = [line["http"]["path"] for line in lines(written) if "http" in line]
        assert paths == ["/c/[redacted]"] * 3
    else:
        access = [line for line in text.splitlines() if "[links-test-0001]" in line and " ms" in line]
        assert len(access) == 3
        assert all(" GET /c/[redacted] " in line for line in access)


def test_path_for_log_leaves_other_paths_as_they_are() -> None:
    assert path_for_log("/api/claims/clm-1") == "/api/claims/clm-1"
    assert path_for_log("/c") == "/c"
    assert path_for_log("/cards/1.a.b.2") == "/cards/1.a.b.2"
    assert path_for_log("/c/anything/else") == "/c/[redacted]"


async def test_a_path_cannot_forge_an_access_line(aiohttp_client: Client, settings: Settings) -> None:
    with captured_log("text") as written:  # LOG_FORMAT=text, the default
        client = await app_client(aiohttp_client, settings)
        for path in ("/healthz%0aFORGED", "/healthz%0d%0aFORGED", "/healthz%00x", "/healthz%1b[31m"):
            await client.get(URL(path, encoded=True), headers={HEADER: "forge-test-0001"})
    text = written.getvalue()
    assert "\x00" not in text and "\x1b" not in text and "\r" not in text
    assert not any(line.startswith("FORGED") for line in text.splitlines())
    access = [line for line in text.splitlines() if "[forge-test-0001]" in line and " ms" in line]
    assert len(access) == 4
    assert " GET /healthz\\x0aFORGED 404 " in access[0] and " GET /healthz\\x00x 404 " in access[2]


async def test_an_address_typed_into_a_path_reaches_no_field_of_the_access_line(
    aiohttp_client: Client, settings: Settings, json_log: io.StringIO
) -> None:
    # JSON: the access line's `http` fields are written as well as its message (the text format writes
    # the message only, scrubbed all along; test_logs checks extras in any format).
    written = json_log
    client = await app_client(aiohttp_client, settings)
    for path in ("/api/claims/alice@contoso.com", "/j%C3%B6rg@m%C3%BCller-test.de"):
        await client.get(URL(path, encoded=True), headers={HEADER: "address-test-01"})
    text = written.getvalue()
    for part in ("alice", "contoso", "jörg", "müller"):
        assert part not in text, part
    access = [line for line in lines(written) if "http" in line and line["request_id"] == "address-test-01"]
    assert [(line["http"]["path"], line["http"]["status"]) for line in access] == [
        ("[redacted]", 401),
        ("[redacted]", 404),
    ]
    assert [line["message"].split()[:3] for line in access] == [
        ["GET", "[redacted]", "401"],
        ["GET", "[redacted]", "404"],
    ]
