"""The embedded engine: one SQLite file in WAL mode, one connection, one transaction at a time."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.sql import Db, Row, SqlStore
from bot.store.sql.base import settled


class SqliteDb:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self._conn.execute(sql, params)
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [dict(row) for row in await self._conn.execute_fetchall(sql, params)]


class SqliteEngine:
    name = "sqlite"
    integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
    # BEGIN IMMEDIATE already makes each transaction the only writer: nothing to skip.
    skip_locked = ""
    for_update = ""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._db = SqliteDb(conn)
        # aiosqlite runs statements one at a time on its thread, but a transaction spans several
        # awaits: the lock keeps other coroutines' statements out of an open transaction.
        self._lock = asyncio.Lock()

    @classmethod
    async def connect(cls, path: str) -> SqliteEngine:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        return cls(conn)

    def skip_locked_of(self, table: str) -> str:
        return ""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Db]:
        async with self._lock:
            # aiosqlite runs a statement on its thread even when the task awaiting it is cancelled:
            # BEGIN, COMMIT and ROLLBACK are awaited to their end, so the lock is released only
            # once no transaction is open (the next BEGIN would fail inside one).
            try:
                await settled(self._conn.execute("BEGIN IMMEDIATE"))
                yield self._db
                await settled(self._conn.execute("COMMIT"))
            finally:
                if self._conn.in_transaction:
                    await settled(self._conn.execute("ROLLBACK"))

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Db]:
        async with self._lock:
            yield self._db

    async def lock_migrations(self, db: Db) -> None:
        return None  # BEGIN IMMEDIATE holds the file's write lock already

    async def lock_workers(self, db: Db) -> None:
        return None  # the same

    async def close(self) -> None:
        await self._conn.close()


class SqliteStore(SqlStore):
    """The store on one SQLite file (what `sqlite:///…` opens)."""

    @classmethod
    async def open_file(cls, path: str) -> SqlStore:
        return await SqlStore.open(await SqliteEngine.connect(path))
