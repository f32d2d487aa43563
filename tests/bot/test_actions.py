"""The verb table when the claim goes between reading it and acting on it: a retention purge that
deletes it then leaves the click with a clear card and nothing recorded."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.actions import ActionRequest, Actions, Actor
from bot.store import ClaimInHand, Response, Store
from cards import verbs
from tests.bot.store.retention_support import purge_the_one_claim
from tests.bot.store.support import TENANT, make_claim, reference

LEE = Actor(
    tenant_id=TENANT,
    aad_object_id="11111111-2222-3333-4444-555555555555",
    user_id="29:lee",
    name="Lee Gu",
    channel="msteams",
    locale="en",
)


def purged_once_read(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store answers the click's read of the claim, then a purge deletes the claim."""
    read = store.claim_in_hand

    async def read_then_purge(claim_id: str) -> ClaimInHand | None:
        in_hand = await read(claim_id)
        await purge_the_one_claim(store)
        return in_hand

    monkeypatch.setattr(store, "claim_in_hand", read_then_purge)


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        (verbs.ACKNOWLEDGE, {}),
        (verbs.NOT_RECOGNISED, {}),
        (verbs.ASK, {verbs.QUESTION_INPUT: "Which project is this?"}),
    ],
)
async def test_a_click_on_a_claim_purged_meanwhile_records_nothing_and_says_the_claim_is_unknown(
    store: Store, monkeypatch: pytest.MonkeyPatch, verb: str, data: dict[str, Any]
) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    heard: list[Response] = []

    async def on_response(response: Response) -> None:
        heard.append(response)

    unknown = await Actions(store).handle(ActionRequest(verb, {verbs.CLAIM_ID: "claim-absent", **data}, LEE))
    purged_once_read(store, monkeypatch)
    outcome = await Actions(store, on_response).handle(
        ActionRequest(verb, {verbs.CLAIM_ID: "claim-1", **data}, LEE)
    )
    assert outcome.response is None and not outcome.new
    assert outcome.card == unknown.card  # "doesn't have this claim", as for any unknown claim
    assert await store.responses_for_claim("claim-1") == []
    assert await store.audit_entries("claim-1") == []
    assert heard == []


ORIGINATOR = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def outlook_reader(*, aad: str | None) -> Actor:
    """Megan Bowen clicking in Outlook: known by her address (her contact has no Entra object id)."""
    return Actor(
        tenant_id=TENANT,
        aad_object_id=aad,
        user_id="megan.bowen@fabrikam.example",
        name="Megan Bowen",
        channel="outlook",
        locale="en",
        email="megan.bowen@fabrikam.example",
    )


def web_page_of(contact_id: str) -> Actor:
    return Actor(
        tenant_id=TENANT,
        aad_object_id=None,
        user_id=None,
        name="Megan Bowen",
        channel="web",
        email="megan.bowen@fabrikam.example",
        contact_id=contact_id,
    )


@pytest.mark.parametrize("aad", [None, "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"])
async def test_an_outlook_answer_matched_by_email_is_that_contacts_one_answer(
    store: Store, aad: str | None
) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))  # its first contact, Megan, has no object id
    actions = Actions(store)
    claim = {verbs.CLAIM_ID: "claim-1"}
    in_outlook = await actions.handle(ActionRequest(verbs.ACKNOWLEDGE, claim, outlook_reader(aad=aad)))
    assert in_outlook.new and in_outlook.response is not None
    assert in_outlook.response.contact_id == "claim-1-c1"
    on_page = await actions.handle(ActionRequest(verbs.ACKNOWLEDGE, claim, web_page_of("claim-1-c1")))
    assert not on_page.new and on_page.response == in_outlook.response
    assert [r.id for r in await store.responses_for_claim("claim-1")] == [in_outlook.response.id]


MEGAN_AAD = "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"


def teams_reader(aad: str, conversation_id: str) -> Actor:
    """Megan Bowen clicking in Teams: Teams gives her object id and her chat, never her address."""
    return Actor(
        tenant_id=TENANT,
        aad_object_id=aad,
        user_id="29:megan",
        name="Megan Bowen",
        channel="msteams",
        locale="en",
        conversation_id=conversation_id,
    )


