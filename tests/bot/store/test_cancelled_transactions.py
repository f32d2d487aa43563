"""A task cancelled inside a store transaction (a service stopping, a worker cancelled) leaves no
transaction open: the store goes on working and keeps nothing of the cancelled one. On SQLite (one
connection shared by every task) and on PostgreSQL (a pool)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import cast

import pytest

from bot.store import Store, ts
from bot.store.sql import SqlStore
from tests.bot.store.conftest import OtherConnection

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
ALIVE = dt.timedelta(seconds=10)


async def test_a_call_cancelled_while_its_statement_waits_leaves_no_transaction_open(
    store_and_other: tuple[Store, OtherConnection],
) -> None:
    store, other = store_and_other
    await other.hold()
    beat = asyncio.create_task(store.worker_heartbeat("w1", NOW, alive_within=ALIVE))
    done, _ = await asyncio.wait({beat}, timeout=0.2)
    assert not done  # held up by the other connection's lock, inside its transaction
    beat.cancel()  # as a stopping service cancels its worker
    await other.release()
    with pytest.raises(asyncio.CancelledError):
        await beat

    # The next transaction starts (on SQLite it failed: "cannot start a transaction within a
    # transaction"), and the cancelled heartbeat left no row: w2 is the only worker.
    assert await store.worker_heartbeat("w2", NOW, alive_within=ALIVE) == 1
    await store.worker_left("w2")
    assert await store.worker_heartbeat("w3", NOW, alive_within=ALIVE) == 1
    assert await other.open_transactions() == 0


async def test_a_task_cancelled_inside_a_transaction_keeps_none_of_its_writes(
    store_and_other: tuple[Store, OtherConnection],
) -> None:
    store, other = store_and_other
    inside = asyncio.Event()

    async def write_then_wait() -> None:
        async with cast(SqlStore, store)._tx() as db:  # noqa: SLF001 - a transaction held open on purpose
            await db.execute(
                "INSERT INTO delivery_workers (owner, seen_at) VALUES (?, ?)", ("ghost", ts(NOW))
            )
            inside.set()
            await asyncio.Event().wait()  # never set: the task is cancelled here

    task = asyncio.create_task(write_then_wait())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await store.worker_heartbeat("w1", NOW, alive_within=ALIVE) == 1  # no ghost
    assert await other.open_transactions() == 0


async def test_calls_cancelled_at_every_stage_leave_the_store_working(
    store_and_other: tuple[Store, OtherConnection],
) -> None:
    # Many calls at once, each cancelled after a few turns of the loop: wherever a cancellation
    # lands (waiting for the connection, beginning, writing, committing), none leaves a
    # transaction behind for the next call to trip over.
    store, other = store_and_other
    beats = [asyncio.create_task(store.worker_heartbeat(f"w{n}", NOW, alive_within=ALIVE)) for n in range(20)]
    for n, beat in enumerate(beats):
        for _ in range(n % 4):
            await asyncio.sleep(0)  # some get further than others
        beat.cancel()
    await asyncio.gather(*beats, return_exceptions=True)
    finished = sum(1 for beat in beats if not beat.cancelled())
    # A call cancelled while it committed has its row too: between the finished ones and all.
    assert finished + 1 <= await store.worker_heartbeat("last", NOW, alive_within=ALIVE) <= len(beats) + 1
    assert await other.open_transactions() == 0
