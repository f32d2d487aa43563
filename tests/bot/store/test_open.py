"""Opening the store: a database that cannot be opened is StoreUnavailable, naming DATABASE_URL
(without its password) and the reason; one that fails after the connection is made leaves nothing open.

SQLite's connection runs on a thread of its own that is not a daemon: one left running after a
failed open keeps the process from exiting. A PostgreSQL pool left open keeps its connections.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import psycopg
import pytest

from bot.store import StoreUnavailable, open_store
from bot.store import postgres as postgres_engine
from tests.postgres import PostgresServer
from tests.smtp import free_port


def sqlite_threads() -> set[threading.Thread]:
    """aiosqlite's connection threads still running."""
    return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name and t.is_alive()}


def left_running(before: set[threading.Thread]) -> set[threading.Thread]:
    """Connection threads started since `before` that do not end (a closed connection's thread ends
    a moment after the close returns)."""
    for thread in sqlite_threads() - before:
        thread.join(timeout=5)
    return sqlite_threads() - before


def broken_schema(path: Path) -> None:
    """A SQLite file whose schema_migrations the migrations cannot read (no `version` column)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (applied_at TEXT)")
    conn.commit()
    conn.close()


async def test_a_file_that_is_not_a_database_leaves_no_connection_thread(tmp_path: Path) -> None:
    path = tmp_path / "notadb.db"
    path.write_text("# not a database\n" * 200, encoding="utf-8")
    before = sqlite_threads()
    with pytest.raises(StoreUnavailable) as caught:
        await open_store(f"sqlite:///{path}")
    assert str(caught.value) == (
        f"DATABASE_URL sqlite:///{path}: cannot open the store: DatabaseError: file is not a database"
    )
    assert not left_running(before)


async def test_a_migration_that_fails_leaves_no_connection_thread(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    broken_schema(path)
    before = sqlite_threads()
    with pytest.raises(StoreUnavailable, match="^DATABASE_URL .*OperationalError: .*version"):
        await open_store(f"sqlite:///{path}")
    assert not left_running(before)


def sessions_on(postgres: PostgresServer, database: str) -> int:
    """Client sessions open on `database`, waited for (a closed connection's server process ends a
    moment after its client has closed it)."""
    for _ in range(100):
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
            cursor = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,))
            (count,) = cursor.fetchone() or (0,)
        if count == 0:
            return 0
        time.sleep(0.05)
    return count


async def test_a_migration_that_fails_on_postgresql_closes_the_pool(postgres: PostgresServer) -> None:
    url = postgres.create_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_migrations (applied_at TEXT)")
    try:
        await open_store(url)
    except StoreUnavailable as exc:
        assert isinstance(exc.__cause__, psycopg.errors.UndefinedColumn)
        # Counted while the error is in hand, as a caller reporting it would be.
        left = sessions_on(postgres, url.rsplit("/", 1)[1])
    else:
        pytest.fail("a schema_migrations without `version` was accepted")
    assert left == 0


async def test_a_folder_that_cannot_be_made_names_database_url(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("a file where the folder should be")
    with pytest.raises(StoreUnavailable, match=f"^DATABASE_URL sqlite:///{tmp_path}/var/bot.db: "):
        await open_store(f"sqlite:///{tmp_path / 'var' / 'bot.db'}")


async def test_an_unreachable_postgresql_server_says_why_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres_engine, "OPEN_SECONDS", 0.2)
    port = free_port()  # nothing listens there
    url = f"postgresql://cpor:Pg-s3cret-pw@127.0.0.1:{port}/cpor"

    with pytest.raises(StoreUnavailable) as caught:
        await open_store(url)

    message = str(caught.value)
    assert message.startswith(
        f"DATABASE_URL postgresql://127.0.0.1:{port}/cpor as cpor (password hidden): cannot open the store: "
    )
    assert "Connection refused" in message
    assert "Pg-s3cret-pw" not in message
