"""Text from a card that no store can keep (a NUL, which PostgreSQL refuses; half of a surrogate pair,
which UTF-8 cannot encode) is answered with a polite card asking to type it again: nothing is
stored, nothing is sent on, and the turn does not fail."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.store import Store
from cards import verbs
from tests.bot.teams.test_actions import OTHER_TENANT, Clicks, make_claim, text, verbs_in
from tests.bot.teams.test_partner_desk import form_values, invoke_as_partner, link
from tests.fakes import FakeConnector, running_connector
from tests.support import load_fixture

RETYPE = "type it again"
UNSTORABLE = ["\ud800", "Which statement?\udfff", "\udc00\ud800", "NUL\x00inside"]


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as fake:
        yield fake


@pytest.fixture
def clicks(sqlite_store: Store) -> Clicks:
    return Clicks(sqlite_store)


def no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == []


@pytest.mark.parametrize("question", UNSTORABLE)
async def test_a_question_no_store_can_keep_gets_a_card_asking_to_retype_it(
    client: TestClient[Any, Any],
    auth: dict[str, str],
    claim_body: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    question: str,
) -> None:
    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    invoke = load_fixture("invoke_card_action.json")
    invoke["value"]["action"].update(verb=verbs.ASK, data={"claim_id": claim["id"], "question": question})
    resp = await client.post("/api/messages", json=invoke)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert (body["statusCode"], body["type"]) == (200, "application/vnd.microsoft.card.adaptive")
    assert RETYPE in str(body["value"])
    assert verbs_in(body["value"]) == {verbs.SHOW}  # "Back to the claim", as for an empty question
    stored = await (await client.get(f"/api/claims/{claim['id']}", headers=auth)).json()
    assert stored["responses"] == []
    no_errors_logged(caplog)

    # The same reader, retyping: the question is taken.
    invoke["value"]["action"]["data"]["question"] = "Which statement of work?"
    assert (await client.post("/api/messages", json=invoke)).status == 200
    stored = await (await client.get(f"/api/claims/{claim['id']}", headers=auth)).json()
    assert [r["text"] for r in stored["responses"]] == ["Which statement of work?"]


@pytest.mark.parametrize("verb", verbs.VERBS)
async def test_any_verb_with_unstorable_text_in_its_data_records_nothing(
    clicks: Clicks, sqlite_store: Store, verb: str
) -> None:
    await make_claim(sqlite_store)
    for bad in UNSTORABLE:
        card = await clicks.card(verb, {"claim_id": "claim-1", "note": {"nested": [bad]}})
        assert RETYPE in text(card)
        card = await clicks.card(verb, {"claim_id": "claim-1", bad: "a key"})
        assert RETYPE in text(card)
    assert await sqlite_store.responses_for_claim("claim-1") == []


@pytest.mark.parametrize("bad", UNSTORABLE)
async def test_a_claim_id_or_verb_no_store_can_keep_is_unknown_not_a_crash(
    clicks: Clicks, sqlite_store: Store, bad: str
) -> None:
    await make_claim(sqlite_store)
    assert "doesn't have this claim" in text(await clicks.card(verbs.SHOW, {"claim_id": bad}))
    assert "doesn't know that button" in text(await clicks.card(f"claim.{bad}", {"claim_id": "claim-1"}))
    # From another tenant too: the verb goes to the audit log only once it can be kept.
    other = {"tenant": {"id": OTHER_TENANT}}
    card = await clicks.card(f"claim.{bad}", {"claim_id": "claim-1"}, channelData=other)
    assert "doesn't know that button" in text(card)
    assert [e["action"] for e in await sqlite_store.audit_entries("claim-1")] == ["claim.created"]


async def test_the_submit_fallback_with_an_unstorable_question_records_nothing(
    clicks: Clicks, sqlite_store: Store
) -> None:
    from botbuilder.core import TurnContext
    from botbuilder.schema import Activity

    await make_claim(sqlite_store)
    payload = load_fixture("message_submit_fallback.json")
    payload["value"].update(verb=verbs.ASK, claim_id="claim-1", question="\ud800")
    await clicks.bot.on_turn(TurnContext(clicks.adapter, Activity().deserialize(payload)))
    (sent,) = [a for a in clicks.adapter.sent if a.type == "message"]
    assert RETYPE in str(sent.attachments[0].content)
    assert await sqlite_store.responses_for_claim("claim-1") == []


async def test_the_claim_form_with_unstorable_text_comes_back_with_the_field_marked(
    client: TestClient[Any, Any], connector: FakeConnector, auth: dict[str, str], store: Store
) -> None:
    await link(client, connector, auth)
    card = await invoke_as_partner(
        client, connector, "compose.send", form_values(customer_name="Fabrikam\ud800", message="a\x00b")
    )
    marked = str(card)
    assert "Please fix the fields marked below" in marked and "can't store" in marked
    refilled = {el["id"]: el.get("value") for el in card["body"] if el.get("id")}
    assert refilled["contact_name"] == "Megan Bowen" and not refilled["customer_name"]
    # A form id that cannot be kept, with every field right: the form again, not a crash.
    again = await invoke_as_partner(client, connector, "compose.send", form_values(form_id="f-\udfff"))
    assert verbs_in(again) == {"compose.send"}
    form_ids = set(re.findall(r"'form_id': '([^']*)'", str(again)))
    assert len(form_ids) == 1 and re.fullmatch("[0-9a-f]{32}", form_ids.pop())  # a fresh one
    partner = await store.partner_by_name("Contoso Partners")
    assert partner is not None and await store.list_claims(partner.id, limit=5) == []
