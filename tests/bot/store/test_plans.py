"""Transactions written as plans (generators of statements) run whole or not at all, on SQLite in one
hand-off to its connection's thread and on PostgreSQL a statement at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any, cast

import pytest

from bot.store import Store
from bot.store.postgres import PostgresEngine
from bot.store.sql import SqlStore
from bot.store.sql.base import Execute, ExecuteMany, Fetch, Plan, audit_step
from bot.store.sqlite import SqliteStore
from tests.bot.store.conftest import OtherConnection, SqliteConnection

NOW = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
SEEN = NOW.isoformat()
INSERT_WORKER = "INSERT INTO delivery_workers (owner, seen_at) VALUES (?, ?)"


class PlanFailed(Exception):
    pass


def run(store: Store, plan: Plan[Any]) -> Any:
    return cast(SqlStore, store)._engine.run(plan)  # noqa: SLF001 - the engine under test


def add_workers(*owners: str) -> Plan[list[str]]:
    yield ExecuteMany(
        INSERT_WORKER,
        [(owner, SEEN) for owner in owners],
    )
    changed = yield Execute("UPDATE delivery_workers SET seen_at = ? WHERE owner = ?", (SEEN, owners[0]))
    assert changed == 1
    rows = yield Fetch("SELECT owner FROM delivery_workers ORDER BY owner")
    return [row["owner"] for row in rows]


async def owners(store: Store) -> list[str]:
    def read() -> Plan[list[str]]:
        rows = yield Fetch("SELECT owner FROM delivery_workers ORDER BY owner")
        return [row["owner"] for row in rows]

    return cast(list[str], await run(store, read()))


async def test_a_plan_runs_its_statements_in_order_and_returns_its_result(
    store_and_other: tuple[Store, OtherConnection],
) -> None:
    store, _ = store_and_other
    assert await run(store, add_workers("a", "b")) == ["a", "b"]
    assert await owners(store) == ["a", "b"]


async def test_a_plan_that_raises_keeps_nothing(store_and_other: tuple[Store, OtherConnection]) -> None:
    store, other = store_and_other

    def write_then_fail() -> Plan[None]:
        yield ExecuteMany(INSERT_WORKER, [("ghost", SEEN)])
        yield audit_step("test", "test.ghost", None, {}, NOW)
        raise PlanFailed

    with pytest.raises(PlanFailed):
        await run(store, write_then_fail())
    assert await owners(store) == []
    assert await store.audit_entries("ghost") == []
    assert await other.open_transactions() == 0
    assert await run(store, add_workers("next")) == ["next"]  # the connection is free again


async def test_a_failed_statement_is_thrown_into_the_plan_where_it_stood(
    store_and_other: tuple[Store, OtherConnection],
) -> None:
    store, other = store_and_other
    await run(store, add_workers("a"))
    seen: list[BaseException] = []

    def insert_twice() -> Plan[None]:
        yield Execute(INSERT_WORKER, ("b", SEEN))
        try:
            yield Execute(INSERT_WORKER, ("a", SEEN))
        except Exception as exc:
            seen.append(exc)
            raise PlanFailed from exc

    with pytest.raises(PlanFailed):
        await run(store, insert_twice())
    engine = cast(SqlStore, store)._engine  # noqa: SLF001 - its own error types
    assert len(seen) == 1 and isinstance(seen[0], engine.integrity_errors)
    assert await owners(store) == ["a"]  # "b", written before the failure, is rolled back
    assert await other.open_transactions() == 0


async def test_a_plan_whose_caller_is_cancelled_is_all_or_nothing_and_frees_the_connection(
    store_and_other: tuple[Store, OtherConnection],
) -> None:
    store, other = store_and_other
    await other.hold()  # the plan's BEGIN (SQLite) or its first statement's lock (PostgreSQL) waits
    lock_sql = (
        "SELECT pg_advisory_xact_lock(7470002)"  # WORKERS_LOCK, which the other connection holds
        if cast(SqlStore, store)._engine.name == "postgresql"  # noqa: SLF001
        else "SELECT 1"
    )

    def locked_write() -> Plan[list[str]]:
        yield Fetch(lock_sql)
        return (yield from add_workers("x", "y"))

    task = asyncio.create_task(run(store, locked_write()))
    done, _ = await asyncio.wait({task}, timeout=0.2)
    assert not done
    task.cancel()
    await other.release()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Either both rows (SQLite: handed off, it ran to its COMMIT) or neither (PostgreSQL: rolled back).
    assert await owners(store) in ([], ["x", "y"])
    assert await run(store, add_workers("z")) in (["z"], ["x", "y", "z"])
    assert await other.open_transactions() == 0


async def test_a_plan_on_sqlite_is_one_hand_off_to_its_thread(tmp_path: Path) -> None:
    """The point of a plan: a transaction of several statements crosses to SQLite's thread once."""
    store = await SqliteStore.open_file(str(tmp_path / "plans.db"))
    try:
        conn = cast(Any, store)._engine._conn  # noqa: SLF001 - counting what goes on its thread's queue
        queue = conn._tx
        hand_offs = 0

        class Counted:
            def put_nowait(self, item: Any) -> None:
                nonlocal hand_offs
                hand_offs += 1
                queue.put_nowait(item)

        conn._tx = Counted()
        try:
            assert await run(store, add_workers("a", "b", "c")) == ["a", "b", "c"]
        finally:
            conn._tx = queue
        assert hand_offs == 1
    finally:
        await store.close()


