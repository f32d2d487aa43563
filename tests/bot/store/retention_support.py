"""For the retention tests: a claim with everything that can be about it, made at a chosen time,
and a second connection to the database that counts rows table by table, as the store never does."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from bot.domain.claims import Claim
from bot.store import DeliveryOutcome, DeliveryStatus, PartnerLink, Response, ResponseKind, Store, open_store
from tests.bot.store.support import TENANT, make_claim, reference

NOW = dt.datetime(2026, 12, 5, 6, 0, tzinfo=dt.UTC)
DAYS = 30
CUTOFF = NOW - dt.timedelta(days=DAYS)
OLD = CUTOFF - dt.timedelta(days=10)
LEASE = dt.timedelta(minutes=5)

# Every table, and the tables a purge must never touch.
TABLES = (
    "partners",
    "partner_keys",
    "partner_webhooks",
    "partner_link_codes",
    "partner_links",
    "conversation_refs",
    "delivery_workers",
    "claims",
    "claim_workloads",
    "contacts",
    "notifications",
    "deliveries",
    "responses",
    "webhook_events",
    "audit_log",
    "idempotency_keys",
)
KEPT_TABLES = TABLES[:7]
# The rows about one claim, per table (`?` is the claim's id).
_ABOUT_A_CLAIM = {
    "claims": "SELECT count(*) FROM claims WHERE id = ?",
    "claim_workloads": "SELECT count(*) FROM claim_workloads WHERE claim_id = ?",
    "contacts": "SELECT count(*) FROM contacts WHERE claim_id = ?",
    "notifications": "SELECT count(*) FROM notifications WHERE claim_id = ?",
    "deliveries": "SELECT count(*) FROM deliveries WHERE claim_id = ?",
    "responses": "SELECT count(*) FROM responses WHERE claim_id = ?",
    "webhook_events": "SELECT count(*) FROM webhook_events WHERE claim_id = ?",
    "audit_log": "SELECT count(*) FROM audit_log WHERE subject = ? OR subject IN "
    "(SELECT id FROM deliveries WHERE claim_id = ?)",
}
# PurgeCounts' kinds, by table.
KIND_OF_TABLE = {
    "claims": "claims",
    "claim_workloads": "workloads",
    "contacts": "contacts",
    "notifications": "notifications",
    "deliveries": "deliveries",
    "responses": "responses",
    "webhook_events": "webhook_events",
    "audit_log": "audit_entries",
    "idempotency_keys": "idempotency_keys",
}


class Counter:
    """Counts rows through a connection of its own (sqlite3, or psycopg), outside the store."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _count(self, sql: str, params: tuple[str, ...] = ()) -> int:
        if self.url.startswith("sqlite:///"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as conn:
                return int(conn.execute(sql, params).fetchone()[0])
        with psycopg.connect(self.url) as conn:
            row = conn.execute(re.sub(r"\?", "%s", sql), params).fetchone()
            assert row is not None
            return int(row[0])

    def tables(self) -> dict[str, int]:
        return {table: self._count(f"SELECT count(*) FROM {table}") for table in TABLES}  # noqa: S608 - constant names

    def about(self, claim_id: str) -> dict[str, int]:
        """The rows about one claim, table by table."""
        return {
            table: self._count(sql, (claim_id,) * sql.count("?")) for table, sql in _ABOUT_A_CLAIM.items()
        }


@pytest.fixture(params=["sqlite", "postgresql"])
async def counted(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Store, Counter]]:
    """A store on a real SQLite file, then on a real PostgreSQL database, with a counter beside it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'retention.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database()
    store = await open_store(url)
    yield store, Counter(url)
    await store.close()


async def partner_with_everything(store: Store, name: str, chat: str) -> str:
    """A partner with a key, a webhook and a partner user's Teams chat linked to it; its id."""
    partner = await store.create_partner(name)
    await store.set_webhook(partner.id, f"https://hooks.{chat}.example/cpor", "secret", OLD)
    await store.save_reference(reference(f"a:{chat}", aad=f"aad-{chat}"))
    await store.add_link_code(f"code-{chat}", partner.id, OLD + LEASE, OLD)
    link = PartnerLink(f"a:{chat}", partner.id, TENANT, f"aad-{chat}", "Ana", OLD)
    assert await store.redeem_link_code(f"code-{chat}", link) is not None
    return partner.id


async def claim_with_history(store: Store, partner_id: str, claim_id: str, at: dt.datetime) -> Claim:
    """A claim made at `at`, notified by Teams and email, its cards sent, answered by a customer,
    the partner told by webhook and in Teams, and an idempotency key kept for it: all at `at`.
    Megan has the app (her Teams card is sent), Lee has not (hers waits for the install)."""
    claim = make_claim(partner_id, claim_id, created_at=at, updated_at=at, submitted_on=at.date())
    await store.create_claim(claim)
    await store.save_reference(reference("a:megan", email="megan.bowen@fabrikam.example"))
    await store.create_notification(claim, f"{claim_id}-n", at, "both")
    answer, _ = await store.record_response(
        Response(
            id=f"{claim_id}-r",
            claim_id=claim_id,
            kind=ResponseKind.QUESTION,
            tenant_id=TENANT,
            aad_object_id="11111111-2222-3333-4444-555555555555",
            user_id="29:lee",
            user_name="Lee Gu",
            contact_id=f"{claim_id}-c2",
            channel="msteams",
            text="Which project is this?",
            dedupe_key=f"{claim_id}-r",
            created_at=at,
        )
    )
    await store.enqueue_partner_notices(answer, partner_id, at)
    await send_everything_due(store, at)
    event = await store.enqueue_webhook_event(
        partner_id, claim_id, "customer.response", {}, f"{claim_id}-e", at
    )
    assert event is not None
    for leased, _ in await store.lease_webhook_events("hooks", at, LEASE, 100):
        await store.finish_webhook_event(
            leased.id, "hooks", status=DeliveryStatus.SENT, at=at, status_code=204
        )
    assert (
        await store.reserve_idempotency_key(partner_id, f"{claim_id}-k", "h", at, abandon_after=LEASE) is None
    )
    await store.complete_idempotency_key(partner_id, f"{claim_id}-k", 201, "{}", f"/api/claims/{claim_id}")
    return claim


async def send_everything_due(store: Store, at: dt.datetime) -> int:
    """Lease every delivery due at `at` and record it sent then; how many."""
    sent = 0
    while leased := await store.lease_deliveries("sender", at, LEASE, 100):
        outcomes = [
            DeliveryOutcome(item.delivery.id, DeliveryStatus.SENT, at, activity_id=f"act-{item.delivery.id}")
            for item in leased
        ]
        sent += len(await store.finish_deliveries("sender", outcomes))
    return sent


async def purge_the_one_claim(store: Store) -> None:
    """A retention purge that deletes, now, the one claim the store holds, whatever its age: what a
    click, a notification or a bulk run meets when the purge comes between its read and its write."""
    batch = await store.purge_claims(dt.datetime(2100, 1, 1, tzinfo=dt.UTC), limit=10)
    assert batch.counts.claims == 1
