"""Partner webhooks against a real HTTP receiver on loopback: signatures, retries, the log."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from app import create_app
from bot.ops.config import Settings
from bot.ops.state import STORE, WEBHOOKS
from bot.partner_api.openapi import openapi_document, request_validator
from bot.webhooks.worker import (
    EVENT_ID_HEADER,
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)
from tests.support import RecordingSender, load_fixture, make_key, quiet


class Receiver:
    """A partner's webhook endpoint: checks signatures as a partner would, with scripted answers."""

    def __init__(self) -> None:
        self.secret = ""
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        ok = verify(self.secret, request.headers[TIMESTAMP_HEADER], body, request.headers[SIGNATURE_HEADER])
        self.received.append(
            {"body": json.loads(body), "verified": ok, "event_id": request.headers[EVENT_ID_HEADER]}
        )
        return web.Response(status=self.answers.pop(0) if self.answers else 204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/cpor-events", hook.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    hook.url = str(server.make_url("/cpor-events"))
    yield hook
    await server.close()


@pytest.fixture
async def app_client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], settings: Settings
) -> TestClient[Any, Any]:
    loopback = dataclasses.replace(settings, webhook_allow_loopback=True)
    return quiet(await aiohttp_client(create_app(loopback, sender=RecordingSender())))


async def click(
    client: TestClient[Any, Any], claim_id: str, verb: str, data: dict[str, Any] | None = None
) -> None:
    invoke = load_fixture("invoke_card_action.json")
    invoke["value"]["action"].update(verb=verb, data={"claim_id": claim_id, **(data or {})})
    resp = await client.post("/api/messages", json=invoke)
    assert resp.status == 200, await resp.text()


async def setup(
    client: TestClient[Any, Any], receiver: Receiver, claim_body: dict[str, Any]
) -> tuple[dict[str, str], str]:
    auth = {"Authorization": f"Bearer {await make_key(client.app[STORE])}"}
    resp = await client.put("/api/webhook", json={"url": receiver.url}, headers=auth)
    assert resp.status == 200, await resp.text()
    receiver.secret = (await resp.json())["secret"]
    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    return auth, claim["id"]


async def test_each_customer_response_is_posted_signed_once(
    app_client: TestClient[Any, Any], receiver: Receiver, claim_body: dict[str, Any]
) -> None:
    auth, claim_id = await setup(app_client, receiver, claim_body)
    await click(app_client, claim_id, "claim.acknowledge")
    await click(app_client, claim_id, "claim.acknowledge")  # a double click
    await click(app_client, claim_id, "claim.ask", {"question": "Which project is this?"})
    await app_client.app[WEBHOOKS].run_once()

    assert [r["verified"] for r in receiver.received] == [True, True]
    kinds = [r["body"]["response"]["kind"] for r in receiver.received]
    assert sorted(kinds) == ["acknowledged", "question"]
    question = next(r["body"] for r in receiver.received if r["body"]["response"]["kind"] == "question")
    assert question["type"] == "customer.response"
    assert question["claim_id"] == claim_id
    assert question["response"]["text"] == "Which project is this?"
    assert question["response"]["user_name"] == "Megan Bowen"
    # Each body is what the OpenAPI document's webhook describes (ResponseEvent), id and all.
    document = openapi_document()
    assert document["webhooks"]["customerResponse"]["post"]["requestBody"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/ResponseEvent"}
    }
    event_schema = request_validator("ResponseEvent")
    for received in receiver.received:
        assert list(event_schema.iter_errors(received["body"])) == []
        assert received["body"]["id"] == received["event_id"]

    log = await (await app_client.get("/api/webhook", headers=auth)).json()
    assert "secret" not in log
    assert [e["status"] for e in log["events"]] == ["sent", "sent"]
    claim = await (await app_client.get(f"/api/claims/{claim_id}", headers=auth)).json()
    assert sorted(r["kind"] for r in claim["responses"]) == ["acknowledged", "question"]


async def test_failures_are_retried_with_backoff_and_the_event_id_is_stable(
    app_client: TestClient[Any, Any], receiver: Receiver, claim_body: dict[str, Any]
) -> None:
    auth, claim_id = await setup(app_client, receiver, claim_body)
    receiver.answers = [503, 500]
    await click(app_client, claim_id, "claim.not_recognised")
    store = app_client.app[STORE]
    webhooks = app_client.app[WEBHOOKS]

    await webhooks.run_once()
    (event,) = await store.webhook_events((await store.partner_by_name("Contoso Partners")).id, limit=5)  # type: ignore[union-attr]
    assert (event.status, event.attempts, event.last_status_code) == ("queued", 1, 503)
    assert event.next_attempt_at > dt.datetime.now(dt.UTC)
    assert await webhooks.run_once() == 0  # not due yet

    for _ in range(2):
        await _make_due(store, event.id)
        await webhooks.run_once()
    log = await (await app_client.get("/api/webhook", headers=auth)).json()
    (logged,) = log["events"]
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == ("sent", 3, 204)
    assert len({r["event_id"] for r in receiver.received}) == 1
    assert all(r["verified"] for r in receiver.received)


