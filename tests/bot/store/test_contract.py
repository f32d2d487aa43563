"""The Store contract. Every engine must pass it; today that is SQLite (WAL, a real file)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.domain.claims import Contact, Status
from bot.store import (
    Conflict,
    DeliveryOutcome,
    Response,
    ResponseKind,
    Store,
    open_store,
)
from bot.store.sql import migrations
from bot.store.sqlite import SqliteStore
from tests.bot.store.support import TENANT, make_claim, reference

# The newest migration's version: what a freshly migrated store reports.
LATEST_MIGRATION = migrations()[-1][0]


async def test_a_claim_round_trips_with_workloads_and_contacts_in_order(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    claim = make_claim(partner.id)
    await store.create_claim(claim)
    assert await store.get_claim("claim-1") == claim
    assert await store.get_claim("claim-1", partner_id=partner.id) == claim
    assert await store.get_claim("claim-1", partner_id="someone-else") is None


async def test_a_failed_claim_insert_leaves_nothing_behind(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    duplicate_contact_ids = make_claim(
        partner.id,
        contacts=(
            Contact(id="same", name="A", email="a@fabrikam.example"),
            Contact(id="same", name="B", email="b@fabrikam.example"),
        ),
    )
    with pytest.raises(Conflict):
        await store.create_claim(duplicate_contact_ids)
    assert await store.get_claim("claim-1") is None
    assert await store.audit_entries("claim-1") == []


async def test_partner_names_are_unique(store: Store) -> None:
    await store.create_partner("Contoso Partners")
    with pytest.raises(Conflict):
        await store.create_partner("Contoso Partners")


async def test_references_upsert_and_keep_the_latest_service_url(store: Store) -> None:
    is_new, _ = await store.save_reference(reference("a:1", aad="aad-1"))
    assert is_new
    moved = dataclasses.replace(
        reference("a:1", aad="aad-1"), service_url="https://smba.trafficmanager.net/amer/"
    )
    is_new, _ = await store.save_reference(moved)
    assert not is_new
    stored = await store.get_reference("a:1")
    assert stored is not None and stored.service_url == "https://smba.trafficmanager.net/amer/"
    assert await store.delete_reference("a:1")
    assert not await store.delete_reference("a:1")


async def test_notification_matches_contacts_by_object_id_or_email(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    claim = make_claim(partner.id)
    await store.create_claim(claim)
    await store.save_reference(reference("a:megan", email="MEGAN.BOWEN@fabrikam.example"))
    deliveries = await store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    by_contact = {d.contact_id: d for d in deliveries}
    assert by_contact["claim-1-c1"].status == "queued"
    assert by_contact["claim-1-c1"].conversation_id == "a:megan"
    assert by_contact["claim-1-c2"].status == "waiting"

    _, released = await store.save_reference(reference("a:lee", aad="11111111-2222-3333-4444-555555555555"))
    assert released == 1
    assert {d.status for d in await store.deliveries_for_claim("claim-1")} == {"queued"}


async def test_a_notification_goes_to_the_contacts_newest_personal_chat(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    claim = make_claim(partner.id)
    await store.create_claim(claim)
    now = dt.datetime.now(dt.UTC)
    lee_aad = "11111111-2222-3333-4444-555555555555"
    # Lee's chats: one found by his email, a newer one by his object id, and a newer group chat
    # (never a contact's chat); Megan's by her email in another case only.
    for conversation_id, aad, email, kind, age in (
        ("a:lee-by-email", None, "lee.gu@fabrikam.example", "personal", 3),
        ("a:lee-by-id", lee_aad, None, "personal", 2),
        ("19:group", lee_aad, "lee.gu@fabrikam.example", "groupChat", 1),
        ("a:megan", None, "MEGAN.BOWEN@FABRIKAM.EXAMPLE", "personal", 1),
    ):
        await store.save_reference(
            dataclasses.replace(
                reference(conversation_id, aad=aad, email=email),
                conversation_type=kind,
                updated_at=now - dt.timedelta(minutes=age),
            )
        )
    deliveries = await store.create_notification(claim, "n1", now, "teams")
    assert {d.contact_id: d.conversation_id for d in deliveries} == {
        "claim-1-c1": "a:megan",
        "claim-1-c2": "a:lee-by-id",
    }
    # The one found by email is newer now: it wins.
    await store.save_reference(
        dataclasses.replace(reference("a:lee-by-email", email="lee.gu@fabrikam.example"), updated_at=now)
    )
    deliveries = await store.create_notification(claim, "n2", now, "auto")
    assert {d.contact_id: (d.channel, d.conversation_id) for d in deliveries} == {
        "claim-1-c1": ("teams", "a:megan"),
        "claim-1-c2": ("teams", "a:lee-by-email"),
    }


async def test_a_reference_in_another_tenant_never_matches(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    claim = make_claim(partner.id)
    await store.create_claim(claim)
    elsewhere = dataclasses.replace(
        reference("a:megan-elsewhere", email="megan.bowen@fabrikam.example"),
        tenant_id="0b6d3c41-5e2f-4a8b-9c7d-1e2f3a4b5c6d",
    )
    _, released = await store.save_reference(elsewhere)
    deliveries = await store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    assert {d.status for d in deliveries} == {"waiting"}
    assert released == 0


async def test_leasing_is_exclusive_and_completion_is_fenced(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    claim = make_claim(partner.id)
    await store.create_claim(claim)
    await store.save_reference(reference("a:megan", email="megan.bowen@fabrikam.example"))
    await store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    now = dt.datetime.now(dt.UTC)
    (mine,) = await store.lease_deliveries("w1", now, dt.timedelta(minutes=5), 10)
    assert mine.contact.email == "Megan.Bowen@fabrikam.example"
    assert mine.claim == claim
    assert await store.lease_deliveries("w2", now, dt.timedelta(minutes=5), 10) == []
    assert not await store.finish_delivery(mine.delivery.id, "w2", status="sent", at=now)
    assert await store.finish_delivery(mine.delivery.id, "w1", status="sent", at=now, activity_id="act-1")
    assert not await store.finish_delivery(mine.delivery.id, "w1", status="failed", at=now)
    sent = [d for d in await store.deliveries_for_claim("claim-1") if d.status == "sent"]
    assert sent[0].activity_id == "act-1" and sent[0].sent_at == now


async def test_deliveries_due_at_one_moment_are_leased_in_the_order_they_were_queued(store: Store) -> None:
    # A bulk notification queues its deliveries at one moment: they go out in the order queued
    # (delivery ids sort by when they were made), a lease at a time.
    partner = await store.create_partner("Contoso Partners")
    at = dt.datetime.now(dt.UTC)
    await store.save_reference(reference("a:megan", email="megan.bowen@fabrikam.example"))
    claim_ids = [f"claim-{n}" for n in range(12)]
    for claim_id in claim_ids:
        claim = make_claim(
            partner.id,
            claim_id,
            contacts=(
                Contact(id=f"{claim_id}-c1", name="Megan Bowen", email="megan.bowen@fabrikam.example"),
            ),
        )
        await store.create_claim(claim)
        await store.create_notification(claim, f"n-{claim_id}", at, "teams")
    leased = []
    for _ in range(4):
        batch = await store.lease_deliveries("w1", at, dt.timedelta(minutes=5), 3)
        leased += [item.claim.id for item in batch]
    assert leased == claim_ids


async def test_audit_entries_of_one_moment_read_in_the_order_written(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    claim = make_claim(partner.id)
    await store.create_claim(claim)
    for n in range(10):
        await store.create_notification(claim, f"n{n}", claim.created_at, "teams")
    entries = await store.audit_entries("claim-1")
    assert [entry["action"] for entry in entries] == ["claim.created"] + ["claim.notified"] * 10
    assert [entry["detail"].get("notification_id") for entry in entries[1:]] == [f"n{n}" for n in range(10)]


async def test_a_lease_carries_the_partner_and_the_responses_so_far(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    claim = make_claim(partner.id)
    await store.create_claim(claim)
    await store.save_reference(reference("a:megan", email="megan.bowen@fabrikam.example"))
    now = dt.datetime.now(dt.UTC)
    response = Response(
        id="r1",
        claim_id=claim.id,
        kind=ResponseKind.ACKNOWLEDGED,
        tenant_id=TENANT,
        aad_object_id=None,
        user_id="29:lee",
        user_name="Lee Gu",
        contact_id=f"{claim.id}-c2",
        channel="msteams",
        text=None,
        dedupe_key="r1",
        created_at=now,
    )
    await store.record_response(response)
    await store.create_notification(claim, "n1", now, "teams")
    (leased,) = await store.lease_deliveries("w1", now, dt.timedelta(minutes=5), 10)
    assert leased.partner_name == "Contoso Partners"
    assert leased.responses == (response,)
    assert leased.reference is not None and leased.reference.conversation_id == "a:megan"


async def test_outcomes_for_leases_that_ran_out_are_not_written(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    now = dt.datetime.now(dt.UTC)
    for n in range(3):
        claim = make_claim(
            partner.id, f"claim-{n}", contacts=(Contact(id=f"c{n}", name="M", email=f"m{n}@x.example"),)
        )
        await store.create_claim(claim)
        await store.save_reference(reference(f"a:{n}", email=f"m{n}@x.example"))
        await store.create_notification(claim, f"n{n}", now, "teams")
    first, second, third = await store.lease_deliveries("w1", now, dt.timedelta(seconds=1), 10)
    started = {first.delivery.id, second.delivery.id, third.delivery.id}
    assert await store.start_deliveries("w1", sorted(started), now) == started
    # The leases run out mid-send and another worker's pass marks them unknown: no longer ours.
    later = now + dt.timedelta(seconds=5)
    assert await store.lease_deliveries("w2", later, dt.timedelta(minutes=5), 10) == []
    mine = await store.finish_deliveries(
        "w1",
        [
            DeliveryOutcome(first.delivery.id, "sent", later, activity_id="act-1"),
            DeliveryOutcome(
                second.delivery.id,
                "queued",
                later,
                error="held back by the rate limits",
                retry_at=later + dt.timedelta(seconds=30),
                counts_as_attempt=False,
            ),
            DeliveryOutcome(third.delivery.id, "sent", later, activity_id="act-3"),
        ],
    )
    assert mine == set()
    for n in range(3):
        (delivery,) = await store.deliveries_for_claim(f"claim-{n}")
        assert delivery.status == "unknown" and delivery.activity_id is None
    assert await store.finish_deliveries("w1", []) == set()


async def test_a_batch_of_outcomes_is_fenced_per_delivery(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    now = dt.datetime.now(dt.UTC)
    for n in range(2):
        claim = make_claim(
            partner.id, f"claim-{n}", contacts=(Contact(id=f"c{n}", name="M", email=f"m{n}@x.example"),)
        )
        await store.create_claim(claim)
        await store.save_reference(reference(f"a:{n}", email=f"m{n}@x.example"))
        await store.create_notification(claim, f"n{n}", now, "teams")
    first, second = await store.lease_deliveries("w1", now, dt.timedelta(minutes=5), 10)
    assert await store.finish_delivery(second.delivery.id, "w1", status="failed", at=now, error="gone")
    retry_at = now + dt.timedelta(seconds=30)
    mine = await store.finish_deliveries(
        "w1",
        [
            DeliveryOutcome(
                first.delivery.id,
                "queued",
                now,
                error="rate limits",
                retry_at=retry_at,
                counts_as_attempt=False,
            ),
            DeliveryOutcome(second.delivery.id, "sent", now, activity_id="late"),
        ],
    )
    assert mine == {first.delivery.id}
    (requeued,) = await store.deliveries_for_claim(first.claim.id)
    assert requeued.status == "queued" and requeued.attempts == 0 and requeued.next_attempt_at == retry_at
    (failed,) = await store.deliveries_for_claim(second.claim.id)
    assert failed.status == "failed" and failed.activity_id is None
    assert await store.claim_statuses(["claim-0", "claim-1", "nope"]) == {
        "claim-0": Status.SUBMITTED,
        "claim-1": Status.SUBMITTED,
    }


async def test_workers_count_themselves_and_forget_the_silent(store: Store) -> None:
    now = dt.datetime.now(dt.UTC)
    alive = dt.timedelta(seconds=10)
    assert await store.worker_heartbeat("w1", now, alive_within=alive) == 1
    assert await store.worker_heartbeat("w2", now, alive_within=alive) == 2
    assert await store.worker_heartbeat("w1", now + dt.timedelta(seconds=5), alive_within=alive) == 2
    # w2 fell silent (killed): after ten seconds it no longer counts.
    assert await store.worker_heartbeat("w1", now + dt.timedelta(seconds=12), alive_within=alive) == 1
    assert await store.worker_heartbeat("w3", now + dt.timedelta(seconds=13), alive_within=alive) == 2
    await store.worker_left("w3")
    assert await store.worker_heartbeat("w1", now + dt.timedelta(seconds=14), alive_within=alive) == 1


async def test_a_conversation_another_worker_is_sending_to_is_left_to_it(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.save_reference(reference("a:megan", email="megan.bowen@fabrikam.example"))
    now = dt.datetime.now(dt.UTC)
    for n in range(2):
        claim = make_claim(partner.id, f"claim-{n}")
        await store.create_claim(claim)
        await store.create_notification(claim, f"n{n}", now, "teams")
    # Both claims' cards go to Megan's chat. w1 leases one and is sending it.
    (first,) = await store.lease_deliveries("w1", now, dt.timedelta(minutes=5), 1)
    assert await store.lease_deliveries("w2", now, dt.timedelta(minutes=5), 10) == []
    (second,) = await store.lease_deliveries("w1", now, dt.timedelta(minutes=5), 10)
    assert second.delivery.conversation_id == first.delivery.conversation_id == "a:megan"


async def test_uninstalled_before_sending_goes_back_to_waiting(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    claim = make_claim(partner.id)
    await store.create_claim(claim)
    await store.save_reference(reference("a:megan", email="megan.bowen@fabrikam.example"))
    await store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    await store.delete_reference("a:megan")
    assert await store.lease_deliveries("w1", dt.datetime.now(dt.UTC), dt.timedelta(minutes=5), 10) == []
    assert {d.status for d in await store.deliveries_for_claim("claim-1")} == {"waiting"}


async def test_claims_for_tenant_and_paging(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    base = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for n in range(3):
        await store.create_claim(make_claim(partner.id, f"claim-{n}", created_at=base + dt.timedelta(days=n)))
    assert [c.id for c in await store.claims_for_tenant(TENANT, limit=10)] == [
        "claim-2",
        "claim-1",
        "claim-0",
    ]
    first = await store.list_claims(partner.id, limit=2)
    assert [c.id for c in first] == ["claim-2", "claim-1"]
    from bot.store import ts

    rest = await store.list_claims(partner.id, limit=2, before=(ts(first[-1].created_at), first[-1].id))
    assert [c.id for c in rest] == ["claim-0"]


async def test_paging_through_claims_made_at_the_same_moment_sees_each_once(store: Store) -> None:
    from bot.store import ts

    partner = await store.create_partner("Contoso Partners")
    same = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    for n in range(5):
        await store.create_claim(make_claim(partner.id, f"claim-{n}", created_at=same))
    await store.create_claim(make_claim(partner.id, "older", created_at=same - dt.timedelta(seconds=1)))
    seen: list[str] = []
    page = await store.list_claims(partner.id, limit=2)
    while page:
        seen += [c.id for c in page]
        last = page[-1]
        page = await store.list_claims(partner.id, limit=2, before=(ts(last.created_at), last.id))
    assert seen == ["claim-4", "claim-3", "claim-2", "claim-1", "claim-0", "older"]


async def test_the_audit_log_records_what_happened(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    claim = make_claim(partner.id)
    await store.create_claim(claim)
    await store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    actions = [e["action"] for e in await store.audit_entries("claim-1")]
    assert actions == ["claim.created", "claim.notified"]


async def test_migrations_run_once_and_the_file_is_wal(tmp_path: Path) -> None:
    path = tmp_path / "migrate.db"
    first = await SqliteStore.open_file(str(path))
    assert await first.migrate() == []
    health = await first.health()
    assert health["ok"] and health["schema_version"] == LATEST_MIGRATION
    await first.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(migrations())


async def test_an_idempotency_reservation_left_by_a_crash_is_taken_over(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    start = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    two_minutes = dt.timedelta(minutes=2)
    assert (
        await store.reserve_idempotency_key(partner.id, "k", "h1", start, abandon_after=two_minutes) is None
    )
    running = await store.reserve_idempotency_key(partner.id, "k", "h1", start, abandon_after=two_minutes)
    assert running is not None and running.status is None
    later = start + dt.timedelta(minutes=5)
    assert (
        await store.reserve_idempotency_key(partner.id, "k", "h1", later, abandon_after=two_minutes) is None
    )
    await store.complete_idempotency_key(partner.id, "k", 201, '{"id": "c1"}', "/api/claims/c1")
    done = await store.reserve_idempotency_key(partner.id, "k", "h1", later, abandon_after=two_minutes)
    assert done is not None and (done.status, done.location) == (201, "/api/claims/c1")
    await store.release_idempotency_key(partner.id, "k")  # a completed key is kept
    assert (
        await store.reserve_idempotency_key(partner.id, "k", "h2", later, abandon_after=two_minutes)
        is not None
    )


async def test_concurrent_workers_never_lease_the_same_delivery_on_postgresql(postgres: Any) -> None:
    """Four store instances (four pools, as four processes would have) lease one outbox at once."""
    url = postgres.create_database()
    stores = [await open_store(url) for _ in range(4)]
    try:
        partner = await stores[0].create_partner("Contoso Partners")
        for n in range(30):
            contacts = tuple(
                Contact(id=f"c{n}-{i}", name=f"Contact {i}", email=f"c{n}.{i}@fabrikam.example")
                for i in range(5)
            )
            claim = make_claim(partner.id, f"claim-{n}", contacts=contacts)
            await stores[0].create_claim(claim)
            await stores[0].create_notification(claim, f"n{n}", dt.datetime.now(dt.UTC), "email")

        async def drain(store: Store, owner: str) -> list[str]:
            got: list[str] = []
            while batch := await store.lease_deliveries(
                owner, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5), 7
            ):
                got += [item.delivery.id for item in batch]
            return got

        leased = await asyncio.gather(*(drain(store, f"w{i}") for i, store in enumerate(stores)))
        everything = [d for batch in leased for d in batch]
        assert len(everything) == 150 and len(set(everything)) == 150
        assert sum(1 for batch in leased if batch) >= 2  # the work really was shared
    finally:
        for store in stores:
            await store.close()
