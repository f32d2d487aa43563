"""The store every contract test runs against: a real SQLite file, then a real PostgreSQL database;
and a second connection to it that can hold the locks the store's transactions need."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.store import Store, open_store
from bot.store.postgres import WORKERS_LOCK
from bot.store.sqlite import SqliteStore


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        opened = await SqliteStore.open_file(str(tmp_path / "contract.db"))
    else:
        server = request.getfixturevalue("postgres")
        opened = await open_store(server.create_database())
    yield opened
    await opened.close()


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
