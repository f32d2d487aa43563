"""The store in SQL: one implementation of `Store`, portable SQL, over an engine (SQLite or
PostgreSQL) that supplies connections, transactions and row locks."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from importlib import resources
from typing import Any, Protocol

from bot.domain.claims import Claim, Contact, Status
from bot.store import (
    Channel,
    Conflict,
    Delivery,
    DeliveryKind,
    DeliveryOutcome,
    DeliveryStatus,
    IdempotentRequest,
    LeasedDelivery,
    NotFound,
    Partner,
    PartnerKey,
    PartnerLink,
    Response,
    ResponseKind,
    StoredReference,
    Webhook,
    WebhookEvent,
    ts,
)


def parse_ts(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _req_ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


Row = Mapping[str, Any]
# Values per IN (...) list: well under SQLite's and PostgreSQL's limits on parameters.
IN_CHUNK = 500


class Db(Protocol):
    """One connection inside a transaction. SQL uses `?` placeholders on every engine."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...
    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


class Engine(Protocol):
    name: str
    integrity_errors: tuple[type[Exception], ...]
    # Appended to a leasing SELECT: rows another worker holds are skipped, not waited for.
    skip_locked: str
    # Appended to a SELECT whose rows the transaction is about to change: they are locked, waited for.
    for_update: str

    def skip_locked_of(self, table: str) -> str: ...
    def transaction(self) -> AbstractAsyncContextManager[Db]: ...
    def reader(self) -> AbstractAsyncContextManager[Db]: ...
    async def lock_migrations(self, db: Db) -> None: ...
    # Workers starting together must count each other: their heartbeats go one at a time.
    async def lock_workers(self, db: Db) -> None: ...
    async def close(self) -> None: ...


