"""The verb table when the claim goes between reading it and acting on it: a retention purge that
deletes it then leaves the click with a clear card and nothing recorded."""

from __future__ import annotations

from typing import Any

import pytest

from bot.actions import ActionRequest, Actions, Actor
from bot.store import ClaimInHand, Response, Store
from cards import verbs
from tests.bot.store.retention_support import purge_the_one_claim
from tests.bot.store.support import TENANT, make_claim

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
