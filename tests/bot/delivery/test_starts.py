"""A send goes only once the store has noted its start, and only while the worker still holds it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any, cast

from bot.delivery.limits import TeamsLimits
from bot.delivery.worker import DeliveryWorker
from bot.store import DeliveryStatus, LeasedDelivery, Store
from tests.bot.delivery.support import MAIL, only_delivery, setup_claim
from tests.fakes import FakeConnector
from tests.support import RecordingSender


class Proxy:
    def __init__(self, inner: Store) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class LeasesRunOutAtOnce(Proxy):
    """Every lease runs out as soon as it is taken, and another worker's pass finds it so before
    the send starts (a worker stalled for longer than its lease)."""

    async def lease_deliveries(
        self, owner: str, now: dt.datetime, lease_for: dt.timedelta, limit: int
    ) -> list[LeasedDelivery]:
        leased = await self.inner.lease_deliveries(owner, now, lease_for, limit)
        await self.inner.lease_deliveries("sweeper", now + dt.timedelta(microseconds=1), lease_for, 0)
        return leased


class StartsNotWritten(Proxy):
    async def start_deliveries(self, owner: str, delivery_ids: Any, at: dt.datetime) -> set[str]:
        raise sqlite3.OperationalError("database is locked")


async def test_a_send_whose_lease_ran_out_before_it_started_is_left_to_the_next_pass(
    sqlite_store: Store, connector: FakeConnector
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    stalled_sender = RecordingSender()
    stalled = DeliveryWorker(
        cast(Store, LeasesRunOutAtOnce(sqlite_store)),
        stalled_sender,
        poll_seconds=3600,
        mail=MAIL,
        lease_for=dt.timedelta(0),
    )
    assert await stalled.run_once() == 1
    assert stalled_sender.sent == []  # no longer its to send
    queued = await only_delivery(sqlite_store)
    assert queued.status == DeliveryStatus.QUEUED and queued.attempts == 0

    sender = RecordingSender()
    worker = DeliveryWorker(
        sqlite_store, sender, poll_seconds=3600, mail=MAIL, limits=TeamsLimits(pace=False)
    )
    assert await worker.run_once() == 1
    assert len(sender.sent) == 1
    sent = await only_delivery(sqlite_store)
    assert sent.status == DeliveryStatus.SENT and sent.attempts == 1


async def test_a_send_whose_start_could_not_be_written_is_not_sent_and_is_queued_again(
    sqlite_store: Store, connector: FakeConnector
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    sender = RecordingSender()
    worker = DeliveryWorker(cast(Store, StartsNotWritten(sqlite_store)), sender, poll_seconds=3600, mail=MAIL)
    before = dt.datetime.now(dt.UTC)
    assert await worker.run_once() == 1
    assert sender.sent == []
    delivery = await only_delivery(sqlite_store)
    assert delivery.status == DeliveryStatus.QUEUED
    assert delivery.attempts == 0  # not held against it: nothing was tried
    assert delivery.next_attempt_at > before