def migrations() -> list[tuple[str, str]]:
    """(version, sql) for every migration shipped with the package, in order."""
    folder = resources.files("bot.store").joinpath("migrations")
    found = sorted(
        (entry.name.split("_", 1)[0], entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )
    return found


class SqlStore:
    """`Store` in SQL over an `Engine`: SQLite for one machine, PostgreSQL for many. The SQL is the
    same for both; the engine supplies connections, transactions and row locking."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    async def open(cls, engine: Engine) -> SqlStore:
        store = cls(engine)
        await store.migrate()
        return store

    async def close(self) -> None:
        await self._engine.close()

    def _tx(self) -> AbstractAsyncContextManager[Db]:
        return self._engine.transaction()

    def _read(self) -> AbstractAsyncContextManager[Db]:
        return self._engine.reader()

    async def migrate(self) -> list[str]:
        """Apply the migrations this database has not had yet; return their versions."""
        applied: list[str] = []
        async with self._tx() as db:
            await self._engine.lock_migrations(db)
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            rows = await db.rows("SELECT version FROM schema_migrations")
            done = {row["version"] for row in rows}
            for version, sql in migrations():
                if version in done:
                    continue
                for statement in _statements(sql):
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    (version, ts(dt.datetime.now(dt.UTC))),
                )
                applied.append(version)
        return applied

    async def health(self) -> dict[str, Any]:
        async with self._read() as db:
            rows = await db.rows("SELECT max(version) AS v FROM schema_migrations")
        return {"engine": self._engine.name, "ok": True, "schema_version": rows[0]["v"]}

    # --- partners and keys -------------------------------------------------------------------

    async def create_partner(self, name: str) -> Partner:
        partner = Partner(id=str(uuid.uuid4()), name=name, created_at=dt.datetime.now(dt.UTC))
        try:
            async with self._tx() as db:
                await db.execute(
                    "INSERT INTO partners (id, name, created_at) VALUES (?, ?, ?)",
                    (partner.id, partner.name, ts(partner.created_at)),
                )
        except self._engine.integrity_errors as exc:
            raise Conflict(f"a partner named {name!r} exists") from exc
        return partner

    async def partner_by_name(self, name: str) -> Partner | None:
        async with self._read() as db:
            rows = await db.rows("SELECT * FROM partners WHERE name = ?", (name,))
        return _partner(rows[0]) if rows else None

    async def get_partner(self, partner_id: str) -> Partner | None:
        async with self._read() as db:
            rows = await db.rows("SELECT * FROM partners WHERE id = ?", (partner_id,))
        return _partner(rows[0]) if rows else None

    async def add_partner_key(self, key: PartnerKey) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO partner_keys (id, partner_id, secret_hash, label, created_at, revoked_at) "
                "VALUES (?, ?, ?, ?, ?, NULL)",
                (key.id, key.partner_id, key.secret_hash, key.label, ts(key.created_at)),
            )

    async def get_partner_key(self, key_id: str) -> PartnerKey | None:
        async with self._read() as db:
            rows = await db.rows("SELECT * FROM partner_keys WHERE id = ?", (key_id,))
        return _partner_key(rows[0]) if rows else None

    async def list_partner_keys(self) -> list[PartnerKey]:
        async with self._read() as db:
            rows = await db.rows("SELECT * FROM partner_keys ORDER BY created_at, id")
        return [_partner_key(row) for row in rows]

    async def revoke_partner_key(self, key_id: str, at: dt.datetime) -> bool:
        async with self._tx() as db:
            changed = await db.execute(
                "UPDATE partner_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (ts(at), key_id),
            )
            return changed == 1

    # --- conversation references -------------------------------------------------------------

    async def save_reference(self, ref: StoredReference) -> tuple[bool, int]:
        now = ts(ref.updated_at)
        async with self._tx() as db:
            existing = await db.rows(
                "SELECT 1 FROM conversation_refs WHERE conversation_id = ?", (ref.conversation_id,)
            )
            await db.execute(
                "INSERT INTO conversation_refs (conversation_id, tenant_id, aad_object_id, user_id, email, "
                "conversation_type, channel_id, service_url, reference_json, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (conversation_id) DO UPDATE SET tenant_id = excluded.tenant_id, "
                "aad_object_id = excluded.aad_object_id, user_id = excluded.user_id, "
                "email = COALESCE(excluded.email, conversation_refs.email), "
                "conversation_type = excluded.conversation_type, channel_id = excluded.channel_id, "
                "service_url = excluded.service_url, reference_json = excluded.reference_json, "
                "updated_at = excluded.updated_at",
                (
                    ref.conversation_id,
                    ref.tenant_id,
                    ref.aad_object_id,
                    ref.user_id,
                    ref.email.lower() if ref.email else None,
                    ref.conversation_type,
                    ref.channel_id,
                    ref.service_url,
                    json.dumps(ref.reference, separators=(",", ":")),
                    now,
                    now,
                ),
            )
            released = 0
            if ref.conversation_type == "personal" and (ref.aad_object_id or ref.email):
                changed = await db.execute(
                    "UPDATE deliveries SET status = ?, conversation_id = ?, next_attempt_at = ?, "
                    "updated_at = ? WHERE status = ? AND contact_id IN ("
                    " SELECT c.id FROM contacts c JOIN claims cl ON cl.id = c.claim_id"
                    " WHERE cl.customer_tenant_id = ? AND (c.aad_object_id = ? OR lower(c.email) = ?))",
                    (
                        DeliveryStatus.QUEUED,
                        ref.conversation_id,
                        now,
                        now,
                        DeliveryStatus.WAITING,
                        ref.tenant_id,
                        ref.aad_object_id,
                        ref.email.lower() if ref.email else None,
                    ),
                )
                released = changed
        return (not existing, released)

    async def delete_reference(self, conversation_id: str) -> bool:
        async with self._tx() as db:
            changed = await db.execute(
                "DELETE FROM conversation_refs WHERE conversation_id = ?", (conversation_id,)
            )
            return changed == 1

    async def get_reference(self, conversation_id: str) -> StoredReference | None:
        async with self._read() as db:
            rows = await db.rows(
                "SELECT * FROM conversation_refs WHERE conversation_id = ?", (conversation_id,)
            )
        return _reference(rows[0]) if rows else None

    async def enqueue_card_update(self, delivery_id: str, at: dt.datetime) -> bool:
        async with self._tx() as db:
            rows = await db.rows(
                "SELECT d.*, c.updated_at AS claim_updated FROM deliveries d "
                "JOIN claims c ON c.id = d.claim_id "
                "WHERE d.id = ? AND d.status = ? AND d.activity_id IS NOT NULL",
                (delivery_id, DeliveryStatus.SENT),
            )
            if not rows:
                return False
            row = rows[0]
            changed = await db.execute(
                "INSERT INTO deliveries (id, claim_id, contact_id, channel, kind, target_activity_id, "
                "dedupe_key, status, conversation_id, attempts, next_attempt_at, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                (
                    str(uuid.uuid4()),
                    row["claim_id"],
                    row["contact_id"],
                    row["channel"],
                    DeliveryKind.UPDATE,
                    row["activity_id"],
                    f"{delivery_id}:update:{row['claim_updated']}",
                    DeliveryStatus.QUEUED,
                    row["conversation_id"],
                    ts(at),
                    ts(at),
                    ts(at),
                ),
            )
            return changed == 1

    async def fall_back_to_email(self, delivery_id: str, owner: str, at: dt.datetime, reason: str) -> bool:
        async with self._tx() as db:
            rows = await db.rows(
                "SELECT * FROM deliveries WHERE id = ? AND lease_owner = ? AND status = ?",
                (delivery_id, owner, DeliveryStatus.SENDING),
            )
            if not rows:
                return False
            row = rows[0]
            await db.execute(
                "UPDATE deliveries SET status = ?, last_error = ?, lease_owner = NULL, lease_until = NULL, "
                "updated_at = ? WHERE id = ?",
                (DeliveryStatus.FAILED, f"{reason}; sent by email instead", ts(at), delivery_id),
            )
            if row["conversation_id"]:
                await db.execute(
                    "DELETE FROM conversation_refs WHERE conversation_id = ?", (row["conversation_id"],)
                )
            claims = await _hydrate(
                db, await db.rows("SELECT * FROM claims WHERE id = ?", (row["claim_id"],))
            )
            await _insert_delivery(
                db,
                claims[0],
                row["notification_id"],
                row["contact_id"],
                Channel.EMAIL,
                row["kind"],
                DeliveryStatus.QUEUED,
                None,
                at,
                error=f"fallback: {reason}",
            )
            await _audit(db, "delivery", "delivery.fallback_email", delivery_id, {"reason": reason}, at)
        return True

    async def mark_reference_dead(self, conversation_id: str, at: dt.datetime, reason: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM conversation_refs WHERE conversation_id = ?", (conversation_id,))
            await _audit(db, "delivery", "reference.dead", conversation_id, {"reason": reason}, at)

    # --- claims --------------------------------------------------------------------------------

    async def create_claim(self, claim: Claim) -> None:
        try:
            await self._create_claim(claim)
        except self._engine.integrity_errors as exc:
            raise Conflict(f"claim {claim.id!r} could not be stored: {exc}") from exc

    async def _create_claim(self, claim: Claim) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO claims (id, partner_id, customer_tenant_id, customer_name, solution_area, "
                "status, submitted_on, partner_reference, message, locale, dispute_used, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    claim.id,
                    claim.partner_id,
                    claim.customer_tenant_id,
                    claim.customer_name,
                    claim.solution_area,
                    claim.status.value,
                    claim.submitted_on.isoformat(),
                    claim.partner_reference,
                    claim.message,
                    claim.locale,
                    int(claim.dispute_used),
                    ts(claim.created_at),
                    ts(claim.updated_at),
                ),
            )
            await db.executemany(
                "INSERT INTO claim_workloads (claim_id, workload_id, position) VALUES (?, ?, ?)",
                [(claim.id, workload, i) for i, workload in enumerate(claim.workloads)],
            )
            await db.executemany(
                "INSERT INTO contacts (id, claim_id, position, name, email, aad_object_id, locale) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (c.id, claim.id, i, c.name, c.email, c.aad_object_id, c.locale)
                    for i, c in enumerate(claim.contacts)
                ],
            )
            await _audit(
                db,
                f"partner:{claim.partner_id}",
                "claim.created",
                claim.id,
                {"status": claim.status.value},
                claim.created_at,
            )

    async def get_claim(self, claim_id: str, *, partner_id: str | None = None) -> Claim | None:
        async with self._read() as db:
            if partner_id is None:
                rows = await db.rows("SELECT * FROM claims WHERE id = ?", (claim_id,))
            else:
                rows = await db.rows(
                    "SELECT * FROM claims WHERE id = ? AND partner_id = ?", (claim_id, partner_id)
                )
            claims = await _hydrate(db, rows)
        return claims[0] if claims else None

    async def list_claims(
        self, partner_id: str, *, limit: int, before: tuple[str, str] | None = None
    ) -> list[Claim]:
        async with self._read() as db:
            if before is None:
                rows = await db.rows(
                    "SELECT * FROM claims WHERE partner_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                    (partner_id, limit),
                )
            else:
                rows = await db.rows(
                    "SELECT * FROM claims WHERE partner_id = ? AND (created_at < ? OR "
                    "(created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?",
                    (partner_id, before[0], before[0], before[1], limit),
                )
            return await _hydrate(db, rows)

    async def claims_for_tenant(self, tenant_id: str, *, limit: int) -> list[Claim]:
        async with self._read() as db:
            rows = await db.rows(
                "SELECT * FROM claims WHERE customer_tenant_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                (tenant_id, limit),
            )
            return await _hydrate(db, rows)

    # --- notifications and deliveries ----------------------------------------------------------

    async def create_notification(
        self, claim: Claim, notification_id: str, at: dt.datetime, channel: str = Channel.AUTO
    ) -> list[Delivery]:
        try:
            return await self._create_notification(claim, notification_id, at, channel)
        except self._engine.integrity_errors as exc:
            raise Conflict(f"notification {notification_id!r} exists") from exc

    async def _create_notification(
        self, claim: Claim, notification_id: str, at: dt.datetime, channel: str
    ) -> list[Delivery]:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO notifications (id, claim_id, partner_id, kind, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (notification_id, claim.id, claim.partner_id, DeliveryKind.CLAIM, ts(at)),
            )
            await _enqueue_for_contacts(db, claim, notification_id, DeliveryKind.CLAIM, at, channel)
            await _audit(
                db,
                f"partner:{claim.partner_id}",
                "claim.notified",
                claim.id,
                {"notification_id": notification_id, "contacts": len(claim.contacts), "channel": channel},
                at,
            )
            return await _notification_deliveries(db, notification_id)

    async def deliveries_for_claim(self, claim_id: str) -> list[Delivery]:
        async with self._read() as db:
            rows = await db.rows(
                "SELECT d.* FROM deliveries d LEFT JOIN contacts c ON c.id = d.contact_id "
                "WHERE d.claim_id = ? ORDER BY d.created_at, c.position",
                (claim_id,),
            )
        return [_delivery(row) for row in rows]

    async def delivery_counts(self) -> dict[str, int]:
        async with self._read() as db:
            rows = await db.rows("SELECT status, count(*) AS n FROM deliveries GROUP BY status")
        counts: dict[str, int] = dict.fromkeys(
            (
                DeliveryStatus.WAITING,
                DeliveryStatus.QUEUED,
                DeliveryStatus.SENDING,
                DeliveryStatus.SENT,
                DeliveryStatus.FAILED,
                DeliveryStatus.UNKNOWN,
            ),
            0,
        )
        counts.update({row["status"]: row["n"] for row in rows})
        return counts

    async def lease_deliveries(
        self, owner: str, now: dt.datetime, lease_for: dt.timedelta, limit: int
    ) -> list[LeasedDelivery]:
        """Lease up to `limit` due deliveries with everything needed to send them, in a fixed number
        of queries whatever the count (the worker leases hundreds at a time)."""
        now_s = ts(now)
        async with self._tx() as db:
            # A lease that ran out while sending: the message may have arrived. Never resend blindly.
            await db.execute(
                "UPDATE deliveries SET status = ?, lease_owner = NULL, lease_until = NULL, "
                "last_error = 'lease expired while sending; it may or may not have arrived', "
                "updated_at = ? WHERE status = ? AND lease_until < ?",
                (DeliveryStatus.UNKNOWN, now_s, DeliveryStatus.SENDING, now_s),
            )
            # A conversation another worker is sending to stays with that worker for now: the
            # per-conversation limits are kept in each worker's memory.
            due = await db.rows(
                "SELECT id, conversation_id, channel FROM deliveries d "  # noqa: S608 - constant
                "WHERE status = ? AND next_attempt_at <= ? AND NOT EXISTS ("
                "SELECT 1 FROM deliveries busy WHERE busy.conversation_id = d.conversation_id "
                "AND busy.status = ? AND busy.lease_owner <> ?) "
                "ORDER BY next_attempt_at, id LIMIT ?" + self._engine.skip_locked,
                (DeliveryStatus.QUEUED, now_s, DeliveryStatus.SENDING, owner, limit),
            )
            if not due:
                return []
            conversation_ids = sorted({row["conversation_id"] for row in due if row["conversation_id"]})
            references = {
                row["conversation_id"]: _reference(row)
                for row in await _rows_in(
                    db, "SELECT * FROM conversation_refs WHERE conversation_id", conversation_ids
                )
            }
            # Uninstalled since it was queued: wait for the contact to install again.
            orphans = [
                row["id"]
                for row in due
                if row["channel"] != Channel.EMAIL and row["conversation_id"] not in references
            ]
            set_of_orphans = set(orphans)
            if orphans:
                await db.executemany(
                    "UPDATE deliveries SET status = ?, conversation_id = NULL, updated_at = ? WHERE id = ?",
                    [(DeliveryStatus.WAITING, now_s, delivery_id) for delivery_id in orphans],
                )
            ids = [row["id"] for row in due if row["id"] not in set_of_orphans]
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            await db.execute(
                "UPDATE deliveries SET status = ?, lease_owner = ?, lease_until = ?, "  # noqa: S608 - only placeholders are interpolated
                f"attempts = attempts + 1, updated_at = ? WHERE id IN ({marks})",
                (DeliveryStatus.SENDING, owner, ts(now + lease_for), now_s, *ids),
            )
            leased_rows = await _rows_in(db, "SELECT * FROM deliveries WHERE id", ids)
            deliveries = [_delivery(row) for row in leased_rows]
            claim_ids = sorted({d.claim_id for d in deliveries})
            claims = {
                claim.id: claim
                for claim in await _hydrate(
                    db, await _rows_in(db, "SELECT * FROM claims WHERE id", claim_ids)
                )
            }
            partner_ids = sorted({claim.partner_id for claim in claims.values()})
            partner_names = {
                row["id"]: row["name"]
                for row in await _rows_in(db, "SELECT id, name FROM partners WHERE id", partner_ids)
            }
            responses: dict[str, list[Response]] = {claim_id: [] for claim_id in claim_ids}
            for row in await _rows_in(
                db, "SELECT * FROM responses WHERE claim_id", claim_ids, order="created_at, id"
            ):
                responses[row["claim_id"]].append(_response(row))
            notification_ids = sorted({d.notification_id for d in deliveries if d.notification_id})
            old_statuses = {
                row["id"]: row["old_status"]
                for row in await _rows_in(
                    db, "SELECT id, old_status FROM notifications WHERE id", notification_ids
                )
            }
        leased: list[LeasedDelivery] = []
        for delivery in sorted(deliveries, key=lambda d: (d.next_attempt_at, d.id)):
            claim = claims[delivery.claim_id]
            old = old_statuses.get(delivery.notification_id or "")
            leased.append(
                LeasedDelivery(
                    delivery=delivery,
                    claim=claim,
                    contact=next((c for c in claim.contacts if c.id == delivery.contact_id), None),
                    reference=references.get(delivery.conversation_id or ""),
                    old_status=Status(old) if old else None,
                    partner_name=partner_names.get(claim.partner_id, ""),
                    responses=tuple(responses[claim.id]),
                )
            )
        return leased

    async def finish_delivery(
        self,
        delivery_id: str,
        owner: str,
        *,
        status: DeliveryStatus,
        at: dt.datetime,
        activity_id: str | None = None,
        error: str | None = None,
        retry_at: dt.datetime | None = None,
    ) -> bool:
        outcome = DeliveryOutcome(delivery_id, status, at, activity_id, error, retry_at)
        return delivery_id in await self.finish_deliveries(owner, [outcome])

    async def finish_deliveries(self, owner: str, outcomes: Sequence[DeliveryOutcome]) -> set[str]:
        if not outcomes:
            return set()
        async with self._tx() as db:
            ids = [outcome.delivery_id for outcome in outcomes]
            # Fenced: only rows this owner still holds in `sending`; the rest went `unknown` or to
            # another worker, and their outcome is not ours to write.
            held = {
                row["id"]
                for row in await _rows_in(
                    db,
                    "SELECT id FROM deliveries WHERE lease_owner = ? AND status = ? AND id",
                    ids,
                    params=(owner, DeliveryStatus.SENDING),
                    suffix=self._engine.for_update,
                )
            }
            mine = [outcome for outcome in outcomes if outcome.delivery_id in held]
            await db.executemany(
                "UPDATE deliveries SET status = ?, activity_id = COALESCE(?, activity_id), "
                "last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at), "
                "attempts = attempts - ?, lease_owner = NULL, lease_until = NULL, updated_at = ?, "
                "sent_at = CASE WHEN ? = ? THEN ? ELSE sent_at END "
                "WHERE id = ? AND lease_owner = ? AND status = ?",
                [
                    (
                        o.status,
                        o.activity_id,
                        o.error,
                        ts(o.retry_at) if o.retry_at else None,
                        0 if o.counts_as_attempt else 1,
                        ts(o.at),
                        o.status,
                        DeliveryStatus.SENT,
                        ts(o.at),
                        o.delivery_id,
                        owner,
                        DeliveryStatus.SENDING,
                    )
                    for o in mine
                ],
            )
            await _audit_many(
                db,
                [
                    (
                        "delivery",
                        f"delivery.{o.status}",
                        o.delivery_id,
                        {"activity_id": o.activity_id, "error": o.error},
                        o.at,
                    )
                    for o in mine
                ],
            )
        return {o.delivery_id for o in mine}

    async def worker_heartbeat(self, owner: str, at: dt.datetime, *, alive_within: dt.timedelta) -> int:
        async with self._tx() as db:
            await self._engine.lock_workers(db)
            await db.execute("DELETE FROM delivery_workers WHERE seen_at < ?", (ts(at - alive_within),))
            await db.execute(
                "INSERT INTO delivery_workers (owner, seen_at) VALUES (?, ?) "
                "ON CONFLICT (owner) DO UPDATE SET seen_at = excluded.seen_at",
                (owner, ts(at)),
            )
            rows = await db.rows("SELECT count(*) AS n FROM delivery_workers")
        return int(rows[0]["n"])

    async def worker_left(self, owner: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM delivery_workers WHERE owner = ?", (owner,))

    async def claim_statuses(self, claim_ids: Sequence[str]) -> dict[str, Status]:
        async with self._read() as db:
            rows = await _rows_in(db, "SELECT id, status FROM claims WHERE id", sorted(set(claim_ids)))
        return {row["id"]: Status(row["status"]) for row in rows}

    # --- status changes and responses -----------------------------------------------------------

    async def change_status(
        self,
        claim_id: str,
        partner_id: str,
        *,
        expected: Status,
        wanted: Status,
        at: dt.datetime,
        change_id: str,
        message: bool,
    ) -> tuple[Claim, list[Delivery]]:
        async with self._tx() as db:
            changed = await db.execute(
                "UPDATE claims SET status = ?, updated_at = ?, "
                "dispute_used = CASE WHEN ? = ? THEN 1 ELSE dispute_used END "
                "WHERE id = ? AND partner_id = ? AND status = ?",
                (wanted.value, ts(at), wanted.value, Status.DISPUTE, claim_id, partner_id, expected.value),
            )
            if changed != 1:
                exists = await db.rows(
                    "SELECT status FROM claims WHERE id = ? AND partner_id = ?", (claim_id, partner_id)
                )
                if not exists:
                    raise NotFound(claim_id)
                raise Conflict(f"the claim's status is now {exists[0]['status']!r}")
            await _audit(
                db,
                f"partner:{partner_id}",
                "claim.status_changed",
                claim_id,
                {"from": expected.value, "to": wanted.value, "change_id": change_id},
                at,
            )
            claim = (await _hydrate(db, await db.rows("SELECT * FROM claims WHERE id = ?", (claim_id,))))[0]
            deliveries = await _enqueue_status_change(db, claim, change_id, expected, at, message=message)
        return claim, deliveries

    async def record_response(self, response: Response) -> tuple[Response, bool]:
        async with self._tx() as db:
            changed = await db.execute(
                "INSERT INTO responses (id, claim_id, kind, tenant_id, aad_object_id, user_id, user_name, "
                "contact_id, channel, text, dedupe_key, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                (
                    response.id,
                    response.claim_id,
                    response.kind,
                    response.tenant_id,
                    response.aad_object_id,
                    response.user_id,
                    response.user_name,
                    response.contact_id,
                    response.channel,
                    response.text,
                    response.dedupe_key,
                    ts(response.created_at),
                ),
            )
            is_new = changed == 1
            if is_new:
                await _audit(
                    db,
                    f"customer:{response.tenant_id}/{response.aad_object_id or response.user_id}",
                    f"response.{response.kind}",
                    response.claim_id,
                    {"response_id": response.id, "channel": response.channel},
                    response.created_at,
                )
            rows = await db.rows("SELECT * FROM responses WHERE dedupe_key = ?", (response.dedupe_key,))
        return _response(rows[0]), is_new

    async def responses_for_claim(self, claim_id: str) -> list[Response]:
        async with self._read() as db:
            rows = await db.rows(
                "SELECT * FROM responses WHERE claim_id = ? ORDER BY created_at, id", (claim_id,)
            )
        return [_response(row) for row in rows]

    # --- Idempotency-Key -----------------------------------------------------------------------

    async def reserve_idempotency_key(
        self, partner_id: str, key: str, request_hash: str, at: dt.datetime, *, abandon_after: dt.timedelta
    ) -> IdempotentRequest | None:
        async with self._tx() as db:
            changed = await db.execute(
                "INSERT INTO idempotency_keys (partner_id, idem_key, request_hash, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (partner_id, idem_key) DO NOTHING",
                (partner_id, key, request_hash, ts(at)),
            )
            if changed == 1:
                return None
            rows = await db.rows(
                "SELECT * FROM idempotency_keys WHERE partner_id = ? AND idem_key = ?", (partner_id, key)
            )
            row = rows[0]
            earlier = IdempotentRequest(
                request_hash=row["request_hash"],
                status=row["status"],
                response_json=row["response_json"],
                location=row["location"],
                created_at=_req_ts(row["created_at"]),
            )
            if (
                earlier.status is None
                and earlier.request_hash == request_hash
                and at - earlier.created_at > abandon_after
            ):
                await db.execute(
                    "UPDATE idempotency_keys SET created_at = ? WHERE partner_id = ? AND idem_key = ?",
                    (ts(at), partner_id, key),
                )
                return None
            return earlier

    async def complete_idempotency_key(
        self, partner_id: str, key: str, status: int, response_json: str, location: str | None
    ) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE idempotency_keys SET status = ?, response_json = ?, location = ? "
                "WHERE partner_id = ? AND idem_key = ?",
                (status, response_json, location, partner_id, key),
            )

    async def release_idempotency_key(self, partner_id: str, key: str) -> None:
        async with self._tx() as db:
            await db.execute(
                "DELETE FROM idempotency_keys WHERE partner_id = ? AND idem_key = ? AND status IS NULL",
                (partner_id, key),
            )

    # --- partner users in Teams -----------------------------------------------------------------

    async def add_link_code(
        self, code_hash: str, partner_id: str, expires_at: dt.datetime, at: dt.datetime
    ) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO partner_link_codes (code_hash, partner_id, expires_at, created_at) "
                "VALUES (?, ?, ?, ?)",
                (code_hash, partner_id, ts(expires_at), ts(at)),
            )

    async def redeem_link_code(self, code_hash: str, link: PartnerLink) -> Partner | None:
        async with self._tx() as db:
            changed = await db.execute(
                "UPDATE partner_link_codes SET used_at = ? "
                "WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
                (ts(link.created_at), code_hash, ts(link.created_at)),
            )
            if changed != 1:
                return None
            rows = await db.rows(
                "SELECT partner_id FROM partner_link_codes WHERE code_hash = ?", (code_hash,)
            )
            partner_id = rows[0]["partner_id"]
            await db.execute(
                "INSERT INTO partner_links (conversation_id, partner_id, tenant_id, aad_object_id, "
                "user_name, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (conversation_id) DO UPDATE SET partner_id = excluded.partner_id, "
                "tenant_id = excluded.tenant_id, "
                "aad_object_id = excluded.aad_object_id, user_name = excluded.user_name, "
                "created_at = excluded.created_at",
                (
                    link.conversation_id,
                    partner_id,
                    link.tenant_id,
                    link.aad_object_id,
                    link.user_name,
                    ts(link.created_at),
                ),
            )
            await _audit(
                db,
                f"teams:{link.tenant_id}/{link.aad_object_id}",
                "partner.linked",
                partner_id,
                {"conversation_id": link.conversation_id},
                link.created_at,
            )
            partner = await db.rows("SELECT * FROM partners WHERE id = ?", (partner_id,))
        return _partner(partner[0])

    async def get_partner_link(self, conversation_id: str) -> PartnerLink | None:
        async with self._read() as db:
            rows = await db.rows("SELECT * FROM partner_links WHERE conversation_id = ?", (conversation_id,))
        return _partner_link(rows[0]) if rows else None

    async def remove_partner_link(self, conversation_id: str) -> bool:
        async with self._tx() as db:
            changed = await db.execute(
                "DELETE FROM partner_links WHERE conversation_id = ?", (conversation_id,)
            )
            return changed == 1

    async def enqueue_partner_notices(self, response: Response, partner_id: str, at: dt.datetime) -> int:
        now = ts(at)
        async with self._tx() as db:
            links = await db.rows(
                "SELECT l.conversation_id FROM partner_links l JOIN conversation_refs r "
                "ON r.conversation_id = l.conversation_id WHERE l.partner_id = ?",
                (partner_id,),
            )
            for link in links:
                await db.execute(
                    "INSERT INTO deliveries (id, claim_id, channel, kind, response_id, dedupe_key, status, "
                    "conversation_id, attempts, next_attempt_at, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                    (
                        str(uuid.uuid4()),
                        response.claim_id,
                        Channel.TEAMS,
                        DeliveryKind.PARTNER,
                        response.id,
                        f"{response.id}:{link['conversation_id']}:partner",
                        DeliveryStatus.QUEUED,
                        link["conversation_id"],
                        now,
                        now,
                        now,
                    ),
                )
        return len(links)

    async def set_webhook(self, partner_id: str, url: str, secret: str, at: dt.datetime) -> Webhook:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO partner_webhooks (partner_id, url, secret, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (partner_id) DO UPDATE SET url = excluded.url, "
                "secret = excluded.secret, updated_at = excluded.updated_at",
                (partner_id, url, secret, ts(at), ts(at)),
            )
            await _audit(db, f"partner:{partner_id}", "webhook.set", partner_id, {"url": url}, at)
            rows = await db.rows("SELECT * FROM partner_webhooks WHERE partner_id = ?", (partner_id,))
        return _webhook(rows[0])

    async def get_webhook(self, partner_id: str) -> Webhook | None:
        async with self._read() as db:
            rows = await db.rows("SELECT * FROM partner_webhooks WHERE partner_id = ?", (partner_id,))
        return _webhook(rows[0]) if rows else None

    async def delete_webhook(self, partner_id: str) -> bool:
        async with self._tx() as db:
            changed = await db.execute("DELETE FROM partner_webhooks WHERE partner_id = ?", (partner_id,))
            return changed == 1

    async def enqueue_webhook_event(
        self,
        partner_id: str,
        claim_id: str,
        event_type: str,
        payload: dict[str, Any],
        dedupe_key: str,
        at: dt.datetime,
    ) -> WebhookEvent | None:
        event_id = str(uuid.uuid4())
        async with self._tx() as db:
            changed = await db.execute(
                "INSERT INTO webhook_events (id, partner_id, claim_id, event_type, payload_json, dedupe_key, "
                "status, attempts, next_attempt_at, created_at, updated_at) "
                "SELECT ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM partner_webhooks WHERE partner_id = ?) "
                "ON CONFLICT (dedupe_key) DO NOTHING",
                (
                    event_id,
                    partner_id,
                    claim_id,
                    event_type,
                    json.dumps(payload, sort_keys=True),
                    dedupe_key,
                    DeliveryStatus.QUEUED,
                    ts(at),
                    ts(at),
                    ts(at),
                    partner_id,
                ),
            )
            if changed != 1:
                return None
            rows = await db.rows("SELECT * FROM webhook_events WHERE id = ?", (event_id,))
        return _webhook_event(rows[0])

    async def lease_webhook_events(
        self, owner: str, now: dt.datetime, lease_for: dt.timedelta, limit: int
    ) -> list[tuple[WebhookEvent, Webhook]]:
        now_s = ts(now)
        out: list[tuple[WebhookEvent, Webhook]] = []
        async with self._tx() as db:
            # A webhook POST is safe to repeat (receivers dedupe on the event id): a lost lease
            # simply makes the event due again.
            await db.execute(
                "UPDATE webhook_events SET status = ?, lease_owner = NULL, lease_until = NULL "
                "WHERE status = ? AND lease_until < ?",
                (DeliveryStatus.QUEUED, DeliveryStatus.SENDING, now_s),
            )
            rows = await db.rows(
                "SELECT e.*, w.url, w.secret, w.created_at AS w_created, w.updated_at AS w_updated "
                "FROM webhook_events e JOIN partner_webhooks w ON w.partner_id = e.partner_id "
                "WHERE e.status = ? AND e.next_attempt_at <= ? "
                "ORDER BY e.next_attempt_at, e.id LIMIT ?" + self._engine.skip_locked_of("e"),
                (DeliveryStatus.QUEUED, now_s, limit),
            )
            for row in rows:
                await db.execute(
                    "UPDATE webhook_events SET status = ?, lease_owner = ?, lease_until = ?, "
                    "attempts = attempts + 1, updated_at = ? WHERE id = ?",
                    (DeliveryStatus.SENDING, owner, ts(now + lease_for), now_s, row["id"]),
                )
                fresh = await db.rows("SELECT * FROM webhook_events WHERE id = ?", (row["id"],))
                hook = Webhook(
                    partner_id=row["partner_id"],
                    url=row["url"],
                    secret=row["secret"],
                    created_at=_req_ts(row["w_created"]),
                    updated_at=_req_ts(row["w_updated"]),
                )
                out.append((_webhook_event(fresh[0]), hook))
        return out

    async def finish_webhook_event(
        self,
        event_id: str,
        owner: str,
        *,
        status: DeliveryStatus,
        at: dt.datetime,
        status_code: int | None = None,
        error: str | None = None,
        retry_at: dt.datetime | None = None,
    ) -> bool:
        now = ts(at)
        async with self._tx() as db:
            changed = await db.execute(
                "UPDATE webhook_events SET status = ?, last_status_code = ?, last_error = ?, "
                "next_attempt_at = COALESCE(?, next_attempt_at), lease_owner = NULL, lease_until = NULL, "
                "updated_at = ?, delivered_at = CASE WHEN ? = ? THEN ? ELSE delivered_at END "
                "WHERE id = ? AND lease_owner = ? AND status = ?",
                (
                    status,
                    status_code,
                    error,
                    ts(retry_at) if retry_at else None,
                    now,
                    status,
                    DeliveryStatus.SENT,
                    now,
                    event_id,
                    owner,
                    DeliveryStatus.SENDING,
                ),
            )
            return changed == 1

    async def webhook_events(self, partner_id: str, *, limit: int) -> list[WebhookEvent]:
        async with self._read() as db:
            rows = await db.rows(
                "SELECT * FROM webhook_events WHERE partner_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                (partner_id, limit),
            )
        return [_webhook_event(row) for row in rows]

    # --- audit ---------------------------------------------------------------------------------

    async def audit(
        self, actor: str, action: str, subject: str | None, detail: dict[str, Any], at: dt.datetime
    ) -> None:
        async with self._tx() as db:
            await _audit(db, actor, action, subject, detail, at)

    async def audit_entries(self, subject: str) -> list[dict[str, Any]]:
        async with self._read() as db:
            rows = await db.rows("SELECT * FROM audit_log WHERE subject = ? ORDER BY at, id", (subject,))
        return [
            {
                "at": row["at"],
                "actor": row["actor"],
                "action": row["action"],
                "detail": json.loads(row["detail_json"]),
            }
            for row in rows
        ]


def _statements(sql: str) -> Iterable[str]:
    """Split a migration file into statements (no semicolons inside our DDL strings)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    for statement in "\n".join(lines).split(";"):
        if statement.strip():
            yield statement.strip()


async def _enqueue_status_change(
    db: Db,
    claim: Claim,
    change_id: str,
    old_status: Status,
    at: dt.datetime,
    *,
    message: bool,
) -> list[Delivery]:
    """Queue an in-place update of every claim card already sent, and a new message if `message`."""
    now = ts(at)
    await db.execute(
        "INSERT INTO notifications (id, claim_id, partner_id, kind, old_status, new_status, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            change_id,
            claim.id,
            claim.partner_id,
            DeliveryKind.STATUS,
            old_status.value,
            claim.status.value,
            now,
        ),
    )
    sent = await db.rows(
        "SELECT * FROM deliveries WHERE claim_id = ? AND kind = ? AND status = ? AND activity_id IS NOT NULL",
        (claim.id, DeliveryKind.CLAIM, DeliveryStatus.SENT),
    )
    for row in sent:
        await db.execute(
            "INSERT INTO deliveries (id, notification_id, claim_id, contact_id, channel, kind, "
            "target_activity_id, dedupe_key, status, conversation_id, attempts, next_attempt_at, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) "
            "ON CONFLICT (dedupe_key) DO NOTHING",
            (
                str(uuid.uuid4()),
                change_id,
                claim.id,
                row["contact_id"],
                row["channel"],
                DeliveryKind.UPDATE,
                row["activity_id"],
                f"{change_id}:{row['id']}:update",
                DeliveryStatus.QUEUED,
                row["conversation_id"],
                now,
                now,
                now,
            ),
        )
    if message:
        await _enqueue_for_contacts(db, claim, change_id, DeliveryKind.STATUS, at, Channel.AUTO)
    return await _notification_deliveries(db, change_id)