async def test_a_teams_answer_from_the_chat_the_card_found_by_address_is_that_contacts_one_answer(
    store: Store,
) -> None:
    # Megan's contact has only her address; her Teams chat was stored with it when she installed the
    # app, which is how the card reached her. Her click there and her answer on the page are one.
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    await store.save_reference(reference("a:megan", aad=MEGAN_AAD, email="Megan.Bowen@fabrikam.example"))
    actions = Actions(store)
    claim = {verbs.CLAIM_ID: "claim-1"}
    in_teams = await actions.handle(
        ActionRequest(verbs.ACKNOWLEDGE, claim, teams_reader(MEGAN_AAD, "a:megan"))
    )
    assert in_teams.new and in_teams.response is not None
    assert in_teams.response.contact_id == "claim-1-c1"
    on_page = await actions.handle(ActionRequest(verbs.ACKNOWLEDGE, claim, web_page_of("claim-1-c1")))
    assert not on_page.new and on_page.response == in_teams.response


async def test_someone_elses_chat_lends_no_address(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    await store.save_reference(reference("a:megan", aad=MEGAN_AAD, email="megan.bowen@fabrikam.example"))
    other = "7a7a7a7a-0000-4000-8000-000000000001"  # clicks a card shown in Megan's chat id
    outcome = await Actions(store).handle(
        ActionRequest(verbs.ACKNOWLEDGE, {verbs.CLAIM_ID: "claim-1"}, teams_reader(other, "a:megan"))
    )
    assert outcome.response is not None and outcome.response.contact_id is None


async def test_an_outlook_reader_known_by_email_sees_their_own_report(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    actions = Actions(store)
    claim = {verbs.CLAIM_ID: "claim-1"}
    megan = outlook_reader(aad=None)

    def verbs_on(card: dict[str, Any]) -> set[str]:
        return {v for v in re.findall(r"'verb': '([^']+)'", str(card))}

    reported = await actions.handle(
        ActionRequest(verbs.NOT_RECOGNISED, claim, megan, host="outlook", originator=ORIGINATOR)
    )
    refreshed = await actions.handle(
        ActionRequest(verbs.REFRESH, claim, megan, host="outlook", originator=ORIGINATOR)
    )
    for outcome in (reported, refreshed):
        assert verbs.NOT_RECOGNISED not in verbs_on(outcome.card)  # reported: the button is gone
    # Lee, the other contact, has reported nothing: the button is still there for him.
    lee = await actions.handle(ActionRequest(verbs.REFRESH, claim, LEE))
    assert verbs.NOT_RECOGNISED in verbs_on(lee.card)


@pytest.mark.parametrize("verb", [verbs.ACKNOWLEDGE + "\n" + "x" * 300_000, "claim.unheard_of"])
async def test_a_refused_click_keeps_no_text_the_caller_chose(store: Store, verb: str) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    stranger = Actor(
        tenant_id="99999999-9999-4999-8999-999999999999", aad_object_id=None, user_id="29:x", name="X",
        channel="msteams",
    )  # fmt: skip
    await Actions(store).handle(ActionRequest(verb, {verbs.CLAIM_ID: "claim-1"}, stranger))
    entries = await store.audit_entries("claim-1")
    (entry,) = [e for e in entries if e["action"] == "action.refused_other_tenant"]
    assert entry["detail"] == {"verb": "an unknown verb"}


async def test_a_reader_clicking_again_is_not_looked_up_again(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    await store.save_reference(reference("a:megan", aad=MEGAN_AAD, email="megan.bowen@fabrikam.example"))
    reads: list[str] = []
    read = store.get_reference

    async def counted(conversation_id: str) -> Any:
        reads.append(conversation_id)
        return await read(conversation_id)

    monkeypatch.setattr(store, "get_reference", counted)
    actions = Actions(store)
    claim = {verbs.CLAIM_ID: "claim-1"}
    for verb in (verbs.REFRESH, verbs.ACKNOWLEDGE, verbs.REFRESH):
        outcome = await actions.handle(ActionRequest(verb, claim, teams_reader(MEGAN_AAD, "a:megan")))
    assert reads == ["a:megan"]
    assert outcome.response is None
    (answer,) = await store.responses_for_claim("claim-1")
    assert answer.contact_id == "claim-1-c1"
