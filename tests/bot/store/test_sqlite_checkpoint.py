"""SQLite's WAL is copied into the database file in the background, on a connection of its own,
instead of by the commit that happens to leave the WAL over SQLite's 1,000 pages."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.store import sqlite as engine
from bot.store.sqlite import SqliteStore
from tests.bot.store.support import make_claim


def claims_in_the_file_alone(path: Path, copy: Path) -> int:
    """The claims the database file holds without its WAL (a copy of the file only)."""
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM claims").fetchone()[0])
        except sqlite3.OperationalError:  # no claims table in the file yet
            return 0


async def test_commits_reach_the_database_file_without_a_commit_checkpointing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "CHECKPOINT_SECONDS", 0.05)
    path = tmp_path / "bot.db"
    store = await SqliteStore.open_file(str(path))
    try:
        # A commit checkpoints only far past what these few leave in the WAL.
        async with store._tx() as db:  # type: ignore[attr-defined]  # noqa: SLF001 - the engine's setting
            (row,) = await db.rows("PRAGMA wal_autocheckpoint")
        assert next(iter(row.values())) == engine.AUTOCHECKPOINT_PAGES
        partner = await store.create_partner("Contoso Partners")
        for n in range(20):
            await store.create_claim(make_claim(partner.id, f"claim-{n}"))
        deadline = asyncio.get_running_loop().time() + 10
        while claims_in_the_file_alone(path, tmp_path / "copy.db") < 20:
            assert asyncio.get_running_loop().time() < deadline, "the WAL was not checkpointed"
            await asyncio.sleep(0.05)
        assert len(await store.list_claims(partner.id, limit=50)) == 20
    finally:
        await store.close()
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "sqlite-checkpoint"]
    # The last connection to close checkpoints the rest and removes the WAL.
    assert not await asyncio.to_thread(Path(f"{path}-wal").exists)


async def test_an_in_memory_store_has_no_checkpointer() -> None:
    store = await SqliteStore.open_file(":memory:")
    try:
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "sqlite-checkpoint"]
        partner = await store.create_partner("Contoso Partners")
        assert await store.get_partner(partner.id) == partner
    finally:
        await store.close()