async def _enqueue_for_contacts(
    db: Db,
    claim: Claim,
    notification_id: str,
    kind: str,
    at: dt.datetime,
    channel: str = Channel.AUTO,
) -> None:
    """Deliveries of `kind` for every contact, by `channel`: Teams (queued where the contact has the
    app, else waiting for them to install it), email, both, or auto (Teams where they have the app,
    email otherwise)."""
    for contact in claim.contacts:
        refs = await db.rows(
            "SELECT conversation_id FROM conversation_refs WHERE tenant_id = ? AND "
            "conversation_type = 'personal' AND (aad_object_id = ? OR email = ?) "
            "ORDER BY updated_at DESC LIMIT 1",
            (claim.customer_tenant_id, contact.aad_object_id, contact.email.lower()),
        )
        conversation_id = refs[0]["conversation_id"] if refs else None
        teams = channel in (Channel.TEAMS, Channel.BOTH) or (channel == Channel.AUTO and conversation_id)
        email = channel in (Channel.EMAIL, Channel.BOTH) or (channel == Channel.AUTO and not conversation_id)
        if teams:
            status = DeliveryStatus.QUEUED if conversation_id else DeliveryStatus.WAITING
            await _insert_delivery(
                db, claim, notification_id, contact.id, Channel.TEAMS, kind, status, conversation_id, at
            )
        if email:
            await _insert_delivery(
                db, claim, notification_id, contact.id, Channel.EMAIL, kind, DeliveryStatus.QUEUED, None, at
            )


