"""Card actions (Universal Actions): every verb through the Teams handler, with realistic invokes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.domain.claims import Claim, Contact, Status
from bot.ops.config import Settings
from bot.store import Store
from bot.teams.handler import CporTeamsBot
from tests.bot.teams.test_teams import RecordingAdapter
from tests.support import load_fixture

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
MEGAN = "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"
OTHER_TENANT = "0b6d3c41-5e2f-4a8b-9c7d-1e2f3a4b5c6d"


async def make_claim(store: Store, claim_id: str = "claim-1", status: Status = Status.UNDER_REVIEW) -> Claim:
    now = dt.datetime.now(dt.UTC)
    partner = await store.partner_by_name("Contoso Partners") or await store.create_partner(
        "Contoso Partners"
    )
    claim = Claim(
        id=claim_id,
        partner_id=partner.id,
        customer_tenant_id=TENANT,
        customer_name="Fabrikam Ltd",
        solution_area="modern_work_security",
        workloads=("teams", "exchange"),
        status=status,
        submitted_on=now.date(),
        created_at=now,
        updated_at=now,
        contacts=(
            Contact(
                id=f"{claim_id}-c1", name="Megan Bowen", email="megan@fabrikam.example", aad_object_id=MEGAN
            ),
        ),
    )
    await store.create_claim(claim)
    return claim


class Clicks:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.adapter = RecordingAdapter()
        self.bot = CporTeamsBot(store, lambda: None, notify_allowance=Settings().notify_allowance())

    async def invoke(self, verb: str, data: dict[str, Any], **changes: Any) -> tuple[int, Any]:
        payload = load_fixture("invoke_card_action.json")
        payload["value"]["action"].update(verb=verb, data=data)
        for key, value in changes.items():
            payload[key] = value
        context = TurnContext(self.adapter, Activity().deserialize(payload))
        before = len(self.adapter.sent)
        await self.bot.on_turn(context)
        (response,) = [a for a in self.adapter.sent[before:] if a.type == "invokeResponse"]
        invoke = response.value
        return invoke.status, invoke.body

    async def card(self, verb: str, data: dict[str, Any], **changes: Any) -> dict[str, Any]:
        status, body = await self.invoke(verb, data, **changes)
        assert status == 200
        assert body.status_code == 200
        assert body.type == "application/vnd.microsoft.card.adaptive"
        card: dict[str, Any] = body.value
        assert card["type"] == "AdaptiveCard"
        return card


def text(card: dict[str, Any]) -> str:
    return str(card)


def verbs_in(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute":
            found.add(node["verb"])
        for value in node.values():
            found |= verbs_in(value)
    elif isinstance(node, list):
        for value in node:
            found |= verbs_in(value)
    return found


@pytest.fixture
def clicks(sqlite_store: Store) -> Clicks:
    return Clicks(sqlite_store)


async def test_got_it_records_once_and_the_card_says_who_and_when(
    clicks: Clicks, sqlite_store: Store
) -> None:
    await make_claim(sqlite_store)
    before = await clicks.card("claim.show", {"claim_id": "claim-1"})
    assert "claim.acknowledge" in verbs_in(before)

    card = await clicks.card("claim.acknowledge", {"claim_id": "claim-1"})
    assert "Megan Bowen" in text(card)
    assert "claim.acknowledge" not in verbs_in(card)
    again = await clicks.card("claim.acknowledge", {"claim_id": "claim-1"})
    assert again == card

    (response,) = await sqlite_store.responses_for_claim("claim-1")
    assert (response.kind, response.user_name, response.aad_object_id) == (
        "acknowledged",
        "Megan Bowen",
        MEGAN,
    )
    assert response.contact_id == "claim-1-c1"


async def test_what_can_the_partner_see_shows_the_access_card_with_a_way_back(
    clicks: Clicks, sqlite_store: Store
) -> None:
    await make_claim(sqlite_store)
    card = await clicks.card("claim.access", {"claim_id": "claim-1"})
    assert "GDAP" in text(card) or "admin" in text(card).lower()
    assert "claim.show" in verbs_in(card)
    back = await clicks.card("claim.show", {"claim_id": "claim-1"})
    assert "claim.access" in verbs_in(back)
    assert await sqlite_store.responses_for_claim("claim-1") == []


async def test_not_recognised_is_recorded_and_the_card_says_what_to_do(
    clicks: Clicks, sqlite_store: Store
) -> None:
    await make_claim(sqlite_store)
    plain = await clicks.card("claim.show", {"claim_id": "claim-1"})
    card = await clicks.card("claim.not_recognised", {"claim_id": "claim-1"})
    assert card != plain
    assert "Contoso Partners" in text(card)
    await clicks.card("claim.not_recognised", {"claim_id": "claim-1"})
    responses = await sqlite_store.responses_for_claim("claim-1")
    assert [r.kind for r in responses] == ["not_recognised"]


async def test_a_question_is_recorded_and_confirmed(clicks: Clicks, sqlite_store: Store) -> None:
    await make_claim(sqlite_store)
    question = "  Which   statement of work\nis this about? "
    card = await clicks.card("claim.ask", {"claim_id": "claim-1", "question": question})
    await clicks.card("claim.ask", {"claim_id": "claim-1", "question": question})
    (response,) = await sqlite_store.responses_for_claim("claim-1")
    assert response.text == "Which statement of work is this about?"
    assert card != await clicks.card("claim.show", {"claim_id": "claim-1"})

    long = "x" * 900
    await clicks.card("claim.ask", {"claim_id": "claim-1", "question": long})
    stored = [r.text for r in await sqlite_store.responses_for_claim("claim-1")]
    assert len(stored[-1] or "") == 500


async def test_an_empty_question_records_nothing(clicks: Clicks, sqlite_store: Store) -> None:
    await make_claim(sqlite_store)
    await clicks.card("claim.ask", {"claim_id": "claim-1", "question": "   "})
    await clicks.card("claim.ask", {"claim_id": "claim-1"})
    assert await sqlite_store.responses_for_claim("claim-1") == []


async def test_refresh_shows_the_current_status_and_lists_the_reader_for_refresh(
    clicks: Clicks, sqlite_store: Store
) -> None:
    await make_claim(sqlite_store)
    card = await clicks.card("claim.refresh", {"claim_id": "claim-1"})
    assert card["refresh"]["action"]["verb"] == "claim.refresh"
    user_id = load_fixture("invoke_card_action.json")["from"]["id"]
    assert card["refresh"]["userIds"] == [user_id]


@pytest.mark.parametrize(
    "verb",
    ["claim.show", "claim.access", "claim.acknowledge", "claim.not_recognised", "claim.ask", "claim.refresh"],
)
async def test_someone_from_another_tenant_changes_nothing_and_is_audited(
    clicks: Clicks, sqlite_store: Store, verb: str
) -> None:
    await make_claim(sqlite_store)
    channel_data = {"tenant": {"id": OTHER_TENANT}}
    card = await clicks.card(verb, {"claim_id": "claim-1", "question": "hi"}, channelData=channel_data)
    assert "Fabrikam" not in text(card) and "Contoso" not in text(card)
    assert await sqlite_store.responses_for_claim("claim-1") == []
    refused = [
        e for e in await sqlite_store.audit_entries("claim-1") if e["action"] == "action.refused_other_tenant"
    ]
    assert len(refused) == 1 and refused[0]["detail"] == {"verb": verb}


@pytest.mark.parametrize("data", [{"claim_id": "no-such-claim"}, {}, {"claim_id": 42}])
async def test_an_unknown_claim_gets_a_clear_message(
    clicks: Clicks, sqlite_store: Store, data: dict[str, Any]
) -> None:
    card = await clicks.card("claim.acknowledge", data)
    assert "Traceback" not in text(card)
    assert card.get("body")


async def test_an_unknown_verb_gets_a_clear_message(clicks: Clicks, sqlite_store: Store) -> None:
    await make_claim(sqlite_store)
    card = await clicks.card("claim.delete_everything", {"claim_id": "claim-1"})
    assert card.get("body")
    assert await sqlite_store.responses_for_claim("claim-1") == []


async def test_a_malformed_invoke_is_a_400_not_a_crash(clicks: Clicks) -> None:
    status, body = await clicks.invoke("claim.show", {}, value={"action": {"type": "Action.Submit"}})
    assert status == 200
    assert body.status_code == 400
    assert body.type == "application/vnd.microsoft.error"


async def test_the_submit_fallback_reaches_the_same_verb_and_updates_the_card(
    clicks: Clicks, sqlite_store: Store
) -> None:
    await make_claim(sqlite_store)
    payload = load_fixture("message_submit_fallback.json")
    payload["value"]["claim_id"] = "claim-1"
    context = TurnContext(clicks.adapter, Activity().deserialize(payload))
    await clicks.bot.on_turn(context)
    (response,) = await sqlite_store.responses_for_claim("claim-1")
    assert response.kind == "acknowledged"
    # The recording adapter cannot update, so the fallback sends the updated card as a message.
    (sent,) = [a for a in clicks.adapter.sent if a.type == "message"]
    assert "Megan Bowen" in str(sent.attachments[0].content)
