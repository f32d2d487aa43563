"""The service's pages, served by the real app built from settings a test chooses."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from bot.ops.config import Settings
from tests.support import RecordingSender, quiet

PageClient = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def page_client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], settings: Settings
) -> PageClient:
    """A client of the app with these settings changed (`sender_name=…`, `retention_days=…`)."""

    async def make(**changes: Any) -> TestClient[Any, Any]:
        app = create_app(dataclasses.replace(settings, **changes), sender=RecordingSender())
        return quiet(await aiohttp_client(app))

    return make