async def test_on_sqlite_what_is_asked_after_a_queued_plan_runs_after_it_and_sees_it(tmp_path: Path) -> None:
    """A plan holds the connection only until it is queued on SQLite's thread; what comes after it
    (a query, a multi-statement transaction) queues behind it, so it still runs after it."""
    path = tmp_path / "queued.db"
    store = await SqliteStore.open_file(str(path))
    other = SqliteConnection(path)
    try:
        await other.hold()  # the plan's BEGIN waits on SQLite's thread for this lock
        engine = cast(SqlStore, store)._engine  # noqa: SLF001 - the engine under test
        write = asyncio.create_task(engine.run(add_workers("a", "b")))
        read = asyncio.create_task(owners(store))
        beat = asyncio.create_task(store.worker_heartbeat("c", NOW, alive_within=dt.timedelta(days=1)))
        done, _ = await asyncio.wait({write, read, beat}, timeout=0.2)
        assert not done
        await other.release()
        assert await write == ["a", "b"]
        assert await read == ["a", "b"]  # asked after the write: sees it
        assert await beat == 3  # a transaction of several awaits, begun after the plan committed
    finally:
        await other.close()
        await store.close()


async def test_on_postgresql_a_single_statement_leaves_its_connection_transactional(postgres: Any) -> None:
    """Single statements run in autocommit (one round trip); the connection goes back to the pool
    transactional, also when the statement was cut off, so a later plan is still all or nothing."""
    engine = await PostgresEngine.connect(postgres.create_database(), max_size=1)  # one connection, reused
    try:
        store = await SqlStore.open(engine)
        assert await engine.fetch("SELECT 1 AS one") == [{"one": 1}]
        assert await engine.statement("UPDATE delivery_workers SET seen_at = seen_at") == []
        cut_off = asyncio.create_task(engine.fetch("SELECT pg_sleep(5)"))
        await asyncio.sleep(0.2)
        cut_off.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cut_off

        def write_then_fail() -> Plan[None]:
            yield ExecuteMany(INSERT_WORKER, [("ghost", SEEN)])
            raise PlanFailed

        with pytest.raises(PlanFailed):
            await engine.run(write_then_fail())
        assert await owners(store) == []
        assert await engine.run(add_workers("a")) == ["a"]
    finally:
        await engine.close()
