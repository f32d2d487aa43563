"""A task cancelled inside a store transaction (a service stopping, a worker cancelled) leaves no
transaction open: the store goes on working and keeps nothing of the cancelled one. On SQLite (one
connection shared by every task) and on PostgreSQL (a pool)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest

from bot.store import Store, open_store, ts
from bot.store.postgres import WORKERS_LOCK
from bot.store.sql import SqlStore
from bot.store.sqlite import SqliteStore

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
ALIVE = dt.timedelta(seconds=10)


class OtherConnection:
    """A second connection to the store's database, which can hold the lock a worker's heartbeat
    needs: SQLite's write lock, or PostgreSQL's advisory lock on the worker count."""

    async def hold(self) -> None: ...
    async def release(self) -> None: ...
    async def open_transactions(self) -> int:
        """Transactions left open by the store's connections (0 on SQLite, checked otherwise)."""
        return 0

    async def close(self) -> None: ...


class SqliteConnection(OtherConnection):
    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)

    async def hold(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    async def release(self) -> None:
        self._conn.execute("COMMIT")

    async def close(self) -> None:
        self._conn.close()


class PostgresConnection(OtherConnection):
    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    async def hold(self) -> None:
        await self._conn.execute("SELECT pg_advisory_lock(%s)", (WORKERS_LOCK,))

    async def release(self) -> None:
        await self._conn.execute("SELECT pg_advisory_unlock(%s)", (WORKERS_LOCK,))

    async def open_transactions(self) -> int:
        cursor = await self._conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def close(self) -> None:
        await self._conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def store_and_other(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Store, OtherConnection]]:
    other: OtherConnection
    if request.param == "sqlite":
        path = tmp_path / "cancel.db"
        store = await SqliteStore.open_file(str(path))
        other = SqliteConnection(path)
    else:
        url = request.getfixturevalue("postgres").create_database()
        store = await open_store(url)
        other = PostgresConnection(await psycopg.AsyncConnection.connect(url, autocommit=True))
    yield store, other
    await other.close()
    await store.close()


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