async def _insert_delivery(
    db: Db,
    claim: Claim,
    notification_id: str,
    contact_id: str,
    channel: str,
    kind: str,
    status: str,
    conversation_id: str | None,
    at: dt.datetime,
    error: str | None = None,
) -> None:
    now = ts(at)
    await db.execute(
        "INSERT INTO deliveries (id, notification_id, claim_id, contact_id, channel, kind, dedupe_key, "
        "status, conversation_id, attempts, next_attempt_at, last_error, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
        (
            str(uuid.uuid4()),
            notification_id,
            claim.id,
            contact_id,
            channel,
            kind,
            f"{notification_id}:{contact_id}:{channel}:{kind}",
            status,
            conversation_id,
            now,
            error,
            now,
            now,
        ),
    )


async def _notification_deliveries(db: Db, notification_id: str) -> list[Delivery]:
    rows = await db.rows(
        "SELECT d.* FROM deliveries d LEFT JOIN contacts c ON c.id = d.contact_id "
        "WHERE d.notification_id = ? ORDER BY d.created_at, c.position, d.id",
        (notification_id,),
    )
    return [_delivery(row) for row in rows]


async def _audit(
    db: Db,
    actor: str,
    action: str,
    subject: str | None,
    detail: dict[str, Any],
    at: dt.datetime,
) -> None:
    await _audit_many(db, [(actor, action, subject, detail, at)])


