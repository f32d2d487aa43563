"""Proactive sends to the Bot Connector: one HTTP session for every card, the SDK's credentials for
the token.

The SDK's way (`continue_conversation`, then `send_activity`) builds two msrest clients for every
message and sends through `requests` in a thread pool: about 4 ms of CPU and a handful of sends in
flight at once. Here each card is one aiohttp request on a shared session, with the same body the
SDK would post and the same token: the credentials come from the adapter's own
`BotFrameworkAuthentication`, so app id, password, certificate or managed identity and sovereign
clouds work as they do for the SDK.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson
from botbuilder.integration.aiohttp import CloudAdapter
from yarl import URL

from bot import __version__
from bot.delivery.sending import EncodedCard, SendFailure

log = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
USER_AGENT = f"Microsoft-BotFramework/3.1 cpor-bot/{__version__}"
# Well under the delivery lease (minutes), so a hung connection never outlives its lease.
SEND_TIMEOUT_SECONDS = 30.0
# MSAL hands out a token only while it has at least five minutes left; asking again every minute
# keeps a cached header fresh without a thread hop per message.
TOKEN_REUSE_SECONDS = 60.0
MAX_CONNECTIONS = 256


def card_message(reference: dict[str, Any], card: EncodedCard) -> dict[str, Any]:
    """The activity `send_activity(MessageFactory.attachment(...))` would post for this reference,
    the card in it as written (orjson writes the fragment into the body as it is)."""
    message: dict[str, Any] = {
        "type": "message",
        "serviceUrl": reference["serviceUrl"],
        "channelId": reference["channelId"],
        "from": reference["bot"],
        "conversation": reference["conversation"],
        "recipient": reference["user"],
        "attachmentLayout": "list",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": orjson.Fragment(card.json)}],
    }
    if reference.get("locale"):
        message["locale"] = reference["locale"]
    if card.fallback_text:
        message["summary"] = card.fallback_text
    return message


class ConnectorCardSender:
    """Posts and updates cards; one instance per process, closed when the service stops."""

    def __init__(self, adapter: CloudAdapter, app_id: str, *, timeout: float = SEND_TIMEOUT_SECONDS) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._tokens: dict[str, tuple[str | None, float]] = {}
        self._credentials: dict[str, Any] = {}
        self._token_locks: dict[str, asyncio.Lock] = {}

    async def send_card(self, reference: dict[str, Any], card: EncodedCard) -> str | None:
        conversation = quote(reference["conversation"]["id"], safe="")
        answer = await self._call("POST", reference, f"v3/conversations/{conversation}/activities", card)
        activity_id = answer.get("id")
        return str(activity_id) if activity_id else None

    async def update_card(self, reference: dict[str, Any], activity_id: str, card: EncodedCard) -> None:
        conversation = quote(reference["conversation"]["id"], safe="")
        path = f"v3/conversations/{conversation}/activities/{quote(activity_id, safe='')}"
        await self._call("PUT", reference, path, card, activity_id=activity_id)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(
        self,
        method: str,
        reference: dict[str, Any],
        path: str,
        card: EncodedCard,
        *,
        activity_id: str | None = None,
    ) -> dict[str, Any]:
        service_url = str(reference["serviceUrl"])
        body = card_message(reference, card)
        if activity_id is not None:
            body["id"] = activity_id
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
        authorization = await self._authorization(service_url)
        if authorization:
            headers["Authorization"] = authorization
        url = URL(service_url.rstrip("/") + "/" + path, encoded=True)
        data = orjson.dumps(body)
        try:
            async with self._http().request(method, url, data=data, headers=headers) as response:
                payload = await response.read()
                if response.status >= 400:
                    if response.status == 401:
                        self._tokens.pop(service_url, None)  # ask for a fresh one next time
                    raise _failure(response.status, payload, response.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SendFailure(None, type(exc).__name__) from exc
        try:
            answer = orjson.loads(payload) if payload else {}
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {}

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS)
            )
        return self._session

    async def _authorization(self, service_url: str) -> str | None:
        """The Authorization header the SDK would send to this service URL (None when anonymous)."""
        cached = self._tokens.get(service_url)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        # One caller fetches; the others in flight wait for it instead of all asking MSAL at once.
        lock = self._token_locks.setdefault(service_url, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(service_url)
            if cached is not None and cached[1] > time.monotonic():
                return cached[0]
            credentials = await self._credentials_for(service_url)
            # The SDK's credentials fetch tokens with blocking HTTP (MSAL): keep that off the loop.
            header = await asyncio.to_thread(_signed_header, credentials)
            self._tokens[service_url] = (header, time.monotonic() + TOKEN_REUSE_SECONDS)
            return header

    async def _credentials_for(self, service_url: str) -> Any:
        credentials = self._credentials.get(service_url)
        if credentials is None:
            identity = self._adapter.create_claims_identity(self._app_id)
            factory = self._adapter.bot_framework_authentication.create_connector_factory(identity)
            client = await factory.create(service_url, None)
            credentials = client.config.credentials
            self._credentials[service_url] = credentials
        return credentials


def _signed_header(credentials: Any) -> str | None:
    """The header the SDK's msrest pipeline would add (it signs a requests session the same way)."""
    if credentials is None:
        return None
    session = credentials.signed_session()
    try:
        header = session.headers.get("Authorization")
    finally:
        session.close()
    return str(header) if header else None


def _failure(status: int, payload: bytes, retry_after_header: str | None) -> SendFailure:
    code = ""
    try:
        error = json.loads(payload).get("error") or {}
        code = str(error.get("code") or "")
    except (ValueError, AttributeError):
        pass
    retry_after: float | None = None
    if retry_after_header is not None:
        try:
            retry_after = float(retry_after_header)
        except ValueError:
            retry_after = None
    return SendFailure(status, code, retry_after)
