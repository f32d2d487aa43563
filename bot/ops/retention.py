"""RETENTION_DAYS, enforced: a claim and everything about it is deleted RETENTION_DAYS days after it
last changed (0: kept until the operator deletes it). What goes, table by table, and what stays is
stated in `bot.store.sql.retention`.

`purge_once` deletes what is due as of a moment, batch by batch, one transaction each; `Retention`
runs it when the service starts and then every `every_seconds`, and stops between two batches when
asked. Several instances may run it at once: each batch skips what another one holds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable

from bot.ops.metrics import Metrics
from bot.ops.polling import Poller
from bot.store import PurgeCounts, PurgePosition, RetentionStore

log = logging.getLogger(__name__)

# Claims (or audit entries, or idempotency keys) per transaction. On SQLite a batch holds the only
# writer's lock, which the delivery workers wait for: 200 claims with their rows take about 50 ms
# there (500 took 100-220 ms), and 80 ms on PostgreSQL, where only the batch's own rows are locked.
BATCH = 200


def _never() -> bool:
    return False


async def purge_once(
    store: RetentionStore,
    days: int,
    now: dt.datetime,
    *,
    batch: int = BATCH,
    stopping: Callable[[], bool] = _never,
) -> PurgeCounts:
    """Delete what `days` of retention no longer keeps as of `now`; how many rows of each kind.
    Nothing when `days` is 0. `stopping` is asked before each batch: True ends the purge there."""
    if days <= 0:
        return PurgeCounts()
    cutoff = now - dt.timedelta(days=days)
    total = PurgeCounts()
    after: PurgePosition | None = None
    while not stopping():
        claims = await store.purge_claims(cutoff, limit=batch, after=after)
        total += claims.counts
        if claims.resume_after is None:
            break
        after = claims.resume_after
        await asyncio.sleep(0)  # let waiting work have the engine between batches
    after = None
    while not stopping():
        audit = await store.purge_audit_entries(cutoff, limit=batch, after=after)
        total += audit.counts
        if audit.resume_after is None:
            break
        after = audit.resume_after
        await asyncio.sleep(0)
    while not stopping():
        keys = await store.purge_idempotency_keys(cutoff, limit=batch)
        total += keys
        if keys.idempotency_keys < batch:
            break
        await asyncio.sleep(0)
    return total


async def preview(store: RetentionStore, days: int, now: dt.datetime) -> PurgeCounts:
    """What `purge_once(store, days, now)` would delete, counted and left in place (a dry run)."""
    if days <= 0:
        return PurgeCounts()
    return await store.count_expired(now - dt.timedelta(days=days))


def summary(counts: PurgeCounts, *, days: int, dry_run: bool) -> str:
    """For an operator: what went (or would go), kind by kind."""
    verb = "Would delete" if dry_run else "Deleted"
    lines = [f"{verb} what is older than {days} days (a claim by its last change):"]
    lines += [f"  {kind:<17} {deleted:>9,}" for kind, deleted in counts.by_kind().items()]
    return "\n".join(lines)


class Retention:
    """The periodic purge: once at start, then every `every_seconds`; `wake()` to run it now."""

    def __init__(
        self,
        store: RetentionStore,
        *,
        days: int,
        every_seconds: float,
        metrics: Metrics | None = None,
        batch: int = BATCH,
    ) -> None:
        self._store = store
        self._days = days
        self._metrics = metrics or Metrics()
        self._batch = batch
        self._poller = Poller("retention", every_seconds)
        self._stopping = False

    def wake(self) -> None:
        self._poller.wake()

    def stop(self) -> None:
        """End the purge after the batch in hand, and leave `run`."""
        self._stopping = True
        self._poller.stop()

    async def run(self) -> None:
        if self._days <= 0:
            log.info("RETENTION_DAYS is 0: claims are kept until the operator deletes them")
            return
        await self._poller.run(self.run_once)

    async def run_once(self) -> int:
        """One purge as of now; 0, so the next one waits for its time (or a wake-up)."""
        started = time.monotonic()
        counts = await purge_once(
            self._store, self._days, dt.datetime.now(dt.UTC), batch=self._batch, stopping=self._is_stopping
        )
        for kind, deleted in counts.by_kind().items():
            if deleted:
                self._metrics.retention_deleted.labels(kind=kind).inc(deleted)
        log.info(
            "retention: %d rows deleted in %.1f s (%s)%s",
            counts.total,
            time.monotonic() - started,
            " ".join(f"{kind}={deleted}" for kind, deleted in counts.by_kind().items()),
            "; stopped before the end" if self._stopping else "",
        )
        return 0

    def _is_stopping(self) -> bool:
        return self._stopping
