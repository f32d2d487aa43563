"""The shared engine: PostgreSQL through psycopg 3, for many bot instances on one database.

Workers lease rows with `FOR UPDATE SKIP LOCKED`, so two instances never take the same delivery;
every method of the store is one transaction."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.store.records import CONNECTION_WAIT, StoreUnavailable
from bot.store.sql import Db, Row, SqlStore
from bot.store.sql.base import Plan, T, drive, settled

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\?")
# How long the service waits at start for its first connection (a server starting beside it).
OPEN_SECONDS = 15.0
MIGRATION_LOCK = 7_470_001  # pg_advisory_xact_lock key: one instance migrates at a time
WORKERS_LOCK = 7_470_002  # and one worker counts the delivery workers at a time
# A transaction to end: begun, or failed and waiting for its ROLLBACK.
_OPEN = (TransactionStatus.INTRANS, TransactionStatus.INERROR)
# Errors of the server going away rather than of the statement: admin_shutdown, crash_shutdown,
# cannot_connect_now (and class 08, connection_exception; libpq's own, which have no SQLSTATE).
_GOING_AWAY = frozenset({"57P01", "57P02", "57P03"})


def _database_gone(exc: psycopg.OperationalError) -> bool:
    """Whether `exc` says the database does not answer (no connection, or the one in hand lost):
    PoolTimeout and libpq's connection errors carry no SQLSTATE. A cancelled statement, a deadlock
    or a serialization failure are the statement's, and stay what they are."""
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in _GOING_AWAY


@asynccontextmanager
async def _answering() -> AsyncIterator[None]:
    """A database that does not answer, as StoreUnavailable (its first line says why)."""
    try:
        yield
    except psycopg.OperationalError as exc:
        if not _database_gone(exc):
            raise
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        raise StoreUnavailable(
            f"the database is not answering: {type(exc).__name__}: {lines[0] if lines else 'no reason given'}"
        ) from exc


def _pg(sql: str) -> str:
    """The store's `?` placeholders as psycopg's `%s` (the SQL has no literal % or ?)."""
    return _PLACEHOLDER.sub("%s", sql)


class PostgresDb:
    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self._conn.execute(_pg(sql), tuple(params))
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self._conn.cursor() as cursor:
            await cursor.executemany(_pg(sql), [tuple(r) for r in rows])

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = await self._conn.execute(_pg(sql), tuple(params))
        return list(await cursor.fetchall())


class PostgresEngine:
    name = "postgresql"
    integrity_errors: tuple[type[Exception], ...] = (psycopg.errors.IntegrityError,)
    skip_locked = " FOR UPDATE SKIP LOCKED"
    for_update = " FOR UPDATE"
    writes_in_with = True

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, url: str, *, max_size: int = 10) -> PostgresEngine:
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            url, min_size=1, max_size=max_size, kwargs={"row_factory": dict_row}, open=False
        )
        try:
            await pool.open(wait=True, timeout=OPEN_SECONDS)
        except PoolTimeout as exc:
            await pool.close()  # closed by the pool already; said here too
            # The pool says only that it timed out; one more attempt of its own says why.
            raise psycopg.OperationalError(
                f"no connection within {OPEN_SECONDS:g} s: {await _why_no_connection(url)}"
            ) from exc
        except BaseException:
            await pool.close()  # not closed by the pool when cancelled
            raise
        return cls(pool)

    def skip_locked_of(self, table: str) -> str:
        return f" FOR UPDATE OF {table} SKIP LOCKED"

    def json_rows(self, columns: Sequence[str], rest: str) -> str:
        pairs = ", ".join(f"'{column}', {column}" for column in columns)
        return f"SELECT coalesce(json_agg(json_build_object({pairs})), '[]'::json) {rest}"

    def from_json(self, value: Any) -> Any:
        return value  # psycopg reads json itself

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Db]:
        # The first statement begins the transaction (the connection is not in autocommit). COMMIT
        # and ROLLBACK are awaited to their end even when the task is cancelled, so the connection
        # goes back to the pool idle and the transaction's locks are released at once.
        async with _answering(), self._pool.connection(timeout=CONNECTION_WAIT.get()) as conn:
            try:
                yield PostgresDb(conn)
                await settled(conn.commit())
            finally:
                if conn.info.transaction_status in _OPEN:
                    try:
                        await settled(conn.rollback())
                    except psycopg.Error:
                        # The connection is broken: the pool discards it, and the server ends
                        # the transaction with it.
                        log.warning("could not roll back a transaction", exc_info=True)

    def reader(self) -> AbstractAsyncContextManager[Db]:
        return self.transaction()

    async def run(self, plan: Plan[T]) -> T:
        async with self.transaction() as db:
            return await drive(db, plan)

    async def statement(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._autocommitted(sql, params)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._autocommitted(sql, params)

    async def _autocommitted(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """One statement in autocommit: a transaction of its own in one round trip (BEGIN, it and
        COMMIT are three; ~100 µs of CPU here against ~200)."""
        async with _answering(), self._pool.connection(timeout=CONNECTION_WAIT.get()) as conn:
            await conn.set_autocommit(True)
            try:
                cursor = await conn.execute(_pg(sql), tuple(params))
                return list(await cursor.fetchall()) if cursor.description is not None else []
            finally:
                # Back to transactions before the pool lends it again. This fails only when the
                # statement was cut off mid-way (the connection is not idle): closed, the pool
                # drops it, and no one is lent a connection that commits each statement.
                try:
                    await conn.set_autocommit(False)
                except psycopg.Error:
                    await conn.close()

    async def lock_migrations(self, db: Db) -> None:
        await db.rows("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))

    async def lock_workers(self, db: Db) -> None:
        await db.rows("SELECT pg_advisory_xact_lock(?)", (WORKERS_LOCK,))

    async def close(self) -> None:
        await self._pool.close()


async def _why_no_connection(url: str) -> str:
    """The error of one connection attempt to `url` (the password is the caller's to hide)."""
    try:
        conn = await psycopg.AsyncConnection.connect(url, connect_timeout=5)
    except psycopg.Error as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        return lines[0].removeprefix("connection failed: ") if lines else type(exc).__name__
    await conn.close()
    return "the server answers now: try again"


async def open_postgres(url: str) -> SqlStore:
    return await SqlStore.open(await PostgresEngine.connect(url))
