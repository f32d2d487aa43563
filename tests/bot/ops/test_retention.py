"""RETENTION_DAYS, enforced: `purge_once` deletes what is due in batches and counts it; the periodic
task purges when it starts, again when woken, stops between two batches, logs counts only and counts
them in `cpor_retention_deleted_total`. After a purge the claim is a 404 to its partner and an old
card's button gets the polite "this app doesn't have this claim"."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.actions import ActionRequest, Actions, Actor
from bot.ops.metrics import Metrics
from bot.ops.retention import Retention, preview, purge_once, summary
from bot.store import PurgeBatch, PurgeCounts, PurgePosition, Store, open_store
from cards import verbs
from tests.bot.store.retention_support import (
    DAYS,
    KIND_OF_TABLE,
    NOW,
    OLD,
    Counter,
    claim_with_history,
    counted,  # noqa: F401 - the fixture, found by its name
    partner_with_everything,
)
from tests.bot.store.support import TENANT
from tests.changes import Changes

RECENT = NOW - dt.timedelta(days=DAYS) + dt.timedelta(minutes=1)


@pytest.fixture
async def on_sqlite(tmp_path: Path) -> AsyncIterator[tuple[Store, Counter]]:
    """For the task's own tests: a store on a real SQLite file, with a counter beside it."""
    url = f"sqlite:///{tmp_path / 'retention.db'}"
    store = await open_store(url)
    yield store, Counter(url)
    await store.close()


async def test_with_zero_days_nothing_is_deleted(counted: tuple[Store, Counter]) -> None:  # noqa: F811 - the fixture
    store, rows = counted
    contoso = await partner_with_everything(store, "Contoso Partners", "contoso")
    await claim_with_history(store, contoso, "old", OLD - dt.timedelta(days=3650))
    before = rows.tables()
    assert await purge_once(store, 0, NOW) == PurgeCounts()
    assert rows.tables() == before


async def test_a_purge_deletes_what_is_due_batch_by_batch_and_counts_it(
    counted: tuple[Store, Counter],  # noqa: F811 - the fixture
) -> None:
    store, rows = counted
    contoso = await partner_with_everything(store, "Contoso Partners", "contoso")
    for n in range(5):
        await claim_with_history(store, contoso, f"old-{n}", OLD)
    await claim_with_history(store, contoso, "recent", RECENT)
    their_audit = sum(rows.about(f"old-{n}")["audit_log"] for n in range(5))
    before = rows.tables()

    counts = await purge_once(store, DAYS, NOW, batch=2)

    after = rows.tables()
    assert counts.by_kind() == {kind: before[table] - after[table] for table, kind in KIND_OF_TABLE.items()}
    assert (counts.claims, after["claims"], after["idempotency_keys"]) == (5, 1, 1)
    # Besides the old claims' own audit entries, those about no claim (the partner's webhook set and
    # chat linked, long ago).
    assert counts.audit_entries > their_audit
    assert await purge_once(store, DAYS, NOW, batch=2) == PurgeCounts()
    assert rows.tables() == after


class PassesCounted:
    """The real store, counting the purge's passes: each ends with one call for idempotency keys
    (while there are fewer of them than a batch, as here)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.passes = 0
        self.changes = Changes()

    async def purge_idempotency_keys(self, cutoff: dt.datetime, *, limit: int) -> PurgeCounts:
        try:
            return await self.inner.purge_idempotency_keys(cutoff, limit=limit)
        finally:
            self.passes += 1
            self.changes.changed()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_the_task_purges_when_it_starts_and_when_woken_then_stops_at_once(
    on_sqlite: tuple[Store, Counter],
) -> None:
    store, rows = on_sqlite
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=DAYS + 10)
    contoso = await partner_with_everything(store, "Contoso Partners", "contoso")
    await claim_with_history(store, contoso, "first", long_ago)
    counted_store = PassesCounted(store)
    retention = Retention(counted_store, days=DAYS, every_seconds=3600)
    task = asyncio.create_task(retention.run())
    try:
        await counted_store.changes.until(lambda: counted_store.passes == 1)
        assert rows.tables()["claims"] == 0
        await claim_with_history(store, contoso, "second", long_ago)
        retention.wake()  # long before the next hour
        await counted_store.changes.until(lambda: counted_store.passes == 2)
        assert rows.tables()["claims"] == 0
        retention.stop()  # the pass is over: the task waits for the next hour
        async with asyncio.timeout(2):
            await task
        assert counted_store.passes == 2
    finally:
        task.cancel()


class HeldAfterOneBatch:
    """The real store, whose second batch of claims waits until the test lets it go."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.batches = 0
        self.in_second = asyncio.Event()
        self.release = asyncio.Event()

    async def purge_claims(
        self, cutoff: dt.datetime, *, limit: int, after: PurgePosition | None = None
    ) -> PurgeBatch:
        self.batches += 1
        if self.batches == 2:
            self.in_second.set()
            await self.release.wait()
        return await self.inner.purge_claims(cutoff, limit=limit, after=after)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_stop_ends_a_purge_between_two_batches(
    on_sqlite: tuple[Store, Counter], caplog: pytest.LogCaptureFixture
) -> None:
    store, rows = on_sqlite
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=DAYS + 10)
    contoso = await partner_with_everything(store, "Contoso Partners", "contoso")
    for n in range(5):
        await claim_with_history(store, contoso, f"old-{n}", long_ago)
    held = HeldAfterOneBatch(store)
    retention = Retention(held, days=DAYS, every_seconds=3600, batch=2)
    caplog.set_level(logging.INFO, logger="bot.ops.retention")
    task = asyncio.create_task(retention.run())
    await held.in_second.wait()
    retention.stop()
    held.release.set()
    async with asyncio.timeout(2):
        await task
    assert held.batches == 2  # the batch in hand finished; no third began
    assert rows.tables()["claims"] == 1
    assert "stopped before the end" in caplog.text


