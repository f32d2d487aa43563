"""What a database holds, read without changing it: which migrations have run, against those the
code ships. For `cpor-bot doctor`, which must not migrate (the service does that when it starts).

SQLite is opened read-only (a missing file is reported, not created); PostgreSQL is asked in a
read-only session. Errors come back as `StoreUnreachable`, whose message never holds the password.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import psycopg

from bot.store.sql.base import migrations

SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
# Connection parameters libpq accepts in the query string that are secret.
_SECRET_PARAMS = frozenset({"password", "sslpassword"})
_MASK = "***"


class StoreUnreachable(Exception):
    """The database could not be read. The message names the error class and a short reason,
    and never the password."""


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """The migrations a database has had (`applied`) and those the code ships (`shipped`)."""

    engine: str  # "sqlite" or "postgresql"
    exists: bool  # False: no SQLite file yet (the service creates it when it starts)
    migrated: bool  # False: no schema_migrations table yet (an empty database)
    applied: tuple[str, ...]
    shipped: tuple[str, ...]

    @property
    def pending(self) -> tuple[str, ...]:
        """Shipped versions this database has not had: the service applies them when it starts."""
        done = set(self.applied)
        return tuple(v for v in self.shipped if v not in done)

    @property
    def unknown(self) -> tuple[str, ...]:
        """Applied versions this code does not ship: a newer version of the service ran here."""
        known = set(self.shipped)
        return tuple(v for v in self.applied if v not in known)

    @property
    def version(self) -> str | None:
        """The newest applied version, or None."""
        return max(self.applied, default=None)


def shipped_versions() -> tuple[str, ...]:
    return tuple(version for version, _ in migrations())


def display_url(database_url: str) -> str:
    """`database_url` fit to show: the server and database as a URL without its user part, then the
    user ("as cpor") and whether a password was given; any password in the query replaced by ***.
    Never "user:***@host" nor "user@host": the log scrubber (bot.ops.logs) takes those for an email
    address and hides the host."""
    if not database_url.startswith(POSTGRES_PREFIXES):
        return database_url
    try:
        parts = urlsplit(database_url)
    except ValueError:  # "Invalid IPv6 URL": Settings.from_env refuses it; shown, it is no traceback
        return f"{database_url.split(':', 1)[0]}://(a URL that cannot be read)"
    host, user, password = parts.netloc, "", False
    if "@" in host:
        # The host is after the last "@": a password may hold "@" when it is not percent-encoded.
        userinfo, host = host.rsplit("@", 1)
        user, colon, _ = userinfo.partition(":")
        password = bool(colon)
    query = urlencode(
        [(k, _MASK if k.lower() in _SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, True)],
        safe="*",
    )
    shown = urlunsplit((parts.scheme, host, parts.path, query, parts.fragment))
    return shown + (f" as {user}" if user else "") + (" (password hidden)" if password else "")


def database_secrets(database_url: str) -> list[str]:
    """The password(s) `database_url` carries, as written and percent-decoded."""
    if not database_url.startswith(POSTGRES_PREFIXES):
        return []
    try:
        parts = urlsplit(database_url)
    except ValueError:
        return []
    found: list[str] = []
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
    found += [v for k, v in parse_qsl(parts.query, True) if k.lower() in _SECRET_PARAMS]
    found += [unquote(secret) for secret in found]
    return [secret for secret in dict.fromkeys(found) if secret]


def without_secrets(text: str, database_url: str) -> str:
    """`text` (a connection error's message) with every password of `database_url` replaced by ***
    where it stands as a whole token (see `without_tokens`). A password that is also the user, host or
    database name is left: it is not clearly the password there, and those are shown anyway."""
    return without_tokens(text, set(database_secrets(database_url)) - _named_parts(database_url))


def _named_parts(database_url: str) -> set[str]:
    """The user, host and database names `database_url` shows (`display_url` keeps them)."""
    try:
        parts = urlsplit(database_url)
        named = {parts.username, parts.hostname, unquote(parts.path.lstrip("/"))}
    except ValueError:
        return set()
    return {name for name in named if name}


def without_tokens(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets` replaced by *** where it stands whole: not where it is part of a
    longer word. A short secret ("ost", "p") is never cut out of other words ("postgresql",
    "MicrosoftAppId"), which would garble the text and tell the secret to whoever compares the two."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = re.sub(rf"(?<![\w%]){re.escape(secret)}(?![\w%])", _MASK, text)
    return text


def failure_reason(exc: BaseException, database_url: str) -> str:
    """The error's class and first line, without the database's password."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    # libpq: "connection failed: connection to server at "h", port 5432 failed: <cause>", then hints.
    reason = lines[0].removeprefix("connection failed: ") if lines else "no reason given"
    return f"{type(exc).__name__}: {without_secrets(reason[:300], database_url)}"


async def schema_status(database_url: str) -> SchemaStatus:
    """The migrations `database_url` has had, read without migrating; StoreUnreachable when the
    database cannot be read, ValueError for a URL of another kind. The caller bounds the wait
    (`asyncio.timeout`): a connection attempt is cancelled with it."""
    try:
        if database_url.startswith(SQLITE_PREFIX):
            path = Path(database_url.removeprefix(SQLITE_PREFIX))
            exists, applied = await asyncio.to_thread(_sqlite_applied, path)
            engine = "sqlite"
        elif database_url.startswith(POSTGRES_PREFIXES):
            if urlsplit(database_url).netloc.count("@") > 1:
                # libpq ends the password at the first "@" and takes the rest for the host name: it
                # would connect elsewhere and show part of the password in its error.
                raise StoreUnreachable(
                    "DATABASE_URL: the user name or password holds an '@': percent-encode it as %40"
                )
            exists, applied = True, await _postgres_applied(database_url)
            engine = "postgresql"
        else:
            raise ValueError(f"not a database URL this service knows: {display_url(database_url)}")
    except (sqlite3.Error, psycopg.Error, OSError) as exc:
        raise StoreUnreachable(failure_reason(exc, database_url)) from None
    return SchemaStatus(
        engine=engine,
        exists=exists,
        migrated=applied is not None,
        applied=tuple(sorted(applied or ())),
        shipped=shipped_versions(),
    )


def _sqlite_applied(path: Path) -> tuple[bool, list[str] | None]:
    """Whether the SQLite file at `path` exists, and its applied versions (None: no schema_migrations)."""
    if str(path) == ":memory:" or not path.exists():
        return False, None
    # mode=ro: the file is never created, written or migrated from here. The service's busy timeout.
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    try:
        if not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ).fetchone():
            return True, None
        return True, [str(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")]
    finally:
        conn.close()


async def _postgres_applied(database_url: str) -> list[str] | None:
    """The applied versions in the PostgreSQL database; None when it has no schema_migrations."""
    conn = await psycopg.AsyncConnection.connect(database_url, autocommit=True)
    try:
        await conn.execute("SET default_transaction_read_only = on")
        cursor = await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
        row = await cursor.fetchone()
        if not row or not row[0]:
            return None
        cursor = await conn.execute("SELECT version FROM schema_migrations")
        return [str(version) for (version,) in await cursor.fetchall()]
    finally:
        await conn.close()
