"""The store every contract test runs against: a real SQLite file, then a real PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store, open_store
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
