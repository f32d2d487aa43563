"""The Store contract for retention (the rule is in bot/store/sql/retention.py): claims last changed
before the cutoff go with every row about them, in batches, once; anything newer, anything still
going out, and everything that is not about a claim stays. On SQLite and on PostgreSQL; rows are
counted table by table through a connection of the test's own."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any

import psycopg

from bot.domain.claims import Status
from bot.store import (
    DeliveryOutcome,
    DeliveryStatus,
    NotFound,
    PurgeBatch,
    PurgeCounts,
    PurgePosition,
    Store,
    open_store,
)
from tests.bot.store.retention_support import (
    CUTOFF,
    KEPT_TABLES,
    KIND_OF_TABLE,
    LEASE,
    NOW,
    OLD,
    Counter,
    claim_with_history,
    counted,  # noqa: F401 - the fixture, found by its name
    partner_with_everything,
    send_everything_due,
)
from tests.bot.store.support import make_claim

RECENT = CUTOFF + dt.timedelta(minutes=1)  # just inside the retention period


async def purge_all_claims(store: Store, *, limit: int) -> PurgeCounts:
    total, after = PurgeCounts(), None
    while True:
        batch = await store.purge_claims(CUTOFF, limit=limit, after=after)
        total += batch.counts
        if batch.resume_after is None:
            return total
        after = batch.resume_after


async def test_claims_last_changed_before_the_cutoff_go_with_every_row_about_them(
    counted: tuple[Store, Counter],  # noqa: F811 - the fixture
) -> None:
    store, rows = counted
    contoso = await partner_with_everything(store, "Contoso Partners", "contoso")
    northwind = await partner_with_everything(store, "Northwind Advisors", "northwind")
    gone = [
        await claim_with_history(store, contoso, "old-1", OLD),
        await claim_with_history(store, contoso, "old-2", OLD + dt.timedelta(hours=1)),
        await claim_with_history(store, northwind, "old-3", OLD),
    ]
    kept = [
        await claim_with_history(store, contoso, "recent", RECENT),
        await claim_with_history(store, northwind, "answered-lately", OLD),
        await claim_with_history(store, contoso, "status-changed-lately", OLD),
    ]
    late_answer = await store.responses_for_claim("answered-lately")
    await store.record_response(
        dataclasses.replace(late_answer[0], id="late", dedupe_key="late", created_at=RECENT)
    )
    await store.change_status(
        "status-changed-lately",
        contoso,
        expected=Status.SUBMITTED,
        wanted=Status.UNDER_REVIEW,
        at=RECENT,
        change_id="change-1",
        message=False,
    )
    await send_everything_due(store, RECENT)  # the in-place update of the sent card
    about_gone = {claim.id: rows.about(claim.id) for claim in gone}
    about_kept = {claim.id: rows.about(claim.id) for claim in kept}
    assert all(n > 0 for about in about_gone.values() for n in about.values())  # every kind is there
    before = rows.tables()

    # Batches of two: the three old claims take two batches, past the kept ones between them.
    purged = await purge_all_claims(store, limit=2)

    after = rows.tables()
    for table, kind in KIND_OF_TABLE.items():
        # purge_claims deletes the rows about its claims (idempotency keys are swept by time).
        expected = sum(about.get(table, 0) for about in about_gone.values())
        assert before[table] - after[table] == expected == getattr(purged, kind), table
    assert purged.claims == 3
    assert {table: after[table] for table in KEPT_TABLES} == {table: before[table] for table in KEPT_TABLES}
    for claim in gone:
        assert set(rows.about(claim.id).values()) == {0}
        assert await store.get_claim(claim.id) is None
    assert {claim.id: rows.about(claim.id) for claim in kept} == about_kept
    assert await store.get_partner(contoso) is not None and await store.get_webhook(northwind) is not None
    assert await store.get_reference("a:megan") is not None and await store.get_partner_link("a:contoso")

    assert await purge_all_claims(store, limit=2) == PurgeCounts()  # again: nothing more
    assert rows.tables() == after


async def test_a_claim_with_a_message_still_going_out_waits_for_the_next_run(
    counted: tuple[Store, Counter],  # noqa: F811 - the fixture
) -> None:
    store, rows = counted
    contoso = await store.create_partner("Contoso Partners")

    async def notified(claim_id: str) -> None:
        claim = make_claim(contoso.id, claim_id, created_at=OLD, updated_at=OLD)
        await store.create_claim(claim)
        await store.create_notification(claim, f"{claim_id}-n", OLD, "email")

    # `leased`: its emails are being sent, by a worker that holds them longer than anyone waits.
    await notified("leased")
    taken = await store.lease_deliveries("slow", OLD, dt.timedelta(days=365), 10)
    assert {item.claim.id for item in taken} == {"leased"}
    # `retrying`: its emails wait for a retry due after the run.
    await notified("retrying")
    retries = await store.lease_deliveries("w", OLD, LEASE, 10)
    retry_at = NOW + dt.timedelta(hours=1)
    outcomes = [
        DeliveryOutcome(i.delivery.id, DeliveryStatus.QUEUED, OLD, error="503", retry_at=retry_at)
        for i in retries
    ]
    assert len(await store.finish_deliveries("w", outcomes)) == 2
    # `queued`: due, and no worker has taken them yet.
    await notified("queued")
    before = rows.tables()

    assert await purge_all_claims(store, limit=10) == PurgeCounts()
    assert rows.tables() == before

    # Once their messages are out (and that too was long ago), they go.
    await store.finish_deliveries(
        "slow", [DeliveryOutcome(i.delivery.id, DeliveryStatus.SENT, OLD, activity_id="a") for i in taken]
    )
    assert (await purge_all_claims(store, limit=10)).claims == 1
    assert await store.get_claim("leased") is None
    assert await store.get_claim("retrying") is not None and await store.get_claim("queued") is not None


async def test_old_audit_entries_go_unless_a_kept_claim_or_delivery_is_their_subject(
    counted: tuple[Store, Counter],  # noqa: F811 - the fixture
) -> None:
    store, rows = counted
    contoso = await store.create_partner("Contoso Partners")
    kept = make_claim(contoso.id, "kept", created_at=RECENT, updated_at=RECENT)
    await store.create_claim(kept)
    await store.create_notification(kept, "n", RECENT, "email")
    await send_everything_due(store, RECENT)
    (delivery, _) = await store.deliveries_for_claim("kept")
    # A kept claim's and a kept delivery's long history stays with them.
    await store.audit("partner:p", "claim.viewed", "kept", {}, OLD)
    await store.audit("delivery", "delivery.retry", delivery.id, {}, OLD)
    for n in range(5):  # about nothing kept, older than the cutoff: they go
        await store.audit("webchat:someone", "action.refused_channel", f"channel:webchat-{n}", {}, OLD)
        await store.audit("msteams:someone", "action.refused_other_tenant", "deleted-claim", {}, OLD)
    await store.audit("delivery", "reference.dead", "a:gone", {}, RECENT)  # inside the period
    kept_history = rows.about("kept")["audit_log"]
    before = rows.tables()["audit_log"]

    total, after, batches = PurgeCounts(), None, 0
    while True:
        batch = await store.purge_audit_entries(CUTOFF, limit=3, after=after)
        total, after, batches = total + batch.counts, batch.resume_after, batches + 1
        if after is None:
            break

    assert total == PurgeCounts(audit_entries=10) and batches == 4
    assert rows.tables()["audit_log"] == before - 10
    assert rows.about("kept")["audit_log"] == kept_history
    assert [e["action"] for e in await store.audit_entries("a:gone")] == ["reference.dead"]
    assert await store.purge_audit_entries(CUTOFF, limit=3) == PurgeBatch(PurgeCounts(), None)


async def test_idempotency_keys_reserved_before_the_cutoff_go(
    counted: tuple[Store, Counter],  # noqa: F811 - the fixture
) -> None:
    store, rows = counted
    contoso = await store.create_partner("Contoso Partners")
    for n in range(5):
        await store.reserve_idempotency_key(contoso.id, f"old-{n}", "h", OLD, abandon_after=LEASE)
    await store.reserve_idempotency_key(contoso.id, "recent", "h", RECENT, abandon_after=LEASE)

    assert await store.purge_idempotency_keys(CUTOFF, limit=3) == PurgeCounts(idempotency_keys=3)
    assert await store.purge_idempotency_keys(CUTOFF, limit=3) == PurgeCounts(idempotency_keys=2)
    assert await store.purge_idempotency_keys(CUTOFF, limit=3) == PurgeCounts()
    assert rows.tables()["idempotency_keys"] == 1
    replay = await store.reserve_idempotency_key(contoso.id, "recent", "h", RECENT, abandon_after=LEASE)
    assert replay is not None  # the recent one is still there


async def test_two_purges_at_once_on_postgresql_delete_each_claim_once(postgres: Any) -> None:
    """Two store instances (two pools, as two service instances would have) purge one database."""
    url = postgres.create_database()
    first, second = await open_store(url), await open_store(url)
    rows = Counter(url)
    try:
        contoso = await first.create_partner("Contoso Partners")
        for n in range(120):
            claim = make_claim(contoso.id, f"claim-{n:03}", created_at=OLD, updated_at=OLD)
            await first.create_claim(claim)
            await first.create_notification(claim, f"n{n}", OLD, "email")
        await send_everything_due(first, OLD)
        await first.create_claim(make_claim(contoso.id, "recent", created_at=RECENT, updated_at=RECENT))
        before = rows.tables()

        async def purge(store: Store) -> tuple[PurgeCounts, int]:
            total, after, batches = PurgeCounts(), None, 0
            while True:
                batch = await store.purge_claims(CUTOFF, limit=7, after=after)
                total, after, batches = total + batch.counts, batch.resume_after, batches + 1
                if after is None:
                    return total, batches

        (one, one_batches), (two, two_batches) = await asyncio.gather(purge(first), purge(second))

        after = rows.tables()
        for table, kind in KIND_OF_TABLE.items():
            assert getattr(one, kind) + getattr(two, kind) == before[table] - after[table], table
        assert one.claims + two.claims == 120 and after["claims"] == 1
        assert (after["contacts"], after["deliveries"]) == (2, 0)  # the recent claim's, never notified
        assert one_batches + two_batches >= 4
    finally:
        await first.close()
        await second.close()


async def test_the_count_of_what_would_go_is_what_a_purge_then_deletes(
    counted: tuple[Store, Counter],  # noqa: F811 - the fixture
) -> None:
    store, rows = counted
    contoso = await partner_with_everything(store, "Contoso Partners", "contoso")
    for n in range(3):
        await claim_with_history(store, contoso, f"old-{n}", OLD)
    await claim_with_history(store, contoso, "recent", RECENT)
    await store.audit("webchat:someone", "action.refused_channel", "channel:webchat", {}, OLD)
    before = rows.tables()

    preview = await store.count_expired(CUTOFF)

    assert rows.tables() == before  # counted, nothing deleted
    assert preview.claims == 3 and preview.idempotency_keys == 3
    deleted = await purge_all_claims(store, limit=2)
    after: PurgePosition | None = None
    while True:
        batch = await store.purge_audit_entries(CUTOFF, limit=2, after=after)
        deleted, after = deleted + batch.counts, batch.resume_after
        if after is None:
            break
    while (keys := await store.purge_idempotency_keys(CUTOFF, limit=2)).idempotency_keys:
        deleted += keys
    assert deleted == preview
    assert await store.count_expired(CUTOFF) == PurgeCounts()


async def test_a_claim_changed_while_two_purges_run_is_kept_whole_or_deleted_whole_on_postgresql(
    postgres: Any,
) -> None:
    """Two purges and a partner changing statuses, on one database at once: no deadlock, and each
    claim either changed (and is kept, with all its rows) or was purged first (and is wholly gone)."""
    url = postgres.create_database()
    first, second, partner_api = await open_store(url), await open_store(url), await open_store(url)
    rows = Counter(url)
    try:
        contoso = await first.create_partner("Contoso Partners")
        for n in range(60):
            claim = make_claim(contoso.id, f"claim-{n:02}", created_at=OLD, updated_at=OLD)
            await first.create_claim(claim)
            await first.create_notification(claim, f"n{n}", OLD, "email")
        await send_everything_due(first, OLD)
        whole = rows.about("claim-00")

        async def purge(store: Store) -> PurgeCounts:
            total, after = PurgeCounts(), None
            while True:
                batch = await store.purge_claims(CUTOFF, limit=4, after=after)
                total, after = total + batch.counts, batch.resume_after
                if after is None:
                    return total

        async def change(claim_id: str) -> bool:
            try:
                await partner_api.change_status(
                    claim_id,
                    contoso.id,
                    expected=Status.SUBMITTED,
                    wanted=Status.UNDER_REVIEW,
                    at=NOW,
                    change_id=f"change-{claim_id}",
                    message=True,
                )
            except NotFound:
                return False
            return True

        touched = [f"claim-{n:02}" for n in range(0, 60, 3)]
        one, two, *changed = await asyncio.gather(
            purge(first), purge(second), *(change(claim_id) for claim_id in touched)
        )

        kept = {claim_id for claim_id, done in zip(touched, changed, strict=True) if done}
        for n in range(60):
            claim_id, about = f"claim-{n:02}", rows.about(f"claim-{n:02}")
            if claim_id in kept:
                # Its rows as they were, and what the change added: a notification, its messages.
                assert {t: about[t] for t in ("claims", "claim_workloads", "contacts")} == {
                    t: whole[t] for t in ("claims", "claim_workloads", "contacts")
                }
                assert about["notifications"] == 2 and about["deliveries"] > whole["deliveries"]
            else:
                assert set(about.values()) == {0}, claim_id
        assert (one + two).claims == 60 - len(kept) == 60 - rows.tables()["claims"]
    finally:
        for store in (first, second, partner_api):
            await store.close()


async def test_a_claim_whose_delivery_another_transaction_holds_waits_for_the_next_run_on_postgresql(
    postgres: Any,
) -> None:
    """A Teams install turning waiting deliveries into queued ones holds their rows: the purge
    leaves that claim for its next run instead of waiting for the lock with others in hand."""
    url = postgres.create_database()
    store = await open_store(url)
    try:
        contoso = await store.create_partner("Contoso Partners")
        for claim_id in ("held", "free"):
            claim = make_claim(contoso.id, claim_id, created_at=OLD, updated_at=OLD)
            await store.create_claim(claim)
            await store.create_notification(claim, f"{claim_id}-n", OLD, "teams")  # both wait
        (waiting, *_) = await store.deliveries_for_claim("held")
        async with await psycopg.AsyncConnection.connect(url) as install:
            await install.execute("SELECT 1 FROM deliveries WHERE id = %s FOR UPDATE", (waiting.id,))
            async with asyncio.timeout(5):
                first = await store.purge_claims(CUTOFF, limit=10)
            assert first.counts.claims == 1
            assert await store.get_claim("held") is not None and await store.get_claim("free") is None
        second = await store.purge_claims(CUTOFF, limit=10)  # the install is over
        assert second.counts.claims == 1 and await store.get_claim("held") is None
    finally:
        await store.close()
