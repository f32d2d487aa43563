"""Reading a database's migrations without migrating it: a real SQLite file, a real PostgreSQL
server, and a closed port for a database that does not answer."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import psycopg
import pytest

from bot.store.postgres import open_postgres
from bot.store.sql import migrations
from bot.store.sqlite import SqliteStore
from bot.store.status import (
    StoreUnreachable,
    database_secrets,
    display_url,
    schema_status,
    without_secrets,
)
from tests.postgres import PostgresServer
from tests.smtp import free_port

SHIPPED = tuple(version for version, _ in migrations())
DB_PASSWORD = "pg-Secret-4711"


async def migrated_file(path: Path) -> Path:
    store = await SqliteStore.open_file(str(path))
    await store.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_migrated_sqlite_file_is_current_and_is_not_written(tmp_path: Path) -> None:
    path = await migrated_file(tmp_path / "bot.db")
    before = digest(path)

    status = await schema_status(f"sqlite:///{path}")

    assert (status.engine, status.exists, status.migrated) == ("sqlite", True, True)
    assert status.applied == SHIPPED == status.shipped
    assert status.pending == () and status.unknown == ()
    assert status.version == SHIPPED[-1]
    assert digest(path) == before


async def test_a_missing_sqlite_file_is_reported_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "bot.db"

    status = await schema_status(f"sqlite:///{path}")

    assert (status.exists, status.migrated, status.applied) == (False, False, ())
    assert status.pending == SHIPPED
    assert not path.parent.exists()


async def test_an_sqlite_file_without_the_newest_migration_is_behind(tmp_path: Path) -> None:
    path = await migrated_file(tmp_path / "bot.db")
    with sqlite3.connect(path) as raw:
        raw.execute("DELETE FROM schema_migrations WHERE version = ?", (SHIPPED[-1],))

    status = await schema_status(f"sqlite:///{path}")

    assert status.pending == (SHIPPED[-1],)
    assert status.version == SHIPPED[-2]


async def test_a_version_this_code_does_not_ship_is_unknown(tmp_path: Path) -> None:
    path = await migrated_file(tmp_path / "bot.db")
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ('9001', '2027-01-01')")

    status = await schema_status(f"sqlite:///{path}")

    assert status.unknown == ("9001",)
    assert status.pending == ()
    assert status.version == "9001"


async def test_an_empty_sqlite_file_has_no_schema_yet(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()

    status = await schema_status(f"sqlite:///{path}")

    assert (status.exists, status.migrated) == (True, False)
    assert status.pending == SHIPPED


async def test_a_file_that_is_not_a_database_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just text that is long enough to have a header " * 4)

    with pytest.raises(StoreUnreachable, match="DatabaseError"):
        await schema_status(f"sqlite:///{path}")


async def test_a_closed_postgresql_port_is_unreachable_and_the_password_stays_out() -> None:
    url = f"postgresql://cpor:{DB_PASSWORD}@127.0.0.1:{free_port()}/cpor"

    with pytest.raises(StoreUnreachable) as caught:
        await schema_status(url)

    message = str(caught.value)
    assert message.startswith("OperationalError: ")
    assert "127.0.0.1" in message
    assert DB_PASSWORD not in message


async def test_an_unencoded_at_sign_in_the_password_is_refused_before_connecting() -> None:
    url = f"postgresql://cpor:pass@Zq9{DB_PASSWORD}@127.0.0.1:{free_port()}/cpor"

    with pytest.raises(StoreUnreachable, match="percent-encode it as %40") as caught:
        await schema_status(url)

    assert "Zq9" not in str(caught.value)


def test_a_url_for_display_masks_every_password() -> None:
    assert display_url("postgresql://cpor:p%40ss@db.internal:5432/cpor") == (
        "postgresql://db.internal:5432/cpor as cpor (password hidden)"
    )
    # Not percent-encoded: the host is after the last "@".
    assert display_url("postgresql://cpor:p@ss@db.internal/cpor") == (
        "postgresql://db.internal/cpor as cpor (password hidden)"
    )
    assert display_url("postgres://db.internal/cpor?user=cpor&password=zz&sslmode=require") == (
        "postgres://db.internal/cpor?user=cpor&password=***&sslmode=require"
    )
    assert display_url("postgresql://cpor@db.internal/cpor") == "postgresql://db.internal/cpor as cpor"
    assert display_url("sqlite:///var/cpor-bot.db") == "sqlite:///var/cpor-bot.db"


def test_every_form_of_a_password_is_masked_in_text() -> None:
    url = "postgresql://cpor:p%40ss@db.internal/cpor?sslpassword=key-pass"
    assert set(database_secrets(url)) == {"p%40ss", "p@ss", "key-pass"}
    assert without_secrets("auth p@ss and p%40ss, key key-pass", url) == "auth *** and ***, key ***"
    assert database_secrets("sqlite:///var/cpor-bot.db") == []


@pytest.mark.parametrize("password", ["ost", "p", "cpor"])
def test_a_short_password_is_masked_only_where_it_stands_whole(password: str) -> None:
    # Before: replaced wherever its text occurred, "p***gresql", "MicrosoftA******Id".
    url = f"postgresql://cpor:{password}@db.internal/cpor"
    text = 'PostgreSQL at postgresql://db.internal/cpor: MicrosoftAppId, openssl, user "cpor" failed'
    assert without_secrets(text, url) == text
    if password != "cpor":  # the user's name too: not clearly the password, and shown anyway
        assert without_secrets(f'the password "{password}" is wrong', url) == 'the password "***" is wrong'


def _with_password(url: str, server: PostgresServer) -> str:
    return url.replace(f"//{server.user}@", f"//{server.user}:{DB_PASSWORD}@", 1)


async def test_a_postgresql_database_is_read_without_migrating(postgres: PostgresServer) -> None:
    # The test server trusts loopback, so a password in the URL is accepted and not needed.
    url = _with_password(postgres.create_database(), postgres)

    fresh = await schema_status(url)
    assert (fresh.engine, fresh.exists, fresh.migrated) == ("postgresql", True, False)
    assert (await schema_status(url)).migrated is False  # still nothing created

    store = await open_postgres(url)
    await store.close()
    current = await schema_status(url)
    assert current.applied == SHIPPED
    assert current.pending == () and current.unknown == ()


async def test_a_postgresql_database_behind_the_code_names_the_pending_version(
    postgres: PostgresServer,
) -> None:
    url = postgres.create_database()
    store = await open_postgres(url)
    await store.close()
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("DELETE FROM schema_migrations WHERE version = %s", (SHIPPED[-1],))

    assert (await schema_status(url)).pending == (SHIPPED[-1],)


async def test_an_unknown_postgresql_database_is_unreachable_without_its_password(
    postgres: PostgresServer,
) -> None:
    url = _with_password(postgres.url("no_such_database"), postgres)

    with pytest.raises(StoreUnreachable) as caught:
        await schema_status(url)

    assert "no_such_database" in str(caught.value)
    assert DB_PASSWORD not in str(caught.value)
