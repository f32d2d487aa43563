"""One partner's slow or silent endpoint does not hold up another's events, a pass stays within its
lease, and one host never gets more than a few POSTs at once."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.store import Store
from bot.webhooks.worker import SendLimits
from tests.bot.webhooks.support import (
    T0,
    endpoint,
    partner_with_webhook,
    queue_events,
    silent_endpoint,
    the_event,
    worker,
)


def test_the_lease_outlasts_the_worst_pass_twice() -> None:
    limits = SendLimits()
    # At worst all 20 events go to one silent host, 4 at a time, 10 s each: 50 s.
    assert limits.worst_batch_seconds == 50
    assert limits.lease.total_seconds() >= 2 * limits.worst_batch_seconds
    assert limits.connect_seconds <= 3 and limits.total_seconds <= 10 and limits.per_host <= 4


async def test_a_silent_endpoint_does_not_delay_another_partners_event(store: Store) -> None:
    # The silent partner's events are due first and outnumber the per-host limit; the POSTs time out
    # after 1.2 s, so a worker that posted one after another would reach the other partner after 1.2 s.
    limits = SendLimits(connect_seconds=1.0, total_seconds=1.2)
    async with silent_endpoint() as silent, endpoint() as answering:
        stuck = await partner_with_webhook(store, "Silent Partners", f"http://127.0.0.1:{silent.port}/hook")
        await queue_events(store, stuck, "Silent Partners", 6, T0)
        other = await partner_with_webhook(
            store, "Northwind Advisors", f"http://127.0.0.1:{answering.port}/hook"
        )
        await queue_events(store, other, "Northwind Advisors", 1, T0 + dt.timedelta(seconds=1))

        loop = asyncio.get_running_loop()
        started = loop.time()
        # One partner takes at most `per_host` places in a batch, however many of its events are due.
        assert await worker(store, allow_loopback=True, limits=limits).run_once() == limits.per_host + 1

    (arrived,) = answering.arrived_at
    assert arrived - started <= 1.0
    assert (await the_event(store, other)).status == "sent"
    stuck_events = await store.webhook_events(stuck, limit=10)
    tried = [e.last_error for e in stuck_events if e.attempts]
    assert tried == ["attempt 1: timed out; will retry"] * limits.per_host
    assert len(stuck_events) - len(tried) == 6 - limits.per_host  # still queued, untouched


async def test_a_silent_backlog_does_not_hold_up_events_that_come_later(store: Store) -> None:
    # The running worker: while a silent endpoint holds a batch for its whole timeout, a new event
    # of another partner goes out at once on another lane.
    limits = SendLimits(connect_seconds=2.5, total_seconds=2.5)
    async with silent_endpoint() as silent, endpoint() as answering:
        stuck = await partner_with_webhook(store, "Silent Partners", f"http://127.0.0.1:{silent.port}/hook")
        other = await partner_with_webhook(
            store, "Northwind Advisors", f"http://127.0.0.1:{answering.port}/hook"
        )
        await queue_events(store, stuck, "Silent Partners", 40, T0)
        running = worker(store, allow_loopback=True, limits=limits)
        lanes = asyncio.create_task(running.run())
        running.wake()
        await silent.changes.until(lambda: silent.open_now == limits.per_host)
        loop = asyncio.get_running_loop()
        queued_at = loop.time()
        await queue_events(store, other, "Northwind Advisors", 1, T0)
        running.wake()
        await answering.changes.until(lambda: bool(answering.received), within=3)
        running.stop()
        await lanes
    assert answering.arrived_at[0] - queued_at <= 1.0
    assert silent.most_open == limits.per_host  # the backlog never had more in flight, across lanes


async def test_a_pass_ends_within_its_worst_case_and_keeps_to_the_per_host_limit(store: Store) -> None:
    # Every event of the batch goes to one silent host (four partners share it): the worst case the
    # lease is sized for.
    limits = SendLimits(batch=8, per_host=2, connect_seconds=0.3, total_seconds=0.3)
    async with silent_endpoint() as silent:
        partners = [
            await partner_with_webhook(store, f"Silent Partners {i}", f"http://127.0.0.1:{silent.port}/hook")
            for i in range(4)
        ]
        for i, partner in enumerate(partners):
            await queue_events(store, partner, f"Silent Partners {i}", 2, T0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await worker(store, allow_loopback=True, limits=limits).run_once() == 8
        took = loop.time() - started
    assert silent.connections == 8 and silent.most_open == limits.per_host
    assert took <= limits.worst_batch_seconds + 1.0  # 1.2 s, with room for the store
    # Every outcome was recorded while the pass still held its lease (the store refuses it after).
    for partner in partners:
        events = await store.webhook_events(partner, limit=10)
        assert {(e.status, e.last_error) for e in events} == {("queued", "attempt 1: timed out; will retry")}
