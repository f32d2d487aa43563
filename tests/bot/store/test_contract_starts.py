"""The Store contract for sends that start: a worker notes each send just before it leaves, and a
lease that runs out makes only those `unknown`; the deliveries it leased and never started go back to
the queue, due at once, their attempt not counted. On SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

from bot.domain.claims import Contact
from bot.store import DeliveryOutcome, DeliveryStatus, Store
from tests.bot.store.support import make_claim, reference

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
SHORT = dt.timedelta(seconds=1)
LEASE = dt.timedelta(minutes=5)


async def queue_cards(store: Store, count: int) -> None:
    """`count` claim cards, each to a contact of its own in a chat of its own."""
    partner = await store.create_partner("Contoso Partners")
    for n in range(count):
        claim = make_claim(
            partner.id, f"claim-{n}", contacts=(Contact(id=f"c{n}", name="M", email=f"m{n}@x.example"),)
        )
        await store.create_claim(claim)
        await store.save_reference(reference(f"a:{n}", email=f"m{n}@x.example"))
        await store.create_notification(claim, f"n{n}", NOW, "teams")


async def statuses(store: Store, count: int) -> dict[str, str]:
    found: dict[str, str] = {}
    for n in range(count):
        (delivery,) = await store.deliveries_for_claim(f"claim-{n}")
        found[delivery.id] = delivery.status
    return found


async def test_a_lease_that_runs_out_makes_only_started_sends_unknown(store: Store) -> None:
    await queue_cards(store, 4)
    leased = await store.lease_deliveries("w1", NOW, SHORT, 10)
    ids = [item.delivery.id for item in leased]
    started, never_started = ids[:1], ids[1:]
    assert await store.start_deliveries("w1", started, NOW) == set(started)

    # w1 dies. Later, w2's pass finds its leases run out: the started send may have arrived and
    # is `unknown`; the three it never started are queued again, due now, and w2 takes them.
    later = NOW + dt.timedelta(seconds=5)
    retaken = await store.lease_deliveries("w2", later, LEASE, 10)
    assert sorted(item.delivery.id for item in retaken) == sorted(never_started)
    assert all(item.delivery.attempts == 1 for item in retaken)  # w1's lease is not counted
    now_statuses = await statuses(store, 4)
    assert now_statuses[started[0]] == DeliveryStatus.UNKNOWN
    assert {now_statuses[i] for i in never_started} == {DeliveryStatus.SENDING}

    # w1 is not dead after all, only slow: it may neither start nor finish what w2 holds now.
    assert await store.start_deliveries("w1", ids, later) == set()
    assert (
        await store.finish_deliveries("w1", [DeliveryOutcome(i, DeliveryStatus.SENT, later) for i in ids])
        == set()
    )
    assert await store.start_deliveries("w2", never_started, later) == set(never_started)
    done = [DeliveryOutcome(i, DeliveryStatus.SENT, later, activity_id=f"act-{i}") for i in never_started]
    assert await store.finish_deliveries("w2", done) == set(never_started)
    final = await statuses(store, 4)
    assert final[started[0]] == DeliveryStatus.UNKNOWN
    assert {final[i] for i in never_started} == {DeliveryStatus.SENT}


async def test_a_delivery_queued_again_is_due_at_once_and_counts_one_attempt(store: Store) -> None:
    await queue_cards(store, 1)
    (first,) = await store.lease_deliveries("w1", NOW, SHORT, 10)
    # The lease runs out unstarted: the sweep puts it back due at the moment of the sweep.
    later = NOW + dt.timedelta(seconds=5)
    assert await store.lease_deliveries("w2", later, LEASE, 0) == []
    (queued,) = await store.deliveries_for_claim("claim-0")
    assert queued.status == DeliveryStatus.QUEUED
    assert queued.attempts == 0 and queued.next_attempt_at == later
    assert queued.last_error is None
    (again,) = await store.lease_deliveries("w2", later, LEASE, 10)
    assert again.delivery.id == first.delivery.id and again.delivery.attempts == 1


async def test_a_start_is_fenced_by_the_lease_and_forgotten_by_the_next_lease(store: Store) -> None:
    await queue_cards(store, 2)
    first, second = await store.lease_deliveries("w1", NOW, SHORT, 10)
    assert await store.start_deliveries("w1", [], NOW) == set()
    assert await store.start_deliveries("w2", [first.delivery.id], NOW) == set()  # not w2's lease
    assert await store.start_deliveries("w1", [first.delivery.id, "no-such-id"], NOW) == {first.delivery.id}
    # The first went out and failed for a while (a 503): retried later, unstarted until it starts again.
    retry_at = NOW + dt.timedelta(milliseconds=500)  # while w1 still holds the second
    outcome = DeliveryOutcome(first.delivery.id, DeliveryStatus.QUEUED, NOW, error="503", retry_at=retry_at)
    assert await store.finish_deliveries("w1", [outcome]) == {first.delivery.id}
    assert await store.start_deliveries("w1", [first.delivery.id], NOW) == set()  # finished: not held
    (retry,) = await store.lease_deliveries("w3", retry_at, SHORT, 1)
    assert retry.delivery.id == first.delivery.id and retry.delivery.attempts == 2
    # Both leases run out unstarted (the retry's start was cleared when w3 leased it again).
    later = retry_at + dt.timedelta(seconds=5)
    assert await store.lease_deliveries("w4", later, LEASE, 0) == []
    assert await statuses(store, 2) == {
        first.delivery.id: DeliveryStatus.QUEUED,
        second.delivery.id: DeliveryStatus.QUEUED,
    }
    (retried,) = await store.deliveries_for_claim(first.claim.id)
    (untouched,) = await store.deliveries_for_claim(second.claim.id)
    assert retried.attempts == 1 and untouched.attempts == 0  # only the 503 counts
