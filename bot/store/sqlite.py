"""The embedded engine: one SQLite file in WAL mode, one connection, one transaction at a time (and a
second connection that only checkpoints the WAL, in the background)."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.records import StoreUnavailable
from bot.store.sql import Db, Row, SqlStore
from bot.store.sql.base import Execute, Fetch, Plan, Step, T, drive_here, settled

log = logging.getLogger(__name__)

# Checkpoints. SQLite copies the WAL back into the database file in the commit that leaves the WAL
# over 1,000 pages. On a large file that copy is ~1,000 pages written at scattered places and an
# fsync: 15-20 ms for the commit that crosses the line (about one notification in 35 on a 550 MB
# store, 1-2 ms otherwise), with every transaction queued behind it waiting too. Instead a
# connection of its own checkpoints every CHECKPOINT_SECONDS on its own thread (PASSIVE: it neither
# waits for the writer nor blocks it); a commit checkpoints itself only past AUTOCHECKPOINT_PAGES,
# should that fall behind.
CHECKPOINT_SECONDS = 0.5
AUTOCHECKPOINT_PAGES = 10_000


class Checkpointer:
    """Copies the WAL into the database file in the background, on a connection of its own."""

    def __init__(self, conn: aiosqlite.Connection, every: float) -> None:
        self._conn = conn
        self._every = every
        self._task = asyncio.create_task(self._run(), name="sqlite-checkpoint")

    @classmethod
    async def open(cls, path: str, every: float) -> Checkpointer:
        return cls(await aiosqlite.connect(path, isolation_level=None), every)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                # Fetched to the end, so the statement holds no read of the WAL afterwards (a read
                # left open would keep the WAL from starting over at its beginning).
                await self._conn.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                log.warning(
                    "background checkpoint failed; commits checkpoint past %d WAL pages meanwhile",
                    AUTOCHECKPOINT_PAGES,
                    exc_info=True,
                )

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        # A checkpoint still running on the connection's thread ends before the close queued after it.
        await self._conn.close()


# Result codes (their low byte, the primary code) that say the file cannot be opened or read: the
# database is unavailable, not the statement wrong.
_UNAVAILABLE_CODES = frozenset({sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN})


@asynccontextmanager
async def _answering() -> AsyncIterator[None]:
    """A file that cannot be opened or read ("unable to open database file", "disk I/O error") as
    StoreUnavailable; other errors stay what they are."""
    try:
        yield
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in _UNAVAILABLE_CODES:
            raise
        raise StoreUnavailable(f"the database is not answering: {type(exc).__name__}: {exc}") from exc


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


# A transaction lets single statements go first for at most this long; then it takes its turn.
PASS_OVER_SECONDS = 0.25


class Turns:
    """Whose turn it is on the shared connection: one coroutine at a time (aiosqlite runs statements
    one by one, but a transaction spans several awaits), and a single statement waiting, a send's
    start just before it leaves, goes before the transactions waiting with it, unless they have
    waited `pass_over` seconds already."""

    def __init__(
        self, *, pass_over: float = PASS_OVER_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._pass_over = pass_over
        self._clock = clock
        self._lock = asyncio.Lock()
        self._urgent = 0
        self._no_urgent = asyncio.Event()
        self._no_urgent.set()

    @asynccontextmanager
    async def turn(self, *, urgent: bool = False) -> AsyncIterator[None]:
        if urgent:
            self._urgent += 1
            self._no_urgent.clear()
            try:
                await self._lock.acquire()
            finally:
                self._urgent -= 1
                if not self._urgent:
                    self._no_urgent.set()
        else:
            since = self._clock()
            while True:
                await self._no_urgent.wait()
                await self._lock.acquire()
                if not self._urgent or self._clock() - since > self._pass_over:
                    break
                self._lock.release()  # one came while this one queued: it goes first
        try:
            yield
        finally:
            self._lock.release()


def _run_plan(conn: sqlite3.Connection, plan: Plan[T]) -> T:
    """On the connection's thread: `plan` as one write transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = drive_here(lambda step: _step(conn, step), plan)
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    return result


