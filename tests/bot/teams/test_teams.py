"""The Teams handler through TurnContext, with realistic Teams activities."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ResourceResponse

from bot.domain.claims import Claim, Contact, Status
from bot.ops.config import Settings
from bot.store import Store
from bot.teams.handler import CporTeamsBot
from tests.support import load_fixture

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
MEGAN = "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"


class RecordingAdapter(BotAdapter):  # type: ignore[misc]
    """Collects what the bot sends instead of calling a Bot Connector."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Activity] = []

    async def send_activities(
        self, context: TurnContext, activities: list[Activity]
    ) -> list[ResourceResponse]:
        self.sent.extend(activities)
        for activity in activities:
            if activity.type == ActivityTypes.invoke_response:  # kept for the turn, as CloudAdapter does
                context.turn_state[BotAdapter._INVOKE_RESPONSE_KEY] = activity  # noqa: SLF001 - the SDK's key
        return [ResourceResponse(id=f"sent-{len(self.sent)}") for _ in activities]

    async def update_activity(self, context: TurnContext, activity: Activity) -> None:
        raise NotImplementedError

    async def delete_activity(self, context: TurnContext, reference: Any) -> None:
        raise NotImplementedError


class Harness:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.wakes = 0
        self.bot = CporTeamsBot(store, self.wake, notify_allowance=Settings().notify_allowance())
        self.adapter = RecordingAdapter()

    def wake(self) -> None:
        self.wakes += 1

    async def turn(self, payload: dict[str, Any]) -> list[Activity]:
        before = len(self.adapter.sent)
        context = TurnContext(self.adapter, Activity().deserialize(payload))
        await self.bot.on_turn(context)
        return self.adapter.sent[before:]


def card_of(activity: Activity) -> dict[str, Any]:
    (attachment,) = activity.attachments
    assert attachment.content_type == "application/vnd.microsoft.card.adaptive"
    content: dict[str, Any] = attachment.content
    return content


def message(text: str) -> dict[str, Any]:
    payload = load_fixture("message_help.json")
    payload["text"] = text
    return payload


async def test_install_stores_the_reference_and_welcomes(sqlite_store: Store) -> None:
    harness = Harness(sqlite_store)
    payload = load_fixture("installation_add.json")
    (reply,) = await harness.turn(payload)
    assert "help" in str(card_of(reply)).lower()

    stored = await sqlite_store.get_reference(payload["conversation"]["id"])
    assert stored is not None
    assert stored.tenant_id == TENANT
    assert stored.aad_object_id == MEGAN
    assert stored.service_url == payload["serviceUrl"]
    assert stored.reference["conversation"]["id"] == payload["conversation"]["id"]
    assert stored.reference["serviceUrl"] == payload["serviceUrl"]


async def test_conversation_update_after_install_does_not_welcome_twice(sqlite_store: Store) -> None:
    harness = Harness(sqlite_store)
    assert len(await harness.turn(load_fixture("installation_add.json"))) == 1
    assert await harness.turn(load_fixture("conversation_update_bot_added.json")) == []


async def test_conversation_update_alone_welcomes_once(sqlite_store: Store) -> None:
    harness = Harness(sqlite_store)
    assert len(await harness.turn(load_fixture("conversation_update_bot_added.json"))) == 1
    assert await harness.turn(load_fixture("conversation_update_bot_added.json")) == []


async def test_uninstall_drops_the_reference(sqlite_store: Store) -> None:
    harness = Harness(sqlite_store)
    await harness.turn(load_fixture("installation_add.json"))
    await harness.turn(load_fixture("installation_remove.json"))
    conversation_id = load_fixture("installation_add.json")["conversation"]["id"]
    assert await sqlite_store.get_reference(conversation_id) is None


async def test_a_message_refreshes_the_service_url(sqlite_store: Store) -> None:
    harness = Harness(sqlite_store)
    await harness.turn(load_fixture("installation_add.json"))
    moved = message("about")
    moved["serviceUrl"] = "https://smba.trafficmanager.net/amer/"
    await harness.turn(moved)
    stored = await sqlite_store.get_reference(moved["conversation"]["id"])
    assert stored is not None and stored.service_url == "https://smba.trafficmanager.net/amer/"


async def test_help_lists_the_commands(sqlite_store: Store) -> None:
    (reply,) = await Harness(sqlite_store).turn(message("help"))
    text = str(card_of(reply)).lower()
    for command in ("help", "about", "claims"):
        assert command in text


async def test_about_explains_cpor(sqlite_store: Store) -> None:
    (reply,) = await Harness(sqlite_store).turn(message("About"))
    assert "Claiming Partner of Record" in str(card_of(reply))


