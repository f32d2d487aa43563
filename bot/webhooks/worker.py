"""Partner webhooks: every customer response is POSTed to the partner, signed, retried, logged.

A pass leases a batch of due events and posts them concurrently, a few at a time per host, each
within a short connect timeout and a total timeout, so one partner's slow or silent endpoint does
not hold up another's. Every POST goes to an address checked just before it (`resolver.py`); the
partner's delivery log shows coarse outcomes only (`outcomes.py`). Signing is in `signing.py`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import math
import random
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.ops.metrics import Metrics
from bot.ops.polling import Poller
from bot.store import DeliveryStatus, Response, Store, Webhook, WebhookEvent
from bot.webhooks import outcomes
from bot.webhooks.address import WebhookUrlError, check_url, parse_destination
from bot.webhooks.resolver import PinningResolver, Resolve, check_destination
from bot.webhooks.signing import (
    EVENT_ID_HEADER,
    REPLAY_WINDOW,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    new_secret,
    sign,
    verify,
)

__all__ = [
    "EVENT_ID_HEADER",
    "MAX_ATTEMPTS",
    "REPLAY_WINDOW",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "PartnerNotifier",
    "SendLimits",
    "WebhookUrlError",
    "WebhookWorker",
    "backoff",
    "check_destination",
    "check_url",
    "new_secret",
    "response_event",
    "sign",
    "verify",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class SendLimits:
    """How much a pass takes on, and how long a POST may take."""

    batch: int = 20  # events leased per pass
    lanes: int = 4  # passes in flight at once
    per_host: int = 4  # POSTs in flight to one host and port
    connect_seconds: float = 3.0  # name lookup, TCP and TLS
    total_seconds: float = 10.0  # the whole POST, up to the answer's status line and headers

    @property
    def worst_batch_seconds(self) -> float:
        """A pass's POSTs are over by then: at worst every event of the batch goes to one host that
        never answers, and they take their turns `per_host` at a time."""
        return math.ceil(self.batch / self.per_host) * self.total_seconds

    @property
    def lease(self) -> dt.timedelta:
        """How long a pass holds its events: twice its worst case and some, so a slow pass never
        outlives its lease and lets another instance send the same event."""
        return dt.timedelta(seconds=2 * self.worst_batch_seconds + 20)


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
    """Delivers queued webhook events. One per process; `wake()` to look now.

    `allow_loopback` lets webhooks on this machine through (development and tests); `resolve` and
    `tls` replace the system's resolver and trust store (tests)."""

    def __init__(
        self,
        store: Store,
        *,
        poll_seconds: float,
        metrics: Metrics | None = None,
        allow_loopback: bool = False,
        resolve: Resolve | None = None,
        tls: ssl.SSLContext | None = None,
        limits: SendLimits = SendLimits(),  # noqa: B008 - frozen, shared safely
    ) -> None:
        self._metrics = metrics or Metrics()
        self._store = store
        self._owner = f"webhooks-{uuid.uuid4().hex[:12]}"
        self._poller = Poller("webhook", poll_seconds)
        self._allow_loopback = allow_loopback
        self._resolve = resolve
        self._tls = tls
        self._limits = limits

    def wake(self) -> None:
        self._poller.wake()

    def stop(self) -> None:
        self._poller.stop()

    async def run(self) -> None:
        # Several lanes, each leasing its own batch: a batch held up by a silent endpoint (at most
        # `per_host` of one partner's events, see run_once) leaves the others free for new events.
        async with asyncio.TaskGroup() as lanes:
            for _ in range(self._limits.lanes):
                lanes.create_task(self._poller.run(self.run_once))

    async def run_once(self) -> int:
        """Lease a batch of due events and post them all; the number leased."""
        limits = self._limits
        leased = await self._store.lease_webhook_events(
            self._owner, dt.datetime.now(dt.UTC), limits.lease, limits.batch, per_partner=limits.per_host
        )
        if not leased:
            return 0
        # More may be due (a lease takes a few per partner): another lane looks meanwhile.
        self.wake()
        connector = aiohttp.TCPConnector(
            resolver=PinningResolver(allow_loopback=self._allow_loopback, resolve=self._resolve),
            use_dns_cache=False,  # every connection resolves and checks again
            # The per-host limit is ours (below): a wait for a pooled connection counts as connecting.
            limit=limits.batch,
            ssl=self._tls if self._tls is not None else True,
        )
        timeout = aiohttp.ClientTimeout(total=limits.total_seconds, connect=limits.connect_seconds)
        turns: dict[tuple[str, int], asyncio.Semaphore] = {}
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False) as session:
            results = await asyncio.gather(
                *(self._deliver(session, turns, event, hook) for event, hook in leased),
                return_exceptions=True,
            )
        for (event, _), result in zip(leased, results, strict=True):
            if isinstance(result, BaseException):
                # The store failed to record it: the lease runs out and the event is due again.
                log.error("webhook event %s was not recorded", event.id, exc_info=result)
        return len(leased)

    async def _deliver(
        self,
        session: aiohttp.ClientSession,
        turns: dict[tuple[str, int], asyncio.Semaphore],
        event: WebhookEvent,
        hook: Webhook,
    ) -> None:
        try:
            destination = parse_destination(hook.url, allow_loopback=self._allow_loopback)
        except WebhookUrlError as exc:
            await self._record(event, "", 0, outcomes.refused_url(str(exc)))
            return
        host, port = destination.host, destination.port
        body = json.dumps({"id": event.id, **event.payload}, separators=(",", ":")).encode()
        async with turns.setdefault((host, port), asyncio.Semaphore(self._limits.per_host)):
            timestamp = int(dt.datetime.now(dt.UTC).timestamp())  # signed when sent, not when queued
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign(hook.secret, timestamp, body),
                EVENT_ID_HEADER: event.id,
                "User-Agent": "cpor-bot-webhooks",
            }
            try:
                # aiohttp rounds long timeouts up to a whole second: this one holds to the limit.
                async with asyncio.timeout(self._limits.total_seconds):
                    async with session.post(
                        destination.request_url, data=body, headers=headers, allow_redirects=False
                    ) as reply:
                        outcome = outcomes.answered(reply.status)
            except (aiohttp.ClientError, OSError) as exc:  # TimeoutError is an OSError
                outcome = outcomes.failed(exc)
            except Exception as exc:  # recorded all the same, so the attempts still count towards the cap
                log.exception("webhook event %s: unexpected error while posting", event.id)
                outcome = outcomes.failed(exc)
        await self._record(event, host, port, outcome)

    async def _record(self, event: WebhookEvent, host: str, port: int, outcome: outcomes.Outcome) -> None:
        now = dt.datetime.now(dt.UTC)
        if outcome.sent:
            await self._store.finish_webhook_event(
                event.id, self._owner, status=DeliveryStatus.SENT, at=now, status_code=outcome.status_code
            )
            self._metrics.webhooks.labels(outcome="sent").inc()
            return
        log.info("webhook event %s to %s port %s: %s", event.id, host or "?", port or "?", outcome.detail)
        again = outcome.retry and event.attempts < MAX_ATTEMPTS
        self._metrics.webhooks.labels(outcome="retry" if again else "failed").inc()
        if again:
            await self._store.finish_webhook_event(
                event.id,
                self._owner,
                status=DeliveryStatus.QUEUED,
                at=now,
                status_code=outcome.status_code,
                error=f"attempt {event.attempts}: {outcome.shown}; will retry",
                retry_at=now + backoff(event.attempts),
            )
            return
        await self._store.finish_webhook_event(
            event.id,
            self._owner,
            status=DeliveryStatus.FAILED,
            at=now,
            status_code=outcome.status_code,
            error=f"gave up after {event.attempts} attempt(s): {outcome.shown}",
        )
        log.warning("webhook event %s failed for good: %s", event.id, outcome.shown)


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
