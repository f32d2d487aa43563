"""Stopping: a worker cancelled while its lanes are inside store transactions (the service's stop
path) still signs off, so a restarted service does not wait for a worker that is gone."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any, cast

import pytest

from bot.delivery.worker import DeliveryWorker
from bot.store import Store
from bot.store.sqlite import SqliteStore
from tests.bot.delivery.support import MAIL
from tests.changes import WatchedStore
from tests.support import RecordingSender

ALIVE = dt.timedelta(seconds=10)


class CountedBeats(WatchedStore):
    """The store, counting the heartbeats written through it."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.beats = 0

    async def worker_heartbeat(self, *args: Any, **kwargs: Any) -> int:
        alive = int(await self.inner.worker_heartbeat(*args, **kwargs))
        self.beats += 1
        self.changes.changed()
        return alive


async def test_a_worker_cancelled_inside_a_transaction_still_signs_off(tmp_path: Path) -> None:
    path = tmp_path / "stop.db"
    store = await SqliteStore.open_file(str(path))
    other = sqlite3.connect(path, isolation_level=None)
    try:
        watched = CountedBeats(store)
        worker = DeliveryWorker(
            cast(Store, watched),
            RecordingSender(),
            poll_seconds=3600,
            mail=MAIL,
            heartbeat_every=dt.timedelta(hours=1),
        )
        running = asyncio.create_task(worker.run())
        await watched.changes.until(lambda: watched.beats == 1)  # it counts itself in

        # Another connection holds the file's write lock; woken, every lane begins a lease and waits.
        other.execute("BEGIN IMMEDIATE")
        worker.wake()
        done, _ = await asyncio.wait({running}, timeout=0.2)
        assert not done
        running.cancel()  # what the service does when it stops
        other.execute("COMMIT")
        with pytest.raises(asyncio.CancelledError):
            await running

        # It signed off: the next worker finds itself alone (a ghost would make it wait and halve
        # its share of every tenant's limit).
        assert await store.worker_heartbeat("next", dt.datetime.now(dt.UTC), alive_within=ALIVE) == 1
    finally:
        other.close()
        await store.close()
