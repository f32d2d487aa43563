"""The tenant comes only from a channel that writes channelData itself: Teams, and Outlook for a click
on a card. On Web Chat or Direct Line the end user writes channelData, so a valid token for those
channels with another customer's tenant in it lists, shows, stores and sends nothing, and each
attempt is audited. Everything goes through /api/messages with real tokens (see test_auth.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives.asymmetric import rsa

from app import create_app
from bot.domain.claims import Claim, Contact, Status
from bot.ops.config import Settings
from bot.ops.state import STORE
from bot.partner_api.keys import hash_link_code
from bot.store import Store
from bot.teams.channels import ONLY_IN_TEAMS_OR_OUTLOOK, REFUSED_CHANNEL
from cards import verbs
from tests.bot.teams.test_auth import APP_ID, APP_TENANT_ID, OpenIdServer, local_auth, mint
from tests.fakes import FakeConnector, running_connector
from tests.support import load_fixture, quiet

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # Fabrikam, the customer
MEGAN = "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"
MEGAN_EMAIL = "megan.bowen@fabrikam.example"
PRIVATE = "Private to Fabrikam: the statement of work PC-20931 signed in August."
CLAIM_ID = "claim-fabrikam"
FOREIGN_CHANNELS = ("webchat", "directline")
CARD_VERBS = verbs.VERBS


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as fake:
        yield fake


@pytest.fixture
async def service(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    tmp_path: Path,
    openid: OpenIdServer,
) -> TestClient[Any, Any]:
    settings = Settings(
        app_id=APP_ID,
        app_password="x",
        app_tenant_id=APP_TENANT_ID,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        delivery_poll_seconds=3600,
    )
    return quiet(await aiohttp_client(create_app(settings, bot_auth=local_auth(openid.base))))


async def seed(store: Store) -> str:
    """Fabrikam's claim by Contoso, with a private message and a webhook; returns the partner id."""
    now = dt.datetime.now(dt.UTC)
    partner = await store.create_partner("Contoso Partners")
    await store.set_webhook(partner.id, "https://hooks.contoso.example/cpor", "s3cret-s3cret-s3cret", now)
    await store.create_claim(
        Claim(
            id=CLAIM_ID,
            partner_id=partner.id,
            customer_tenant_id=TENANT,
            customer_name="Fabrikam Ltd",
            solution_area="modern_work_security",
            workloads=("teams",),
            status=Status.UNDER_REVIEW,
            submitted_on=now.date(),
            created_at=now,
            updated_at=now,
            contacts=(Contact(id="c1", name="Megan Bowen", email=MEGAN_EMAIL, aad_object_id=MEGAN),),
            message=PRIVATE,
        )
    )
    return partner.id


class Caller:
    """Posts activities for one channel, each with a token minted for that channel's key."""

    def __init__(self, client: TestClient[Any, Any], key: rsa.RSAPrivateKey, service_url: str) -> None:
        self.client = client
        self.key = key
        self.service_url = service_url

    def activity(self, fixture: str, channel: str | None) -> dict[str, Any]:
        activity = load_fixture(fixture)
        activity.update(serviceUrl=self.service_url, channelId=channel)
        if channel not in ("msteams", "outlook"):
            # What a Web Chat user can send: their own conversation, someone else's tenant and id.
            activity["conversation"] = {"id": f"{channel}-{uuid.uuid4().hex}", "conversationType": "personal"}
            activity["from"] = {"id": "dl_visitor", "name": "Megan Bowen", "aadObjectId": MEGAN}
        activity["channelData"] = {"tenant": {"id": TENANT}}
        return {k: v for k, v in activity.items() if v is not None}

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        kid = "endorsed-key" if activity.get("channelId") in ("msteams", "outlook") else "webchat-only-key"
        token = mint(self.key, self.service_url, kid=kid)
        resp = await self.client.post(
            "/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
        )
        body = await resp.json() if resp.content_type == "application/json" else await resp.text()
        return resp.status, body

    async def click(self, channel: str | None, verb: str, **data: str) -> dict[str, Any]:
        activity = self.activity("invoke_card_action.json", channel)
        activity["value"]["action"].update(verb=verb, data={"claim_id": CLAIM_ID, **data})
        status, body = await self.post(activity)
        assert status == 200, body
        assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
        card: dict[str, Any] = body["value"]
        return card

    async def say(self, channel: str | None, text: str) -> tuple[int, dict[str, Any]]:
        activity = self.activity("message_help.json", channel)
        activity["text"] = text
        status, _ = await self.post(activity)
        return status, activity


@pytest.fixture
async def caller(
    service: TestClient[Any, Any], signing_key: rsa.RSAPrivateKey, connector: FakeConnector
) -> Caller:
    return Caller(service, signing_key, connector.url)


def refusals(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["detail"] for e in entries if e["action"] == REFUSED_CHANNEL]


