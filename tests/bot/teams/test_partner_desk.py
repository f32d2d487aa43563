"""Partner users in Teams: link with a one-time code, hear about responses, compose claims."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from bot.ops.config import Settings
from bot.ops.state import STORE, WORKER
from bot.store import Store
from tests.fakes import FakeConnector, running_connector
from tests.support import RecordingSender, load_fixture, make_key, quiet

PARTNER_TENANT = "3c2b1a09-8f7e-4d6c-b5a4-93827160f5e4"
PARTNER_USER = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
PARTNER_CHAT = "a:partner-chat-ana"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as fake:
        yield fake


def partner_message(connector: FakeConnector, text: str) -> dict[str, Any]:
    """A message from Ana, a Contoso employee, in her own tenant's personal chat with the app."""
    payload = load_fixture("message_help.json")
    payload.update(text=text, serviceUrl=connector.url)
    payload["from"] = {"id": "29:ana", "name": "Ana Bell", "aadObjectId": PARTNER_USER}
    payload["conversation"] = {"conversationType": "personal", "tenantId": PARTNER_TENANT, "id": PARTNER_CHAT}
    payload["channelData"] = {"tenant": {"id": PARTNER_TENANT}}
    return payload


async def say(client: TestClient[Any, Any], connector: FakeConnector, text: str) -> dict[str, Any]:
    before = len(connector.posts)
    resp = await client.post("/api/messages", json=partner_message(connector, text))
    assert resp.status in (200, 201), await resp.text()
    ((_, reply, _),) = connector.posts[before:]
    card: dict[str, Any] = reply["attachments"][0]["content"]
    return card


async def invoke_as_partner(
    client: TestClient[Any, Any], connector: FakeConnector, verb: str, data: dict[str, Any]
) -> dict[str, Any]:
    payload = partner_message(connector, "")
    payload.update(type="invoke", name="adaptiveCard/action")
    payload["value"] = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    resp = await client.post("/api/messages", json=payload)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    card: dict[str, Any] = body["value"]
    return card


async def link(client: TestClient[Any, Any], connector: FakeConnector, auth: dict[str, str]) -> str:
    resp = await client.post("/api/teams-links", headers=auth)
    assert resp.status == 201
    code: str = (await resp.json())["code"]
    card = await say(client, connector, f"link {code}")
    assert "linked to Contoso Partners" in str(card)
    return code


def form_values(**changes: str) -> dict[str, str]:
    values = {
        "customer_tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "customer_name": "Fabrikam Ltd",
        "solution_area": "modern_work_security",
        "workloads": "teams,exchange",
        "contact_name": "Megan Bowen",
        "contact_email": "megan.bowen@fabrikam.example",
        "message": "Thanks for the rollout.",
        "form_id": "f-1",
    }
    values.update(changes)
    return values


async def test_a_code_links_once_and_then_never_again(
    client: TestClient[Any, Any], connector: FakeConnector, auth: dict[str, str], store: Store
) -> None:
    code = await link(client, connector, auth)
    assert (await store.get_partner_link(PARTNER_CHAT)) is not None
    again = await say(client, connector, f"link {code}")
    assert "unknown, used or expired" in str(again)
    assert "unknown, used or expired" in str(await say(client, connector, "link NOPE1-NOPE2"))
    assert "no longer linked" in str(await say(client, connector, "unlink"))
    assert await store.get_partner_link(PARTNER_CHAT) is None


async def test_an_expired_code_does_not_link(
    client: TestClient[Any, Any], connector: FakeConnector, auth: dict[str, str], store: Store
) -> None:
    from bot.partner_api.keys import hash_link_code

    partner = await store.partner_by_name("Contoso Partners")
    assert partner is not None
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await store.add_link_code(
        hash_link_code("OLDCO-DE123"), partner.id, past, past - dt.timedelta(minutes=15)
    )
    assert "unknown, used or expired" in str(await say(client, connector, "link OLDCO-DE123"))


async def test_the_linked_chat_hears_about_each_customer_response(
    client: TestClient[Any, Any],
    connector: FakeConnector,
    auth: dict[str, str],
    claim_body: dict[str, Any],
    sender: Any,
) -> None:
    await link(client, connector, auth)
    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    customer = load_fixture("invoke_card_action.json")
    customer["value"]["action"].update(
        verb="claim.ask", data={"claim_id": claim["id"], "question": "Who are you?"}
    )
    assert (await client.post("/api/messages", json=customer)).status == 200
    await client.app[WORKER].run_once()

    notices = [card for ref, card in sender.sent if ref["conversation"]["id"] == PARTNER_CHAT]
    (notice,) = notices
    text = str(notice)
    assert "Fabrikam Ltd asked a question" in text and "Who are you?" in text and "Megan Bowen" in text