async def test_a_client_error_is_not_retried_and_the_cap_holds(
    app_client: TestClient[Any, Any], receiver: Receiver, claim_body: dict[str, Any]
) -> None:
    auth, claim_id = await setup(app_client, receiver, claim_body)
    receiver.answers = [400]
    await click(app_client, claim_id, "claim.acknowledge")
    await app_client.app[WEBHOOKS].run_once()
    log = await (await app_client.get("/api/webhook", headers=auth)).json()
    assert log["events"][0]["status"] == "failed"
    assert "400" in log["events"][0]["last_error"]

    receiver.answers = [502] * MAX_ATTEMPTS
    await click(app_client, claim_id, "claim.not_recognised")
    store = app_client.app[STORE]
    for _ in range(MAX_ATTEMPTS):
        events = await store.webhook_events((await store.partner_by_name("Contoso Partners")).id, limit=5)  # type: ignore[union-attr]
        await _make_due(store, events[0].id)
        await app_client.app[WEBHOOKS].run_once()
    log = await (await app_client.get("/api/webhook", headers=auth)).json()
    assert (log["events"][0]["status"], log["events"][0]["attempts"]) == ("failed", MAX_ATTEMPTS)


@pytest.mark.parametrize("status", [401, 403, 404, 410, 302])
async def test_an_endpoint_being_moved_or_given_a_new_secret_is_retried(
    app_client: TestClient[Any, Any], receiver: Receiver, claim_body: dict[str, Any], status: int
) -> None:
    """A 401 while the partner deploys the secret a PUT just gave, a 404 or 3xx while the endpoint
    moves: the event waits and goes once the endpoint answers again, not lost after one try."""
    auth, claim_id = await setup(app_client, receiver, claim_body)
    receiver.answers = [status]
    await click(app_client, claim_id, "claim.acknowledge")
    store = app_client.app[STORE]
    await app_client.app[WEBHOOKS].run_once()
    (event,) = await store.webhook_events((await store.partner_by_name("Contoso Partners")).id, limit=5)  # type: ignore[union-attr]
    assert (event.status, event.attempts, event.last_status_code) == ("queued", 1, status)
    await _make_due(store, event.id)
    await app_client.app[WEBHOOKS].run_once()
    log = await (await app_client.get("/api/webhook", headers=auth)).json()
    assert (log["events"][0]["status"], log["events"][0]["attempts"]) == ("sent", 2)


async def test_no_webhook_means_no_events(
    app_client: TestClient[Any, Any], claim_body: dict[str, Any]
) -> None:
    auth = {"Authorization": f"Bearer {await make_key(app_client.app[STORE])}"}
    claim = await (await app_client.post("/api/claims", json=claim_body, headers=auth)).json()
    await click(app_client, claim["id"], "claim.acknowledge")
    assert (await app_client.get("/api/webhook", headers=auth)).status == 404
    claim = await (await app_client.get(f"/api/claims/{claim['id']}", headers=auth)).json()
    assert [r["kind"] for r in claim["responses"]] == ["acknowledged"]


async def test_webhook_api_set_replace_delete(app_client: TestClient[Any, Any], receiver: Receiver) -> None:
    auth = {"Authorization": f"Bearer {await make_key(app_client.app[STORE])}"}
    first = await (await app_client.put("/api/webhook", json={"url": receiver.url}, headers=auth)).json()
    second = await (await app_client.put("/api/webhook", json={"url": receiver.url}, headers=auth)).json()
    assert first["secret"] != second["secret"] and second["secret"].startswith("whsec_")
    bad = await app_client.put("/api/webhook", json={"url": "http://example.com/x"}, headers=auth)
    assert bad.status == 422 and (await bad.json())["field"] == "url"
    extra = await app_client.put("/api/webhook", json={"url": receiver.url, "events": ["x"]}, headers=auth)
    assert extra.status == 422
    assert (await app_client.delete("/api/webhook", headers=auth)).status == 204
    assert (await app_client.delete("/api/webhook", headers=auth)).status == 404


async def test_another_partner_never_gets_my_customers_responses(
    app_client: TestClient[Any, Any], receiver: Receiver, claim_body: dict[str, Any]
) -> None:
    other = {"Authorization": f"Bearer {await make_key(app_client.app[STORE], 'Northwind Advisors')}"}
    resp = await app_client.put("/api/webhook", json={"url": receiver.url}, headers=other)
    receiver.secret = (await resp.json())["secret"]
    mine = {"Authorization": f"Bearer {await make_key(app_client.app[STORE])}"}
    claim = await (await app_client.post("/api/claims", json=claim_body, headers=mine)).json()
    await click(app_client, claim["id"], "claim.acknowledge")
    await app_client.app[WEBHOOKS].run_once()
    assert receiver.received == []


async def _make_due(store: Any, event_id: str) -> None:
    # Move the event's next attempt into the past instead of waiting for the backoff.
    async with store._tx() as db:  # test-only shortcut through the store's own transaction
        await db.execute(
            "UPDATE webhook_events SET next_attempt_at = ? WHERE id = ?",
            ("2000-01-01T00:00:00.000000+00:00", event_id),
        )
    await asyncio.sleep(0)


@pytest.mark.parametrize(
    "url",
    [
        "https://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54:8443/hook",  # full-width "localhost"
        "https://0x7f000001/hook",
        "https://2852039166/hook",  # 169.254.169.254 as one integer
        "https://localhost./hook",
        "https://100.64.0.1/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://hooks.partner.example/hook",  # no public address can be found for it here
    ],
)
async def test_registering_a_webhook_resolves_and_checks_the_host(
    client: TestClient[Any, Any], auth: dict[str, str], url: str
) -> None:
    resp = await client.put("/api/webhook", json={"url": url}, headers=auth)
    assert resp.status == 422, await resp.text()
    body = await resp.json()
    assert body["field"] == "url"
    assert (await client.get("/api/webhook", headers=auth)).status == 404  # nothing stored
