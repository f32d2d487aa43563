"""Leasing webhook events fairly, on both engines: no partner ever has more than `per_partner`
events being sent, whichever worker holds them, so one silent endpoint cannot fill the batches."""

from __future__ import annotations

import datetime as dt

from bot.store import DeliveryStatus, Store
from tests.bot.store.support import make_claim

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=2)


async def partner_with_events(store: Store, name: str, count: int, at: dt.datetime) -> str:
    partner = await store.create_partner(name)
    claim_id = f"claim-{name}"
    await store.create_claim(make_claim(partner.id, claim_id))
    await store.set_webhook(partner.id, f"https://hooks.{name.lower()}.example/a", "s", at)
    for i in range(count):
        await store.enqueue_webhook_event(partner.id, claim_id, "response", {"n": i}, f"{name}-{i}", at)
    return partner.id


async def test_no_partner_has_more_than_its_share_in_flight(store: Store) -> None:
    busy = await partner_with_events(store, "Busy", 30, NOW)
    calm = await partner_with_events(store, "Calm", 2, NOW + dt.timedelta(seconds=5))

    first = await store.lease_webhook_events("w1", NOW + dt.timedelta(seconds=10), LEASE, 10, per_partner=4)
    assert sorted(e.partner_id for e, _ in first) == sorted([busy] * 4 + [calm] * 2)
    # Another worker: the busy partner already has four in flight, so it gets none of them.
    assert (
        await store.lease_webhook_events("w2", NOW + dt.timedelta(seconds=10), LEASE, 10, per_partner=4) == []
    )
    # One of the busy partner's posts ends: one place frees up, for one event.
    done = next(e for e, _ in first if e.partner_id == busy)
    assert await store.finish_webhook_event(
        done.id, "w1", status=DeliveryStatus.SENT, at=NOW, status_code=204
    )
    (again, _), *rest = await store.lease_webhook_events(
        "w2", NOW + dt.timedelta(seconds=10), LEASE, 10, per_partner=4
    )
    assert rest == [] and again.partner_id == busy


async def test_without_a_share_the_oldest_come_first(store: Store) -> None:
    busy = await partner_with_events(store, "Busy", 12, NOW)
    await partner_with_events(store, "Calm", 1, NOW + dt.timedelta(seconds=5))
    leased = await store.lease_webhook_events("w1", NOW + dt.timedelta(seconds=10), LEASE, 10)
    assert [e.partner_id for e, _ in leased] == [busy] * 10
