"""The SQL store's foundation: the engine and connection protocols, migrations, the store's
lifecycle (open, migrate, health, close) and helpers every aggregate uses."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import resources
from typing import Any, Generic, Protocol, Self, TypeVar

from bot.store import ts
from bot.store.sql.keys import time_ordered_id

Row = Mapping[str, Any]
# Values per IN (...) list: well under SQLite's and PostgreSQL's limits on parameters.
IN_CHUNK = 500


T = TypeVar("T")


async def settled(operation: Awaitable[T]) -> T:
    """Await `operation` to its end even if the caller is cancelled meanwhile, then pass the
    cancellation on. For the statements that begin and end a transaction: one cut off half-way
    would leave the connection inside a transaction nobody ends."""
    task = asyncio.ensure_future(operation)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        if not task.cancelled():
            task.exception()  # seen: the caller hears of the cancellation instead
        raise asyncio.CancelledError
    return task.result()


def parse_ts(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _req_ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


class Db(Protocol):
    """One connection inside a transaction. SQL uses `?` placeholders on every engine."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...
    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


@dataclass(frozen=True, slots=True)
class Execute:
    """A plan's statement; the plan is sent how many rows it changed."""

    sql: str
    params: Sequence[Any] = ()


@dataclass(frozen=True, slots=True)
class Fetch:
    """A plan's query; the plan is sent its rows."""

    sql: str
    params: Sequence[Any] = ()


@dataclass(frozen=True, slots=True)
class ExecuteMany:
    """A plan's statement run once per row of parameters; the plan is sent None."""

    sql: str
    rows: Sequence[Sequence[Any]]


Step = Execute | Fetch | ExecuteMany
# A transaction written as a generator: it yields each statement and is sent its result (an error is
# thrown in where the statement stood), and returns the transaction's result. With no await inside,
# an engine can run the whole of it where its connection lives: SQLite on its connection's thread,
# in one hand-off from the event loop instead of one per statement (each costs ~60 µs of CPU).
Plan = Generator[Step, Any, T]


@dataclass(frozen=True, slots=True)
class _Finished(Generic[T]):
    value: T


def _resume(plan: Plan[T], sent: Any, error: Exception | None) -> Step | _Finished[T]:
    """The plan's next statement, given the last one's result or error; or what it returned."""
    try:
        return plan.throw(error) if error is not None else plan.send(sent)
    except StopIteration as done:
        return _Finished(done.value)


async def drive(db: Db, plan: Plan[T]) -> T:
    """Run `plan` on `db`, a statement at a time (the caller holds the transaction)."""
    sent: Any = None
    error: Exception | None = None
    while not isinstance(step := _resume(plan, sent, error), _Finished):
        sent, error = None, None
        try:
            if isinstance(step, Execute):
                sent = await db.execute(step.sql, step.params)
            elif isinstance(step, Fetch):
                sent = await db.rows(step.sql, step.params)
            else:
                await db.executemany(step.sql, step.rows)
        except Exception as failed:  # the plan may handle it, as code around an await could
            error = failed
    return step.value


def drive_here(run: Callable[[Step], Any], plan: Plan[T]) -> T:
    """Run `plan` synchronously, each statement through `run` (an engine's blocking connection)."""
    sent: Any = None
    error: Exception | None = None
    while not isinstance(step := _resume(plan, sent, error), _Finished):
        sent, error = None, None
        try:
            sent = run(step)
        except Exception as failed:
            error = failed
    return step.value