@pytest.mark.parametrize(
    ("locale", "lang", "title"),
    [("de-DE", "de", "Was diese App kann"), ("ja-JP", "ja", None), ("en-US", "en", "What this app can do")],
)
async def test_the_bots_own_cards_follow_the_readers_teams_locale(
    sqlite_store: Store, locale: str, lang: str, title: str | None
) -> None:
    harness = Harness(sqlite_store)
    for text in ("help", "about", "claims"):
        payload = message(text)
        payload["locale"] = locale
        (reply,) = await harness.turn(payload)
        assert card_of(reply)["lang"] == lang, text
    install = load_fixture("installation_add.json")
    install["locale"] = locale
    (welcome,) = await harness.turn(install)
    assert card_of(welcome)["lang"] == lang
    if title is not None:
        payload = message("help")
        payload["locale"] = locale
        (reply,) = await harness.turn(payload)
        assert card_of(reply)["body"][0]["text"] == title


async def test_anything_else_gets_help(sqlite_store: Store) -> None:
    harness = Harness(sqlite_store)
    (help_reply,) = await harness.turn(message("help"))
    (other,) = await harness.turn(message("what is this?"))
    assert card_of(other) == card_of(help_reply)


async def test_a_mention_in_front_of_the_command_is_ignored(sqlite_store: Store) -> None:
    payload = message("<at>CPOR explained</at> about")
    payload["entities"] = [
        {
            "type": "mention",
            "mentioned": {"id": payload["recipient"]["id"], "name": "CPOR explained"},
            "text": "<at>CPOR explained</at>",
        }
    ]
    (reply,) = await Harness(sqlite_store).turn(payload)
    assert "Claiming Partner of Record" in str(card_of(reply))


async def _claim(
    store: Store, tenant: str, customer: str, created: dt.datetime, partner_name: str = "Contoso Partners"
) -> Claim:
    partner = await store.partner_by_name(partner_name) or await store.create_partner(partner_name)
    claim = Claim(
        id=f"claim-{customer}-{partner_name}",
        partner_id=partner.id,
        customer_tenant_id=tenant,
        customer_name=customer,
        solution_area="modern_work_security",
        workloads=("teams",),
        status=Status.UNDER_REVIEW,
        submitted_on=created.date(),
        created_at=created,
        updated_at=created,
        contacts=(
            Contact(
                id=f"contact-{customer}-{partner_name}", name="Megan Bowen", email="megan@fabrikam.example"
            ),
        ),
    )
    await store.create_claim(claim)
    return claim


async def test_claims_lists_only_the_users_tenant_newest_first(sqlite_store: Store) -> None:
    now = dt.datetime.now(dt.UTC)
    await _claim(sqlite_store, TENANT, "Fabrikam", now - dt.timedelta(days=3), "Older Partner Co")
    await _claim(sqlite_store, TENANT, "Fabrikam", now, "Newer Partner Co")
    await _claim(sqlite_store, "0b6d3c41-5e2f-4a8b-9c7d-1e2f3a4b5c6d", "Tailspin", now, "Elsewhere Partner")
    (reply,) = await Harness(sqlite_store).turn(message("claims"))
    text = str(card_of(reply))
    assert "Elsewhere Partner" not in text
    assert text.index("Newer Partner Co") < text.index("Older Partner Co")


async def test_claims_with_none_says_so(sqlite_store: Store) -> None:
    await _claim(sqlite_store, "0b6d3c41-5e2f-4a8b-9c7d-1e2f3a4b5c6d", "Tailspin", dt.datetime.now(dt.UTC))
    (reply,) = await Harness(sqlite_store).turn(message("claims"))
    assert "Contoso Partners" not in str(card_of(reply))


async def test_install_releases_waiting_deliveries_and_wakes_the_worker(sqlite_store: Store) -> None:
    now = dt.datetime.now(dt.UTC)
    partner = await sqlite_store.create_partner("Contoso Partners")
    claim = Claim(
        id="claim-1",
        partner_id=partner.id,
        customer_tenant_id=TENANT,
        customer_name="Fabrikam Ltd",
        solution_area="modern_work_security",
        workloads=("teams",),
        status=Status.SUBMITTED,
        submitted_on=now.date(),
        created_at=now,
        updated_at=now,
        contacts=(Contact(id="c1", name="Megan Bowen", email="megan@fabrikam.example", aad_object_id=MEGAN),),
    )
    await sqlite_store.create_claim(claim)
    (waiting,) = await sqlite_store.create_notification(claim, "n1", now, "teams")
    assert waiting.status == "waiting"

    harness = Harness(sqlite_store)
    await harness.turn(load_fixture("installation_add.json"))
    (queued,) = await sqlite_store.deliveries_for_claim("claim-1")
    assert queued.status == "queued"
    assert queued.conversation_id == load_fixture("installation_add.json")["conversation"]["id"]
    assert harness.wakes == 1


async def test_an_activity_without_a_tenant_stores_nothing(sqlite_store: Store) -> None:
    payload = load_fixture("installation_add.json")
    payload["channelData"] = {}
    await Harness(sqlite_store).turn(payload)
    assert await sqlite_store.get_reference(payload["conversation"]["id"]) is None
