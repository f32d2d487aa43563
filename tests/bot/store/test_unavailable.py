"""A SQLite file that cannot be opened or read is StoreUnavailable (the store's "the database does
not answer"); a statement's own error stays what it is. PostgreSQL's outage: tests/bot/ops/test_outage.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import StoreUnavailable
from bot.store.sqlite import SqliteEngine


async def test_a_sqlite_file_that_cannot_be_opened_is_store_unavailable(tmp_path: Path) -> None:
    engine = await SqliteEngine.connect(str(tmp_path / "bot.db"))
    missing = str(tmp_path / "no-such-folder" / "other.db")
    try:
        with pytest.raises(StoreUnavailable, match="^the database is not answering: .*unable to open"):
            await engine.fetch("ATTACH DATABASE ? AS other", (missing,))
        with pytest.raises(StoreUnavailable, match="unable to open"):
            async with engine.reader() as db:
                await db.rows("ATTACH DATABASE ? AS other", (missing,))
        with pytest.raises(sqlite3.OperationalError, match="no such table"):  # not an outage
            await engine.fetch("SELECT * FROM no_such_table")
        assert await engine.fetch("SELECT 1 AS one") == [{"one": 1}]  # and the store still answers
    finally:
        await engine.close()