class Engine(Protocol):
    name: str
    integrity_errors: tuple[type[Exception], ...]
    # Appended to a leasing SELECT: rows another worker holds are skipped, not waited for.
    skip_locked: str
    # Appended to a SELECT whose rows the transaction is about to change: they are locked, waited for.
    for_update: str
    # Whether a WITH may hold INSERT ... RETURNING (PostgreSQL), so one statement can do a write's
    # several steps; SQLite takes only SELECT there.
    writes_in_with: bool

    def skip_locked_of(self, table: str) -> str: ...
    def json_rows(self, columns: Sequence[str], rest: str) -> str:
        """A scalar subquery: the rows of `SELECT columns rest` as a JSON array of objects (in no
        particular order), `[]` for none. Read its value with `from_json`."""
        ...

    def from_json(self, value: Any) -> Any: ...
    # A transaction ends (commit or rollback) before the context exits, even when the task using it
    # is cancelled: the connection is never handed on inside a transaction.
    def transaction(self) -> AbstractAsyncContextManager[Db]: ...
    def reader(self) -> AbstractAsyncContextManager[Db]: ...
    async def run(self, plan: Plan[T]) -> T:
        """Run `plan` as one write transaction (committed, or rolled back if it raises), in as few
        round trips as the engine allows. All or nothing also when the caller is cancelled: once
        handed off, SQLite runs it to its end; PostgreSQL rolls back what has not committed."""
        ...

    async def statement(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement as a transaction of its own (one round trip where the engine allows);
        its rows, for a RETURNING clause. It goes before transactions waiting for the connection."""
        ...

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One query, outside any transaction, in one round trip where the engine allows; its rows."""
        ...

    async def lock_migrations(self, db: Db) -> None: ...
    # Workers starting together must count each other: their heartbeats go one at a time.
    async def lock_workers(self, db: Db) -> None: ...
    async def close(self) -> None: ...


def migrations() -> list[tuple[str, str]]:
    """(version, sql) for every migration shipped with the package, in order."""
    folder = resources.files("bot.store").joinpath("migrations")
    found = sorted(
        (entry.name.split("_", 1)[0], entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )
    return found


class SqlBase:
    """The engine and its transactions; every aggregate's methods build on these."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    async def open(cls, engine: Engine) -> Self:
        store = cls(engine)
        try:
            await store.migrate()
        except BaseException:
            # Nothing is left open by a store that failed to open: a SQLite connection's thread or a
            # pool's connections would outlive the error (and keep the process from exiting).
            await engine.close()
            raise
        return store

    async def close(self) -> None:
        await self._engine.close()

    def _tx(self) -> AbstractAsyncContextManager[Db]:
        return self._engine.transaction()

    def _read(self) -> AbstractAsyncContextManager[Db]:
        return self._engine.reader()

    async def _claim_gone(self, claim_id: str) -> bool:
        """True if no claim has this id (any more): what a write about it that broke a foreign key
        ran into when a purge deleted the claim after the caller read it."""
        return not await self._engine.fetch("SELECT 1 FROM claims WHERE id = ?", (claim_id,))

    async def migrate(self) -> list[str]:
        """Apply the migrations this database has not had yet; return their versions."""
        applied: list[str] = []
        async with self._tx() as db:
            await self._engine.lock_migrations(db)
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            rows = await db.rows("SELECT version FROM schema_migrations")
            done = {row["version"] for row in rows}
            for version, sql in migrations():
                if version in done:
                    continue
                for statement in _statements(sql):
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    (version, ts(dt.datetime.now(dt.UTC))),
                )
                applied.append(version)
        return applied

    async def health(self) -> dict[str, Any]:
        async with self._read() as db:
            rows = await db.rows("SELECT max(version) AS v FROM schema_migrations")
        return {"engine": self._engine.name, "ok": True, "schema_version": rows[0]["v"]}


def _statements(sql: str) -> Iterable[str]:
    """Split a migration file into statements (no semicolons inside our DDL strings)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    for statement in "\n".join(lines).split(";"):
        if statement.strip():
            yield statement.strip()


async def _audit(
    db: Db,
    actor: str,
    action: str,
    subject: str | None,
    detail: dict[str, Any],
    at: dt.datetime,
) -> None:
    await _audit_many(db, [(actor, action, subject, detail, at)])


AuditEntry = tuple[str, str, str | None, dict[str, Any], dt.datetime]
# An audit entry's columns, in the order `audit_steps` gives their values.
INSERT_AUDIT = "INSERT INTO audit_log (id, at, actor, action, subject, detail_json)"


async def _audit_many(db: Db, entries: Sequence[AuditEntry]) -> None:
    """Audit entries as (actor, action, subject, detail, at), in one statement."""
    step = audit_steps(entries)
    await db.executemany(step.sql, step.rows)


def audit_step(
    actor: str, action: str, subject: str | None, detail: dict[str, Any], at: dt.datetime
) -> ExecuteMany:
    """A plan's audit entry."""
    return audit_steps([(actor, action, subject, detail, at)])


def audit_steps(entries: Sequence[AuditEntry]) -> ExecuteMany:
    """A plan's audit entries, as (actor, action, subject, detail, at), in one statement."""
    return ExecuteMany(
        f"{INSERT_AUDIT} VALUES (?, ?, ?, ?, ?, ?)",
        [
            (time_ordered_id(), ts(at), actor, action, subject, json.dumps(detail, sort_keys=True))
            for actor, action, subject, detail, at in entries
        ],
    )


async def _rows_in(
    db: Db,
    select: str,
    values: Sequence[str],
    *,
    params: Sequence[Any] = (),
    order: str = "",
    suffix: str = "",
) -> list[Row]:
    """`select` (ending in a column name) IN `values`, in chunks small enough for any engine."""
    rows: list[Row] = []
    for begin in range(0, len(values), IN_CHUNK):
        chunk = list(values[begin : begin + IN_CHUNK])
        marks = ",".join("?" * len(chunk))
        ordered = f" ORDER BY {order}" if order else ""
        rows.extend(await db.rows(f"{select} IN ({marks}){ordered}{suffix}", (*params, *chunk)))
    return rows