@pytest.mark.parametrize("channel", FOREIGN_CHANNELS)
async def test_card_verbs_on_another_channel_show_store_and_send_nothing(
    caller: Caller, service: TestClient[Any, Any], channel: str
) -> None:
    store = service.app[STORE]
    partner_id = await seed(store)
    for verb in CARD_VERBS:
        card = await caller.click(channel, verb, question="Which statement of work?")
        shown = str(card)
        assert "only in Microsoft Teams" in shown, verb
        for secret in (PRIVATE, "Fabrikam", "Contoso", "PC-20931"):
            assert secret not in shown, (verb, secret)
    assert await store.responses_for_claim(CLAIM_ID) == []
    assert await store.webhook_events(partner_id, limit=10) == []
    audited = refusals(await store.audit_entries(CLAIM_ID))
    assert [(d["verb"], d["channel"], d["outcome"]) for d in audited] == [
        (verb, channel, "refused") for verb in CARD_VERBS
    ]
    assert {d["claimed_tenant"] for d in audited} == {TENANT}


@pytest.mark.parametrize("channel", FOREIGN_CHANNELS)
async def test_the_claims_command_on_another_channel_lists_nothing_and_remembers_nothing(
    caller: Caller, service: TestClient[Any, Any], connector: FakeConnector, channel: str
) -> None:
    store = service.app[STORE]
    await seed(store)
    status, activity = await caller.say(channel, "claims")
    assert status in (200, 201)
    ((_, reply, _),) = connector.posts
    assert reply["text"] == ONLY_IN_TEAMS_OR_OUTLOOK and not reply.get("attachments")
    assert await store.get_reference(activity["conversation"]["id"]) is None
    (audited,) = refusals(await store.audit_entries(f"channel:{channel}"))
    assert audited == {"channel": channel, "verb": "claims", "outcome": "refused", "claimed_tenant": TENANT}


async def test_the_submit_fallback_and_partner_commands_on_another_channel_are_refused(
    caller: Caller, service: TestClient[Any, Any], connector: FakeConnector
) -> None:
    store = service.app[STORE]
    partner_id = await seed(store)
    now = dt.datetime.now(dt.UTC)
    await store.add_link_code(hash_link_code("ABCDE-FGHJK"), partner_id, now + dt.timedelta(hours=1), now)
    submit = caller.activity("message_submit_fallback.json", "webchat")
    submit["value"]["claim_id"] = CLAIM_ID
    await caller.post(submit)
    _, linking = await caller.say("webchat", "link ABCDE-FGHJK")
    assert await store.responses_for_claim(CLAIM_ID) == []
    assert await store.get_partner_link(linking["conversation"]["id"]) is None
    assert [reply["text"] for _, reply, _ in connector.posts] == [ONLY_IN_TEAMS_OR_OUTLOOK] * 2
    assert [d["verb"] for d in refusals(await store.audit_entries(CLAIM_ID))] == [verbs.ACKNOWLEDGE]
    assert [d["verb"] for d in refusals(await store.audit_entries("channel:webchat"))] == ["link"]
    # The code was not used up: the partner's own Teams chat can still redeem it.
    await caller.say("msteams", "link ABCDE-FGHJK")
    teams_chat = load_fixture("message_help.json")["conversation"]["id"]
    assert await store.get_partner_link(teams_chat) is not None


async def test_an_activity_without_a_channel_is_not_taken_for_teams(
    caller: Caller, service: TestClient[Any, Any]
) -> None:
    # No channelId: botbuilder checks no key endorsement at all, so any channel's token passes.
    store = service.app[STORE]
    await seed(store)
    card = await caller.click(None, verbs.ACKNOWLEDGE)
    assert "only in Microsoft Teams" in str(card)
    assert await store.responses_for_claim(CLAIM_ID) == []
    (audited,) = refusals(await store.audit_entries(CLAIM_ID))
    assert audited["channel"] == "(none)"


async def test_in_teams_the_same_verbs_still_work(
    caller: Caller, service: TestClient[Any, Any], connector: FakeConnector
) -> None:
    store = service.app[STORE]
    partner_id = await seed(store)
    shown = await caller.click("msteams", verbs.SHOW)
    assert "Contoso Partners" in str(shown) and PRIVATE in str(shown)
    await caller.click("msteams", verbs.ACKNOWLEDGE)
    (response,) = await store.responses_for_claim(CLAIM_ID)
    assert (response.kind, response.channel, response.tenant_id) == ("acknowledged", "msteams", TENANT)
    (event,) = await store.webhook_events(partner_id, limit=10)
    assert event.claim_id == CLAIM_ID
    status, activity = await caller.say("msteams", "claims")
    assert status in (200, 201)
    (_, reply, _) = connector.posts[-1]
    assert "Contoso Partners" in str(reply["attachments"][0]["content"])
    assert await store.get_reference(activity["conversation"]["id"]) is not None
    assert refusals(await store.audit_entries(CLAIM_ID)) == []


async def test_in_outlook_a_card_click_still_works_and_anything_else_is_refused(
    caller: Caller, service: TestClient[Any, Any], connector: FakeConnector
) -> None:
    store = service.app[STORE]
    await seed(store)
    click = caller.activity("outlook_invoke.json", "outlook")
    click["value"]["action"]["data"] = {"claim_id": CLAIM_ID}
    status, body = await caller.post(click)
    assert status == 200 and "Megan Bowen" in str(body["value"])
    (response,) = await store.responses_for_claim(CLAIM_ID)
    assert (response.channel, response.tenant_id) == ("outlook", TENANT)
    # The Outlook channel sends card clicks only; a message there is not one of them.
    _, message = await caller.say("outlook", "claims")
    assert [reply["text"] for _, reply, _ in connector.posts] == [ONLY_IN_TEAMS_OR_OUTLOOK]
    assert await store.get_reference(message["conversation"]["id"]) is None