async def _audit_many(
    db: Db, entries: Sequence[tuple[str, str, str | None, dict[str, Any], dt.datetime]]
) -> None:
    """Audit entries as (actor, action, subject, detail, at), in one statement."""
    await db.executemany(
        "INSERT INTO audit_log (id, at, actor, action, subject, detail_json) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (str(uuid.uuid4()), ts(at), actor, action, subject, json.dumps(detail, sort_keys=True))
            for actor, action, subject, detail, at in entries
        ],
    )


async def _rows_in(
    db: Db,
    select: str,
    values: Sequence[str],
    *,
    params: Sequence[Any] = (),
    order: str = "",
    suffix: str = "",
) -> list[Row]:
    """`select` (ending in a column name) IN `values`, in chunks small enough for any engine."""
    rows: list[Row] = []
    for begin in range(0, len(values), IN_CHUNK):
        chunk = list(values[begin : begin + IN_CHUNK])
        marks = ",".join("?" * len(chunk))
        ordered = f" ORDER BY {order}" if order else ""
        rows.extend(await db.rows(f"{select} IN ({marks}){ordered}{suffix}", (*params, *chunk)))
    return rows


async def _hydrate(db: Db, rows: Sequence[Row]) -> list[Claim]:
    """Claims with their workloads and contacts, in two queries whatever the count."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    marks = ",".join("?" * len(ids))
    workloads: dict[str, list[str]] = {i: [] for i in ids}
    for w in await db.rows(
        f"SELECT claim_id, workload_id FROM claim_workloads WHERE claim_id IN ({marks}) "  # noqa: S608 - only placeholders are interpolated
        "ORDER BY claim_id, position",
        ids,
    ):
        workloads[w["claim_id"]].append(w["workload_id"])
    contacts: dict[str, list[Contact]] = {i: [] for i in ids}
    for c in await db.rows(
        f"SELECT * FROM contacts WHERE claim_id IN ({marks}) ORDER BY claim_id, position",  # noqa: S608 - only placeholders are interpolated
        ids,
    ):
        contacts[c["claim_id"]].append(
            Contact(
                id=c["id"],
                name=c["name"],
                email=c["email"],
                aad_object_id=c["aad_object_id"],
                locale=c["locale"],
            )
        )
    return [
        Claim(
            id=row["id"],
            partner_id=row["partner_id"],
            customer_tenant_id=row["customer_tenant_id"],
            customer_name=row["customer_name"],
            solution_area=row["solution_area"],
            workloads=tuple(workloads[row["id"]]),
            status=Status(row["status"]),
            submitted_on=dt.date.fromisoformat(row["submitted_on"]),
            created_at=_req_ts(row["created_at"]),
            updated_at=_req_ts(row["updated_at"]),
            contacts=tuple(contacts[row["id"]]),
            partner_reference=row["partner_reference"],
            message=row["message"],
            locale=row["locale"],
            dispute_used=bool(row["dispute_used"]),
        )
        for row in rows
    ]


def _partner(row: Row) -> Partner:
    return Partner(id=row["id"], name=row["name"], created_at=_req_ts(row["created_at"]))


def _partner_key(row: Row) -> PartnerKey:
    return PartnerKey(
        id=row["id"],
        partner_id=row["partner_id"],
        secret_hash=row["secret_hash"],
        label=row["label"],
        created_at=_req_ts(row["created_at"]),
        revoked_at=parse_ts(row["revoked_at"]),
    )


def _reference(row: Row) -> StoredReference:
    return StoredReference(
        conversation_id=row["conversation_id"],
        tenant_id=row["tenant_id"],
        aad_object_id=row["aad_object_id"],
        user_id=row["user_id"],
        email=row["email"],
        conversation_type=row["conversation_type"],
        channel_id=row["channel_id"],
        service_url=row["service_url"],
        reference=json.loads(row["reference_json"]),
        updated_at=_req_ts(row["updated_at"]),
    )


def _partner_link(row: Row) -> PartnerLink:
    return PartnerLink(
        conversation_id=row["conversation_id"],
        partner_id=row["partner_id"],
        tenant_id=row["tenant_id"],
        aad_object_id=row["aad_object_id"],
        user_name=row["user_name"],
        created_at=_req_ts(row["created_at"]),
    )


def _webhook(row: Row) -> Webhook:
    return Webhook(
        partner_id=row["partner_id"],
        url=row["url"],
        secret=row["secret"],
        created_at=_req_ts(row["created_at"]),
        updated_at=_req_ts(row["updated_at"]),
    )


def _webhook_event(row: Row) -> WebhookEvent:
    return WebhookEvent(
        id=row["id"],
        partner_id=row["partner_id"],
        claim_id=row["claim_id"],
        event_type=row["event_type"],
        payload=json.loads(row["payload_json"]),
        dedupe_key=row["dedupe_key"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=_req_ts(row["next_attempt_at"]),
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        created_at=_req_ts(row["created_at"]),
        delivered_at=parse_ts(row["delivered_at"]),
    )


def _response(row: Row) -> Response:
    return Response(
        id=row["id"],
        claim_id=row["claim_id"],
        kind=ResponseKind(row["kind"]),
        tenant_id=row["tenant_id"],
        aad_object_id=row["aad_object_id"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        contact_id=row["contact_id"],
        channel=row["channel"],
        text=row["text"],
        dedupe_key=row["dedupe_key"],
        created_at=_req_ts(row["created_at"]),
    )


def _delivery(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        notification_id=row["notification_id"],
        claim_id=row["claim_id"],
        contact_id=row["contact_id"],
        channel=Channel(row["channel"]),
        kind=DeliveryKind(row["kind"]),
        target_activity_id=row["target_activity_id"],
        response_id=row["response_id"],
        status=DeliveryStatus(row["status"]),
        conversation_id=row["conversation_id"],
        activity_id=row["activity_id"],
        attempts=row["attempts"],
        next_attempt_at=_req_ts(row["next_attempt_at"]),
        last_error=row["last_error"],
        created_at=_req_ts(row["created_at"]),
        updated_at=_req_ts(row["updated_at"]),
        sent_at=parse_ts(row["sent_at"]),
    )
