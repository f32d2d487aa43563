"""The worker under Teams' rate limits: a send held back is queued again; running workers share them."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.delivery.limits import TeamsLimits
from bot.delivery.worker import DeliveryWorker
from bot.store import Store
from bot.teams.connector import ConnectorCardSender
from tests.bot.delivery.support import CONVERSATION, MAIL, TENANT, only_delivery, setup_claim
from tests.changes import Changes
from tests.fakes import FakeConnector


async def test_a_send_the_limits_hold_back_for_long_goes_back_to_the_queue_uncounted(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    from bot.delivery.limits import TeamsLimits
    from bot.ops.metrics import Metrics

    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    limits = TeamsLimits()
    for _ in range(60):  # 60 messages into this chat in the last moments: the 30 s window is full
        limits.reserve(CONVERSATION, TENANT)
    metrics = Metrics()
    worker = DeliveryWorker(
        sqlite_store, sender, poll_seconds=3600, mail=MAIL, limits=limits, metrics=metrics
    )
    before = dt.datetime.now(dt.UTC)
    assert await worker.run_once() == 1
    assert connector.posts == []
    delivery = await only_delivery(sqlite_store)
    assert delivery.status == "queued" and delivery.attempts == 0
    assert delivery.next_attempt_at > before + dt.timedelta(seconds=20)
    assert "rate limits" in (delivery.last_error or "")
    labels = {"channel": "teams", "kind": "claim", "outcome": "deferred"}
    assert metrics.registry.get_sample_value("cpor_deliveries_total", labels) == 1


class CountedLimits(TeamsLimits):
    """The worker's limits, announcing each new count of the workers alive."""

    def __init__(self) -> None:
        super().__init__()
        self.changes = Changes()
        self.shares: list[int] = []

    def share_with(self, workers: int) -> None:
        super().share_with(workers)
        self.shares.append(workers)
        self.changes.changed()


async def test_running_workers_share_the_tenant_limits_and_sign_off(
    sqlite_store: Store, sender: ConnectorCardSender
) -> None:
    import asyncio

    beat = dt.timedelta(milliseconds=20)
    first_limits, second_limits = CountedLimits(), CountedLimits()
    first = DeliveryWorker(
        sqlite_store, sender, poll_seconds=3600, mail=MAIL, heartbeat_every=beat, limits=first_limits
    )
    second = DeliveryWorker(
        sqlite_store, sender, poll_seconds=3600, mail=MAIL, heartbeat_every=beat, limits=second_limits
    )
    runs = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
    await first_limits.changes.until(lambda: first_limits.workers == 2)
    await second_limits.changes.until(lambda: second_limits.workers == 2)
    second.stop()
    await runs[1]
    # Signed off on stop: the first counts one worker at its next beat, not when the other goes silent
    # (that takes five beats).
    beats_before = len(first_limits.shares)
    await first_limits.changes.until(lambda: first_limits.workers == 1)
    assert len(first_limits.shares) - beats_before < 5
    first.stop()
    await runs[0]


async def test_a_worker_joining_others_waits_until_they_have_counted_it(
    sqlite_store: Store,
    connector: FakeConnector,
    sender: ConnectorCardSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    import bot.delivery.worker

    monkeypatch.setattr(bot.delivery.worker, "DEFER_AFTER_SECONDS", 0.3)
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    # Another worker is alive and may have sends booked at its old, larger share.
    await sqlite_store.worker_heartbeat(
        "other", dt.datetime.now(dt.UTC), alive_within=dt.timedelta(seconds=10)
    )
    limits = CountedLimits()
    beat = dt.timedelta(seconds=0.2)
    worker = DeliveryWorker(
        sqlite_store, sender, poll_seconds=3600, mail=MAIL, heartbeat_every=beat, limits=limits
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    running = asyncio.create_task(worker.run())
    await connector.changes.until(lambda: bool(connector.posts))
    waited = loop.time() - started
    shares_at_post = list(limits.shares)
    # It counted the others, waited for their next beat and for the sends they booked, and counted
    # again before its first send.
    assert shares_at_post[:2] == [2, 2]
    assert waited >= beat.total_seconds() + 0.3
    assert len(connector.posts) == 1
    assert limits.workers == 2
    worker.stop()
    await running
