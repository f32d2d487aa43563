"""Bot Framework's OpenID signing keys, fetched off the event loop.

botbuilder keeps each OpenID metadata document (and its signing keys) in a class-level cache and
refreshes it with a blocking `requests.get` inside the request that finds it more than a day old:
the first request after start-up, then once a day, every request in flight waits for two HTTPS
round trips on the event loop. Here the keys are fetched in a worker thread at start-up and again
every 12 hours, so the SDK always finds them fresh and never fetches on the loop itself (it still
would for a key id it does not know, at most once an hour, as Microsoft rotates keys).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from botframework.connector.auth import AuthenticationConstants, ChannelValidation, GovernmentConstants
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

log = logging.getLogger(__name__)

# Where the SDK's authentication objects keep their configured metadata URLs (private attributes).
_URL_ATTRIBUTES = ("_to_bot_from_channel_open_id_metadata_url", "_to_bot_from_emulator_open_id_metadata_url")

REFRESH_EVERY_SECONDS = 12 * 3600.0  # the SDK refreshes on the loop once a document is a day old
RETRY_AFTER_SECONDS = 300.0


def metadata_urls(auth: Any) -> list[str]:
    """The OpenID metadata documents `auth` (the adapter's authentication, possibly wrapped) checks
    tokens against: the URLs it was configured with, or its cloud's built-in ones; none when it is
    neither (then the SDK is left to fetch as it does)."""
    found: list[str] = []
    node, depth = auth, 0
    while node is not None and depth < 6:  # Strict... -> Configuration... -> Parameterized/PublicCloud
        urls = [getattr(node, name, None) for name in _URL_ATTRIBUTES]
        kind = type(node).__name__
        if kind == "_PublicCloudBotFrameworkAuthentication":
            urls = [
                ChannelValidation.open_id_metadata_endpoint
                or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
                AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
            ]
        elif kind == "_GovernmentCloudBotFrameworkAuthentication":
            urls = [
                GovernmentConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
                GovernmentConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
            ]
        found += [url for url in urls if isinstance(url, str) and url and url not in found]
        node, depth = getattr(node, "_inner", None), depth + 1
    return found


def _refresh_blocking(url: str) -> None:
    """The SDK's own refresh of one document, run to completion in the calling (worker) thread."""
    metadata = JwtTokenExtractor.get_open_id_metadata(url)
    asyncio.run(metadata._refresh())  # noqa: SLF001 - the SDK has no public refresh


async def refresh(urls: Iterable[str]) -> bool:
    """Fetch every document and its keys in a worker thread; False if any fetch failed (logged)."""
    ok = True
    for url in urls:
        try:
            await asyncio.to_thread(_refresh_blocking, url)
        except Exception as exc:  # noqa: BLE001 - a network failure must not stop the service
            ok = False
            log.warning("could not fetch Bot Framework signing keys from %s: %s", url, exc)
    return ok


async def keep_fresh(urls: list[str], *, every: float = REFRESH_EVERY_SECONDS) -> None:
    """Refresh now, then every `every` seconds (sooner after a failure), until cancelled."""
    while True:
        ok = await refresh(urls)
        await asyncio.sleep(every if ok else min(every, RETRY_AFTER_SECONDS))
