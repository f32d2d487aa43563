"""Prometheus metrics, one registry per application (no import-time globals)."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.store import PurgeCounts, Store

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

log = logging.getLogger(__name__)

# How long a scrape waits for the store to count the outbox: well inside Prometheus' default scrape
# timeout (10 s), so a database outage costs the outbox gauge, never the counters.
STORE_TIMEOUT_SECONDS = 3.0


class Metrics:
    def __init__(self, *, store_timeout: float = STORE_TIMEOUT_SECONDS) -> None:
        self.store_timeout = store_timeout
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "cpor_deliveries",
            "Delivery attempts by channel, kind and outcome (sent, retry, failed, fallback_email, "
            "deferred: given back to the queue by the rate limits, not counted as an attempt).",
            ["channel", "kind", "outcome"],
            registry=self.registry,
        )
        self.throttled = Counter(
            "cpor_teams_throttled",
            "Teams answers of 429 (throttled).",
            registry=self.registry,
        )
        self.rebooked = Counter(
            "cpor_teams_rebooked",
            "Sends woken late for their rate-limit slot, which booked another rather than go late.",
            registry=self.registry,
        )
        self.internal_errors = Counter(
            "cpor_delivery_internal_errors",
            "Deliveries failed at once by a fault of the service itself (logged with its traceback), "
            "not by the network or the recipient.",
            registry=self.registry,
        )
        self.send_seconds = Histogram(
            "cpor_delivery_send_seconds",
            "Time to hand one card to Teams or to the mail relay (the request only, not the wait "
            "for a rate-limit slot).",
            ["channel"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
            registry=self.registry,
        )
        self.outbox = Gauge(
            "cpor_outbox_deliveries",
            "Deliveries in the outbox by status, counted in the store when scraped: waiting (for the "
            "contact to install the app), queued, sending, and unknown (the lease ran out mid-send: it "
            "may or may not have arrived). Sent and failed deliveries are not counted here; "
            "cpor_deliveries_total counts them as they happen. Left out of a scrape at which the store "
            "did not answer (cpor_store_up 0).",
            ["status"],
            registry=self.registry,
        )
        self.store_up = Gauge(
            "cpor_store_up",
            f"1 when the store counted the outbox for this scrape; 0 when it failed or took more than "
            f"{store_timeout:g} s (the database is down or overloaded): cpor_outbox_deliveries is then "
            "left out.",
            registry=self.registry,
        )
        self.webhooks = Counter(
            "cpor_webhook_posts",
            "Webhook POSTs to partners by outcome (sent, retry, failed).",
            ["outcome"],
            registry=self.registry,
        )
        self.notifications_refused = Counter(
            "cpor_notifications_refused",
            "Partner notifications refused by the partner's allowance (rate, quota, cooldown).",
            ["reason"],
            registry=self.registry,
        )
        self.retention_deleted = Counter(
            "cpor_retention_deleted",
            "Rows the retention purge (RETENTION_DAYS) deleted, by kind: claims, workloads, contacts, "
            "notifications, deliveries, responses, webhook_events, audit_entries, idempotency_keys.",
            ["kind"],
            registry=self.registry,
        )
        for kind in PurgeCounts().by_kind():
            self.retention_deleted.labels(kind=kind)  # every kind shows, at 0 until something goes

    async def render(self, store: Store) -> bytes:
        """The registry as Prometheus text, with the outbox counted now if the store answers in time.
        A store that fails or is slow costs the outbox gauge only: the counters are what it would lose."""
        try:
            counts = await asyncio.wait_for(store.outbox_counts(), self.store_timeout)
        except Exception as exc:  # noqa: BLE001 - a scrape reports the outage, it does not fail with it
            log.warning("metrics: the store did not count the outbox: %s", type(exc).__name__)
            self.store_up.set(0)
            self.outbox.clear()  # no stale counts passed off as today's
        else:
            self.store_up.set(1)
            for status, count in counts.items():
                self.outbox.labels(status=status).set(count)
        return generate_latest(self.registry)
