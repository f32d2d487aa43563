"""Bot Framework's signing keys are fetched at start-up in a worker thread, never on the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from botframework.connector.auth import AuthenticationConstants
from botframework.connector.auth import jwt_token_extractor as sdk
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from app import create_app
from bot.ops.config import Settings
from bot.teams import openid as keys
from bot.teams.adapter import StrictAuthentication, create_adapter
from tests.bot.teams.test_auth import APP_ID, APP_TENANT_ID, OpenIdServer, local_auth


def test_the_urls_are_the_configured_ones(openid: OpenIdServer) -> None:
    urls = keys.metadata_urls(StrictAuthentication(local_auth(openid.base), required=True))
    assert len(urls) == 2 and all(url.startswith(openid.base) for url in urls)
    assert urls[0].endswith("/metadata") and urls[1].endswith("/emulator/metadata")


def test_the_public_cloud_uses_microsofts_documents() -> None:
    adapter = create_adapter(Settings(app_id=APP_ID, app_password="x", app_tenant_id=APP_TENANT_ID))
    assert keys.metadata_urls(adapter.bot_framework_authentication) == [
        AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
        AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
    ]
    assert keys.metadata_urls(object()) == []  # unknown: left to the SDK


async def test_keys_are_fetched_in_a_worker_thread(
    openid: OpenIdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    real_get = sdk.requests.get

    def recording_get(url: str, *args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        return real_get(url, *args, **kwargs)

    monkeypatch.setattr(sdk.requests, "get", recording_get)
    urls = keys.metadata_urls(local_auth(openid.base))
    assert await keys.refresh(urls)
    for url in urls:
        metadata = JwtTokenExtractor.get_open_id_metadata(url)
        assert {key["kid"] for key in metadata.keys} == {"endorsed-key", "webchat-only-key"}
    assert threads and threading.get_ident() not in threads  # two fetches per document, none on the loop


async def test_a_fetch_that_fails_is_logged_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    assert not await keys.refresh(["http://127.0.0.1:9/metadata"])  # nothing listens on port 9
    assert "could not fetch Bot Framework signing keys" in caplog.text


async def test_the_service_fetches_the_keys_when_it_starts(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    tmp_path: Path,
    openid: OpenIdServer,
) -> None:
    auth = local_auth(openid.base)
    settings = Settings(
        app_id=APP_ID,
        app_password="x",
        app_tenant_id=APP_TENANT_ID,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        delivery_poll_seconds=3600,
    )
    client = await aiohttp_client(create_app(settings, bot_auth=auth))
    metadata = JwtTokenExtractor.get_open_id_metadata(keys.metadata_urls(auth)[0])
    async with asyncio.timeout(10):  # no request has come in: the start-up fetched them
        while not metadata.keys:  # noqa: ASYNC110 - the SDK's cache has no event to wait on
            await asyncio.sleep(0.02)
    await client.close()
