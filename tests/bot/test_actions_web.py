"""The verb table with a web actor: the contact a signed link names acts, nobody else does, and the
same person is one person whether they answer in Teams or on the page."""

from __future__ import annotations

from dataclasses import replace

from bot.actions import ActionRequest, Actions, Actor
from bot.store import Response, ResponseKind, Store
from cards import verbs
from tests.bot.store.support import TENANT, make_claim

LEE_AAD = "11111111-2222-3333-4444-555555555555"


def web_actor(contact_id: str, *, aad: str | None = None, tenant: str = TENANT) -> Actor:
    return Actor(
        tenant_id=tenant,
        aad_object_id=aad,
        user_id=None,
        name="Megan Bowen",
        channel="web",
        locale="en",
        email=None,
        contact_id=contact_id,
    )


async def stored_claim(store: Store) -> str:
    partner = await store.create_partner("Contoso Partners")
    claim = make_claim(partner.id, "claim-w")
    await store.create_claim(claim)
    return claim.id


async def test_the_named_contact_acknowledges_once_and_the_partner_hears_once(store: Store) -> None:
    claim_id = await stored_claim(store)
    heard: list[Response] = []

    async def on_response(response: Response) -> None:
        heard.append(response)

    actions = Actions(store, on_response)
    request = ActionRequest(verbs.ACKNOWLEDGE, {"claim_id": claim_id}, web_actor("claim-w-c1"), host="teams")
    first = await actions.handle(request)
    again = await actions.handle(request)
    assert first.new and first.response is not None
    assert not again.new and again.response == first.response
    assert first.response.contact_id == "claim-w-c1"
    assert first.response.channel == "web"
    assert [r.id for r in await store.responses_for_claim(claim_id)] == [first.response.id]
    assert heard == [first.response]


async def test_two_contacts_without_object_ids_are_two_people(store: Store) -> None:
    claim_id = await stored_claim(store)
    claim = await store.get_claim(claim_id)
    assert claim is not None
    # Megan has no Entra object id: her link's contact id tells her answers apart from anyone else's.
    actions = Actions(store)
    megan = await actions.handle(
        ActionRequest(verbs.NOT_RECOGNISED, {"claim_id": claim_id}, web_actor("claim-w-c1"))
    )
    lee = await actions.handle(
        ActionRequest(verbs.NOT_RECOGNISED, {"claim_id": claim_id}, web_actor("claim-w-c2", aad=LEE_AAD))
    )
    assert megan.new and lee.new
    assert {r.contact_id for r in await store.responses_for_claim(claim_id)} == {"claim-w-c1", "claim-w-c2"}


async def test_the_page_and_teams_share_one_answer_per_person(store: Store) -> None:
    claim_id = await stored_claim(store)
    actions = Actions(store)
    teams = Actor(tenant_id=TENANT, aad_object_id=LEE_AAD, user_id="29:lee", name="Lee Gu", channel="msteams")
    in_teams = await actions.handle(ActionRequest(verbs.ACKNOWLEDGE, {"claim_id": claim_id}, teams))
    on_page = await actions.handle(
        ActionRequest(verbs.ACKNOWLEDGE, {"claim_id": claim_id}, web_actor("claim-w-c2", aad=LEE_AAD))
    )
    assert in_teams.new and not on_page.new
    assert on_page.response == in_teams.response


async def test_a_web_actor_whose_contact_is_not_on_the_claim_records_nothing(store: Store) -> None:
    claim_id = await stored_claim(store)
    actions = Actions(store)
    for actor in (
        web_actor("claim-x-c1"),  # another claim's contact
        replace(web_actor("claim-w-c1"), contact_id=None),  # no contact named at all
        web_actor("claim-w-c1", tenant="0b6d3c41-5e2f-4a8b-9c7d-1e2f3a4b5c6d"),  # another tenant
    ):
        outcome = await actions.handle(ActionRequest(verbs.ACKNOWLEDGE, {"claim_id": claim_id}, actor))
        assert outcome.response is None, actor
    assert await store.responses_for_claim(claim_id) == []
    refusals = [e["action"] for e in await store.audit_entries(claim_id)]
    assert refusals.count("action.refused_not_a_contact") == 2
    assert refusals.count("action.refused_other_tenant") == 1


async def test_a_web_question_is_recorded_with_its_text(store: Store) -> None:
    claim_id = await stored_claim(store)
    outcome = await Actions(store).handle(
        ActionRequest(
            verbs.ASK, {"claim_id": claim_id, "question": "Who  signed\nthe SOW?"}, web_actor("claim-w-c1")
        )
    )
    assert outcome.response is not None
    assert (outcome.response.kind, outcome.response.text) == (ResponseKind.QUESTION, "Who signed the SOW?")
