"""An answer given outside Teams (on the claim page, in Outlook) updates the contact's Teams card in
place; one given in Teams does not queue another update (that card already shows it)."""

from __future__ import annotations

import datetime as dt

from bot.actions import ActionRequest, Actions, Actor
from bot.delivery.card_updates import RefreshTeamsCards
from bot.delivery.worker import DeliveryWorker
from bot.store import Store
from cards import verbs
from tests.bot.delivery.support import TENANT, setup_claim
from tests.fakes import FakeConnector

MEGAN_AAD = "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"


def web_click(claim_id: str, verb: str = verbs.ACKNOWLEDGE) -> ActionRequest:
    actor = Actor(
        tenant_id=TENANT, aad_object_id=None, user_id=None, name="Megan Bowen", channel="web", contact_id="c1"
    )
    return ActionRequest(verb=verb, data={"claim_id": claim_id}, actor=actor)


async def test_a_web_answer_updates_the_teams_card_once(
    sqlite_store: Store, connector: FakeConnector, worker: DeliveryWorker
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    await worker.run_once()  # the card goes to Megan's chat
    assert len(connector.posts) == 1 and connector.updates == []
    woken: list[bool] = []
    actions = Actions(sqlite_store, RefreshTeamsCards(sqlite_store, lambda: woken.append(True)))

    outcome = await actions.handle(web_click(claim.id))
    assert outcome.new and woken == [True]
    again = await actions.handle(web_click(claim.id))  # the same answer: nothing new to show
    assert not again.new and woken == [True]
    await worker.run_once()

    ((activity_id, update),) = connector.updates
    assert activity_id == "reply-1"
    assert "Megan Bowen selected Got it" in str(update)


async def test_an_answer_in_teams_queues_no_update(
    sqlite_store: Store, connector: FakeConnector, worker: DeliveryWorker
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    await worker.run_once()
    woken: list[bool] = []
    actions = Actions(sqlite_store, RefreshTeamsCards(sqlite_store, lambda: woken.append(True)))
    teams = Actor(
        tenant_id=TENANT, aad_object_id=MEGAN_AAD, user_id="29:megan", name="Megan Bowen", channel="msteams"
    )
    outcome = await actions.handle(
        ActionRequest(verb=verbs.ACKNOWLEDGE, data={"claim_id": claim.id}, actor=teams)
    )
    assert outcome.new and woken == []
    await worker.run_once()
    assert connector.updates == []  # the clicked card was answered in place by the invoke itself