async def test_a_pass_counts_every_kind_in_the_metrics_and_logs_counts_only(
    on_sqlite: tuple[Store, Counter], caplog: pytest.LogCaptureFixture
) -> None:
    store, rows = on_sqlite
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=DAYS + 10)
    contoso = await partner_with_everything(store, "Contoso Partners", "contoso")
    claim = await claim_with_history(store, contoso, "old", long_ago)
    metrics = Metrics()
    before = rows.tables()
    caplog.set_level(logging.INFO, logger="bot.ops.retention")

    await Retention(store, days=DAYS, every_seconds=3600, metrics=metrics).run_once()

    after = rows.tables()
    counted_in_metrics = {
        sample.labels["kind"]: sample.value
        for family in text_string_to_metric_families(generate_latest(metrics.registry).decode())
        for sample in family.samples
        if sample.name == "cpor_retention_deleted_total"
    }
    assert counted_in_metrics == {kind: before[table] - after[table] for table, kind in KIND_OF_TABLE.items()}
    assert f"claims={before['claims'] - after['claims']}" in caplog.text
    for private in (
        claim.customer_name,
        TENANT,
        *(c.email for c in claim.contacts),
        *(c.name for c in claim.contacts),
    ):
        assert private.lower() not in caplog.text.lower()


async def test_with_zero_days_the_task_ends_at_once_and_deletes_nothing(
    on_sqlite: tuple[Store, Counter],
) -> None:
    store, rows = on_sqlite
    contoso = await partner_with_everything(store, "Contoso Partners", "contoso")
    await claim_with_history(store, contoso, "old", OLD - dt.timedelta(days=3650))
    before = rows.tables()
    async with asyncio.timeout(2):
        await Retention(store, days=0, every_seconds=3600).run()
    assert rows.tables() == before


async def test_a_purged_claim_is_a_404_to_its_partner_and_an_old_card_says_it_cannot_find_it(
    client: TestClient[Any, Any], store: Store, auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    created = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    actions = Actions(store)
    contact = claim_body["contacts"][0]
    actor = Actor(
        claim_body["customer_tenant_id"], contact["aad_object_id"], "29:megan", contact["name"], "msteams"
    )

    def click(claim_id: str) -> ActionRequest:
        return ActionRequest(verb=verbs.ACKNOWLEDGE, data={verbs.CLAIM_ID: claim_id}, actor=actor)

    never_existed = await actions.handle(click("no-such-claim"))
    assert (await actions.handle(click(created["id"]))).card != never_existed.card  # the claim card

    await purge_once(store, DAYS, dt.datetime.now(dt.UTC) + dt.timedelta(days=DAYS, seconds=1))

    assert (await client.get(f"/api/claims/{created['id']}", headers=auth)).status == 404
    after = await actions.handle(click(created["id"]))
    assert after.card == never_existed.card and after.response is None
    assert await store.responses_for_claim(created["id"]) == []


async def test_a_dry_run_counts_what_a_purge_would_delete_and_deletes_nothing(
    on_sqlite: tuple[Store, Counter],
) -> None:
    store, rows = on_sqlite
    contoso = await partner_with_everything(store, "Contoso Partners", "contoso")
    for n in range(3):
        await claim_with_history(store, contoso, f"old-{n}", OLD)
    await claim_with_history(store, contoso, "recent", RECENT)
    before = rows.tables()

    would = await preview(store, DAYS, NOW)

    assert rows.tables() == before
    assert await preview(store, 0, NOW) == PurgeCounts()
    heading, *lines = summary(would, days=DAYS, dry_run=True).splitlines()
    assert heading.startswith("Would delete") and f"older than {DAYS} days" in heading
    assert dict(line.split() for line in lines) == {kind: f"{n:,}" for kind, n in would.by_kind().items()}
    assert would.claims == 3
    assert await purge_once(store, DAYS, NOW) == would
    assert summary(would, days=DAYS, dry_run=False).startswith("Deleted")