async def test_the_claim_form_follows_the_api_rules_and_sends_once(
    client: TestClient[Any, Any], connector: FakeConnector, auth: dict[str, str], store: Store
) -> None:
    await link(client, connector, auth)
    form = await say(client, connector, "new claim")
    ids = {el.get("id") for el in form["body"]}
    assert {"customer_tenant_id", "workloads", "contact_email"} <= ids
    workloads = next(el for el in form["body"] if el.get("id") == "workloads")
    assert workloads["isMultiSelect"] is True and len(workloads["choices"]) >= 20

    bad = await invoke_as_partner(
        client,
        connector,
        "compose.send",
        form_values(customer_tenant_id="fabrikam", workloads="teams,power_bi"),
    )
    text = str(bad)
    assert "must be a GUID" in text and "business_applications" in text
    refilled = {el["id"]: el.get("value") for el in bad["body"] if el.get("id")}
    assert refilled["customer_name"] == "Fabrikam Ltd"
    partner = await store.partner_by_name("Contoso Partners")
    assert partner is not None and await store.list_claims(partner.id, limit=5) == []

    done = await invoke_as_partner(client, connector, "compose.send", form_values())
    twice = await invoke_as_partner(client, connector, "compose.send", form_values())
    assert "created and sent" in str(done)
    (claim,) = await store.list_claims(partner.id, limit=5)
    assert claim.workloads == ("teams", "exchange") and claim.message == "Thanks for the rollout."
    assert claim.id in str(done) and claim.id in str(twice)
    assert len(await store.deliveries_for_claim(claim.id)) == 1


async def test_an_unlinked_chat_cannot_compose(
    client: TestClient[Any, Any], connector: FakeConnector, store: Store
) -> None:
    assert "linked to a partner account" in str(await say(client, connector, "new claim"))
    card = await invoke_as_partner(client, connector, "compose.send", form_values())
    assert "linked to a partner account" in str(card)
    await make_key(store)
    partner = await store.partner_by_name("Contoso Partners")
    assert partner is not None and await store.list_claims(partner.id, limit=5) == []


async def test_the_claim_form_keeps_to_the_partners_notification_limits(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    connector: FakeConnector,
    claim_body: dict[str, Any],
) -> None:
    # A leaked key mints a link code: the Teams form must not be a way around NOTIFY_PER_MINUTE.
    limited = dataclasses.replace(settings, notify_per_minute=3, notify_cooldown_minutes=0)
    client = quiet(await aiohttp_client(create_app(limited, sender=RecordingSender())))
    store = client.app[STORE]
    auth = {"Authorization": f"Bearer {await make_key(store)}"}
    await link(client, connector, auth)
    for n in range(3):
        done = await invoke_as_partner(client, connector, "compose.send", form_values(form_id=f"f-{n}"))
        assert "created and sent" in str(done)

    refused = await invoke_as_partner(client, connector, "compose.send", form_values(form_id="f-3"))
    text = str(refused)
    assert "Nothing was created or sent" in text and "At most 3 notifications a minute" in text
    assert "created and sent" not in text
    kept = {el["id"]: el.get("value") for el in refused["body"] if el.get("id")}
    assert kept["customer_name"] == "Fabrikam Ltd" and kept["contact_email"] == "megan.bowen@fabrikam.example"
    partner = await store.partner_by_name("Contoso Partners")
    assert partner is not None
    claims = await store.list_claims(partner.id, limit=10)
    assert len(claims) == 3  # no claim left behind without its notification
    # The form and the API draw on one allowance.
    api_claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    over = await client.post(f"/api/claims/{api_claim['id']}/notifications", json={}, headers=auth)
    assert over.status == 429
    metrics = await (await client.get("/metrics")).text()
    assert 'cpor_notifications_refused_total{reason="rate"} 2.0' in metrics


async def test_the_claim_form_keeps_to_the_daily_message_quota(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    connector: FakeConnector,
) -> None:
    limited = dataclasses.replace(settings, notify_messages_per_day=1, notify_cooldown_minutes=0)
    client = quiet(await aiohttp_client(create_app(limited, sender=RecordingSender())))
    store = client.app[STORE]
    await link(client, connector, {"Authorization": f"Bearer {await make_key(store)}"})
    assert "created and sent" in str(
        await invoke_as_partner(client, connector, "compose.send", form_values(form_id="a"))
    )
    refused = str(await invoke_as_partner(client, connector, "compose.send", form_values(form_id="b")))
    assert "midnight UTC" in refused and "Nothing was created or sent" in refused
    partner = await store.partner_by_name("Contoso Partners")
    assert partner is not None and len(await store.list_claims(partner.id, limit=10)) == 1
