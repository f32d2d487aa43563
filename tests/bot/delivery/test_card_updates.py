"""A status change while the card is on its way still reaches the card, as an update in place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.delivery.sending import EncodedCard
from bot.delivery.worker import DeliveryWorker
from bot.domain.claims import Status
from bot.store import Store
from bot.teams.connector import ConnectorCardSender
from tests.bot.delivery.support import MAIL, setup_claim
from tests.fakes import FakeConnector


async def test_a_status_change_during_the_send_still_updates_the_card(
    sqlite_store: Store, connector: FakeConnector, worker: DeliveryWorker
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    now = dt.datetime.now(dt.UTC)
    (leased,) = await sqlite_store.lease_deliveries("in-flight", now, dt.timedelta(minutes=5), 10)
    # The partner approves while the card is on its way: no sent card exists to update yet.
    _, queued = await sqlite_store.change_status(
        claim.id,
        claim.partner_id,
        expected=Status.UNDER_REVIEW,
        wanted=Status.APPROVED,
        at=now,
        change_id="c1",
        message=False,
    )
    assert queued == []
    await sqlite_store.finish_delivery(
        leased.delivery.id, "in-flight", status="sent", at=now, activity_id="act-1"
    )
    assert await sqlite_store.enqueue_card_update(leased.delivery.id, now)
    assert not await sqlite_store.enqueue_card_update(leased.delivery.id, now)  # once per status
    await worker.run_once()
    ((activity_id, update),) = connector.updates
    assert activity_id == "act-1" and "Approved" in str(update)


async def test_the_worker_notices_a_status_change_that_raced_its_send(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    inner = sender

    class RacingSender:
        async def send_card(self, reference: dict[str, Any], card: EncodedCard) -> str | None:
            sent = await inner.send_card(reference, card)
            await sqlite_store.change_status(
                claim.id,
                claim.partner_id,
                expected=Status.UNDER_REVIEW,
                wanted=Status.APPROVED,
                at=dt.datetime.now(dt.UTC),
                change_id="c1",
                message=False,
            )
            return sent

        async def update_card(self, reference: dict[str, Any], activity_id: str, card: EncodedCard) -> None:
            await inner.update_card(reference, activity_id, card)

    worker = DeliveryWorker(sqlite_store, RacingSender(), poll_seconds=3600, mail=MAIL)
    await worker.run_once()  # sends the card (built while under review) and queues its update
    await worker.run_once()  # the update
    ((activity_id, update),) = connector.updates
    assert activity_id == "reply-1" and "Approved" in str(update)