def _fetch(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[Row]:
    return [dict(row) for row in conn.execute(sql, params).fetchall()]


def _step(conn: sqlite3.Connection, step: Step) -> Any:
    if isinstance(step, Execute):
        return conn.execute(step.sql, step.params).rowcount
    if isinstance(step, Fetch):
        return _fetch(conn, step.sql, step.params)
    conn.executemany(step.sql, step.rows)
    return None


class SqliteEngine:
    name = "sqlite"
    integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
    # BEGIN IMMEDIATE already makes each transaction the only writer: nothing to skip.
    skip_locked = ""
    for_update = ""
    writes_in_with = False

    def __init__(self, conn: aiosqlite.Connection, checkpointer: Checkpointer | None = None) -> None:
        self._conn = conn
        self._db = SqliteDb(conn)
        self._checkpointer = checkpointer
        # Keeps other coroutines' statements out of an open transaction.
        self._turns = Turns()

    @classmethod
    async def connect(cls, path: str) -> SqliteEngine:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        # From here on a failure closes the connection: its thread is not a daemon, and a thread
        # left running keeps the process from exiting after the error.
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            if path == ":memory:":  # no file, no WAL
                return cls(conn)
            await conn.execute_fetchall(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            checkpointer = await Checkpointer.open(path, CHECKPOINT_SECONDS)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, checkpointer)

    def skip_locked_of(self, table: str) -> str:
        return ""

    def json_rows(self, columns: Sequence[str], rest: str) -> str:
        pairs = ", ".join(f"'{column}', {column}" for column in columns)
        return f"SELECT json_group_array(json_object({pairs})) {rest}"

    def from_json(self, value: Any) -> Any:
        return json.loads(value)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Db]:
        async with _answering(), self._turns.turn():
            # aiosqlite runs a statement on its thread even when the task awaiting it is cancelled:
            # BEGIN, COMMIT and ROLLBACK are awaited to their end, so the turn ends only
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
        async with _answering(), self._turns.turn():
            yield self._db

    async def run(self, plan: Plan[T]) -> T:
        # The whole transaction in one hand-off to the connection's thread: once there it runs to
        # its COMMIT or ROLLBACK, even if the caller is cancelled.
        return await self._queued(urgent=False, work=partial(_run_plan, self._conn._conn, plan))

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._queued(urgent=False, work=partial(_fetch, self._conn._conn, sql, params))

    async def statement(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        # Outside BEGIN a statement is its own transaction, committed when it completes; cancelled,
        # it still runs whole on aiosqlite's thread, before anything queued after it.
        return await self._queued(urgent=True, work=partial(_fetch, self._conn._conn, sql, params))

    async def _queued(self, *, urgent: bool, work: Callable[[], T]) -> T:
        """`work` (whole: a statement, or a transaction from BEGIN to COMMIT) run on the
        connection's thread. The turn is held only until it is in the thread's queue: what the
        next turn queues runs after it, so the thread goes from one to the next without waiting
        for the event loop to hear that each has ended (under load the loop is slow to hear it)."""
        async with _answering():
            async with self._turns.turn(urgent=urgent):
                handed_off = self._hand_off(work)
            return await settled(handed_off)

    def _hand_off(self, work: Callable[[], T]) -> asyncio.Future[T]:
        """`work` put on the connection thread's queue now; its result or error comes to the future.
        This is what aiosqlite's `_execute` does once its coroutine starts (aiosqlite has no
        public way to run a function on its thread); done here without the coroutine, the work is
        in the queue before the turn passes on. Pinned aiosqlite version; every store test runs
        through it."""
        if not self._conn._running or self._conn._connection is None:
            raise ValueError("Connection closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._conn._tx.put_nowait((future, work))
        return future

    async def lock_migrations(self, db: Db) -> None:
        return None  # BEGIN IMMEDIATE holds the file's write lock already

    async def lock_workers(self, db: Db) -> None:
        return None  # the same

    async def close(self) -> None:
        if self._checkpointer is not None:
            await self._checkpointer.close()
        await self._conn.close()  # the last connection: SQLite checkpoints the rest as it closes


class SqliteStore(SqlStore):
    """The store on one SQLite file (what `sqlite:///…` opens)."""

    @classmethod
    async def open_file(cls, path: str) -> SqlStore:
        return await SqlStore.open(await SqliteEngine.connect(path))
