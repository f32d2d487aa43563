"""A service on a PostgreSQL server of its own, which a test stops to see what an outage does."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from bot.ops.config import Settings
from tests.postgres import pg_bin, postgres_server
from tests.support import RecordingSender, quiet


@asynccontextmanager
async def service_on_own_postgresql(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], tmp_path: Path
) -> AsyncIterator[tuple[TestClient[Any, Any], Callable[[], None]]]:
    """(the service's client, a call that stops its PostgreSQL server at once, data and all)."""
    if pg_bin() is None:  # as the shared `postgres` fixture does; these tests stop a server of their own
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with ExitStack() as server:
        url = server.enter_context(postgres_server()).create_database()
        settings = Settings(
            database_url=url,
            delivery_poll_seconds=3600,
            shutdown_grace_seconds=1,
            mail_outbox_dir=str(tmp_path / "outbox"),
            link_key_file=str(tmp_path / "link-key"),
        )
        client = quiet(await aiohttp_client(create_app(settings, sender=RecordingSender())))
        yield client, server.close
