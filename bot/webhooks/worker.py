"""Partner webhooks: every customer response is POSTed to the partner, signed, retried, logged.

Signature: `X-CPOR-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with the Unix
time in `X-CPOR-Timestamp`. A receiver recomputes it over the raw body and refuses timestamps
outside its replay window (`verify` below is the reference implementation). `X-CPOR-Event-Id` is
stable across retries, so a receiver can drop duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import random
import secrets
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.ops.metrics import Metrics
from bot.ops.polling import Poller
from bot.store import DeliveryStatus, Response, Store, WebhookEvent

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-CPOR-Signature"
TIMESTAMP_HEADER = "X-CPOR-Timestamp"
EVENT_ID_HEADER = "X-CPOR-Event-Id"
REPLAY_WINDOW = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10.0
LEASE_FOR = dt.timedelta(minutes=2)
BATCH = 20


class WebhookUrlError(ValueError):
    """A URL the service will not POST customer data to."""


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: dt.datetime | None = None,
    window: dt.timedelta = REPLAY_WINDOW,
) -> bool:
    """True if `signature` is ours for this body and the timestamp is inside the replay window."""
    if not timestamp.isdigit():
        return False
    now = now or dt.datetime.now(dt.UTC)
    sent = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
    if abs(now - sent) > window:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


def check_url(url: str, *, allow_loopback: bool) -> str:
    """The URL if it is a place we may send customer responses to, else WebhookUrlError.

    https only, and never to private, link-local or loopback addresses written as IP literals
    (loopback http is allowed only when the operator says so, for local development and tests).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    loopback = host == "localhost" or (address is not None and address.is_loopback)
    if loopback:
        if not allow_loopback:
            raise WebhookUrlError("must not point at this machine")
        if parts.scheme not in ("http", "https"):
            raise WebhookUrlError("must be an http(s) URL")
        return url
    if parts.scheme != "https" or not host:
        raise WebhookUrlError("must be an https:// URL")
    if address is not None and (address.is_private or address.is_link_local or address.is_reserved):
        raise WebhookUrlError("must not point at a private or link-local address")
    if parts.username or parts.password:
        raise WebhookUrlError("must not carry credentials")
    return url


def response_event(response: Response, claim_status: str, customer_name: str) -> dict[str, Any]:
    """The JSON body partners receive for a customer response."""
    return {
        "type": "customer.response",
        "claim_id": response.claim_id,
        "claim": {"status": claim_status, "customer_name": customer_name},
        "response": {
            "id": response.id,
            "kind": response.kind,
            "user_name": response.user_name,
            "contact_id": response.contact_id,
            "channel": response.channel,
            "text": response.text,
            "created_at": response.created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        },
    }


def backoff(attempt: int) -> dt.timedelta:
    """10 s, 20 s, 40 s … capped at an hour, with jitter."""
    base = min(10.0 * 2 ** (attempt - 1), 3600.0)
    return dt.timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security


class WebhookWorker:
    """Delivers queued webhook events. One per process; `wake()` to look now."""

    def __init__(
        self,
        store: Store,
        *,
        poll_seconds: float,
        session: aiohttp.ClientSession | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._store = store
        self._owner = f"webhooks-{uuid.uuid4().hex[:12]}"
        self._poller = Poller("webhook", poll_seconds)
        self._session = session

    def wake(self) -> None:
        self._poller.wake()

    def stop(self) -> None:
        self._poller.stop()

    async def run(self) -> None:
        await self._poller.run(self.run_once)

    async def run_once(self) -> int:
        leased = await self._store.lease_webhook_events(
            self._owner, dt.datetime.now(dt.UTC), LEASE_FOR, BATCH
        )
        if not leased:
            return 0
        session = self._session or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS))
        try:
            for event, hook in leased:
                await self._post(session, event, hook.url, hook.secret)
        finally:
            if self._session is None:
                await session.close()
        return len(leased)

    async def _post(self, session: aiohttp.ClientSession, event: WebhookEvent, url: str, secret: str) -> None:
        body = json.dumps({"id": event.id, **event.payload}, separators=(",", ":")).encode()
        timestamp = int(dt.datetime.now(dt.UTC).timestamp())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, body),
            EVENT_ID_HEADER: event.id,
            "User-Agent": "cpor-bot-webhooks",
        }
        status: int | None = None
        error: str | None = None
        try:
            async with session.post(url, data=body, headers=headers, allow_redirects=False) as reply:
                status = reply.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = type(exc).__name__
        now = dt.datetime.now(dt.UTC)
        if status is not None and 200 <= status < 300:
            await self._store.finish_webhook_event(
                event.id, self._owner, status=DeliveryStatus.SENT, at=now, status_code=status
            )
            self._metrics.webhooks.labels(outcome="sent").inc()
            return
        retryable = status is None or status in (408, 425, 429) or status >= 500
        reason = error or f"HTTP {status}"
        outcome = "retry" if retryable and event.attempts < MAX_ATTEMPTS else "failed"
        self._metrics.webhooks.labels(outcome=outcome).inc()
        if outcome == "retry":
            await self._store.finish_webhook_event(
                event.id,
                self._owner,
                status=DeliveryStatus.QUEUED,
                at=now,
                status_code=status,
                error=f"attempt {event.attempts}: {reason}; will retry",
                retry_at=now + backoff(event.attempts),
            )
            return
        await self._store.finish_webhook_event(
            event.id,
            self._owner,
            status=DeliveryStatus.FAILED,
            at=now,
            status_code=status,
            error=f"gave up after {event.attempts} attempt(s): {reason}",
        )
        log.warning("webhook event %s failed: %s", event.id, reason)


class PartnerNotifier:
    """Tells the partner about each new customer response: a webhook event, and a Teams message
    to every partner user who linked their Teams chat to the partner."""

    def __init__(
        self, store: Store, wake: Callable[[], None], wake_teams: Callable[[], None] | None = None
    ) -> None:
        self._store = store
        self._wake = wake
        self._wake_teams = wake_teams or (lambda: None)

    async def __call__(self, response: Response) -> None:
        claim = await self._store.get_claim(response.claim_id)
        if claim is None:
            return
        event = await self._store.enqueue_webhook_event(
            claim.partner_id,
            claim.id,
            "customer.response",
            response_event(response, claim.status.value, claim.customer_name),
            f"response:{response.id}",
            dt.datetime.now(dt.UTC),
        )
        if event is not None:
            self._wake()
        if await self._store.enqueue_partner_notices(response, claim.partner_id, dt.datetime.now(dt.UTC)):
            self._wake_teams()
