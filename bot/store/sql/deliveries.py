"""Notifications and the outbox: deliveries queued per contact and channel, leased by workers,
finished in batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.domain.claims import Claim, Status
from bot.store import (
    Channel,
    Conflict,
    Delivery,
    DeliveryKind,
    DeliveryOutcome,
    DeliveryStatus,
    LeasedDelivery,
    NotFound,
    Response,
    ts,
)
from bot.store.limits import NotifyAllowance
from bot.store.sql.allowance import check_allowance
from bot.store.sql.base import IN_CHUNK, Db, SqlBase, _audit, _audit_many, _rows_in
from bot.store.sql.claims import insert_claim
from bot.store.sql.outbox import (
    enqueue_for_contacts,
    insert_delivery,
    insert_for_contact,
    notification_deliveries,
)
from bot.store.sql.rows import _delivery, _hydrate, _reference, _response

# What /metrics counts of the outbox on every scrape: the deliveries still to go (waiting for the
# contact's Teams chat, queued, being sent) and those whose lease ran out mid-send (unknown: they may
# or may not have arrived, and want an operator's look). Sent and failed deliveries, the outbox's
# history, are left out: counting them read the whole table, which only grows.
OUTBOX_GAUGED = (
    DeliveryStatus.WAITING,
    DeliveryStatus.QUEUED,
    DeliveryStatus.SENDING,
    DeliveryStatus.UNKNOWN,
)

# The status test of a statement that names its deliveries by id. Written so that no index on the
# status can serve it: SQLite otherwise reads every delivery in `sending` (every lane's whole
# lease) through a status index for each batch of start marks or outcomes, instead of looking
# the named ids up.
SENDING_BY_ID = "status || '' = ?"


class DeliveriesSql(SqlBase):
    async def create_notification(
        self,
        claim: Claim,
        notification_id: str,
        at: dt.datetime,
        channel: str = Channel.AUTO,
        *,
        allowance: NotifyAllowance | None = None,
    ) -> list[Delivery]:
        try:
            return await self._create_notification(claim, notification_id, at, channel, allowance)
        except self._engine.integrity_errors as exc:
            if await self._claim_gone(claim.id):  # purged since the caller read it
                raise NotFound(f"claim {claim.id!r} not found") from exc
            raise Conflict(f"notification {notification_id!r} exists") from exc

    async def _create_notification(
        self,
        claim: Claim,
        notification_id: str,
        at: dt.datetime,
        channel: str,
        allowance: NotifyAllowance | None,
    ) -> list[Delivery]:
        async with self._tx() as db:
            return await self._insert_notification(db, claim, notification_id, at, channel, allowance)

    async def create_claim_and_notify(
        self,
        claim: Claim,
        notification_id: str,
        at: dt.datetime,
        channel: str = Channel.AUTO,
        *,
        allowance: NotifyAllowance | None,
    ) -> list[Delivery]:
        try:
            async with self._tx() as db:
                await insert_claim(db, claim)
                # Refused by the allowance: LimitReached rolls the claim back with the notification.
                return await self._insert_notification(db, claim, notification_id, at, channel, allowance)
        except self._engine.integrity_errors as exc:
            raise Conflict(f"claim {claim.id!r} or notification {notification_id!r} exists") from exc

    async def _insert_notification(
        self,
        db: Db,
        claim: Claim,
        notification_id: str,
        at: dt.datetime,
        channel: str,
        allowance: NotifyAllowance | None,
    ) -> list[Delivery]:
        # One message per contact, two where both channels are asked for ("auto" picks one).
        messages = len(claim.contacts) * (2 if channel == Channel.BOTH else 1)
        if allowance is not None:
            await check_allowance(db, self._engine.for_update, claim, channel, messages, at, allowance)
        await db.execute(
            "INSERT INTO notifications (id, claim_id, partner_id, kind, channel, messages, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (notification_id, claim.id, claim.partner_id, DeliveryKind.CLAIM, channel, messages, ts(at)),
        )
        await enqueue_for_contacts(db, claim, notification_id, DeliveryKind.CLAIM, at, channel)
        await _audit(
            db,
            f"partner:{claim.partner_id}",
            "claim.notified",
            claim.id,
            {"notification_id": notification_id, "contacts": len(claim.contacts), "channel": channel},
            at,
        )
        return await notification_deliveries(db, notification_id)

    async def deliveries_for_claim(self, claim_id: str) -> list[Delivery]:
        async with self._read() as db:
            rows = await db.rows(
                "SELECT d.* FROM deliveries d LEFT JOIN contacts c ON c.id = d.contact_id "
                "WHERE d.claim_id = ? ORDER BY d.created_at, c.position",
                (claim_id,),
            )
        return [_delivery(row) for row in rows]

    async def delivery_counts(self) -> dict[str, int]:
        # Reads every delivery ever queued (the whole table): for tests and benchmarks, not /metrics.
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

    async def outbox_counts(self) -> dict[str, int]:
        """The deliveries still to go, and those that may or may not have arrived, by status (every one
        of OUTBOX_GAUGED, zero included). One search of a due index (both begin with the
        status): its cost follows these deliveries, not the outbox's history of sent and failed ones."""
        marks = ",".join("?" * len(OUTBOX_GAUGED))
        async with self._read() as db:
            rows = await db.rows(
                f"SELECT status, count(*) AS n FROM deliveries WHERE status IN ({marks}) GROUP BY status",  # noqa: S608 - only placeholders are interpolated
                OUTBOX_GAUGED,
            )
        counts: dict[str, int] = dict.fromkeys(OUTBOX_GAUGED, 0)
        counts.update({row["status"]: int(row["n"]) for row in rows})
        return counts

    async def lease_deliveries(
        self, owner: str, now: dt.datetime, lease_for: dt.timedelta, limit: int
    ) -> list[LeasedDelivery]:
        """Lease up to `limit` due deliveries with everything needed to send them, in a fixed number
        of queries whatever the count (the worker leases hundreds at a time)."""
        now_s = ts(now)
        async with self._tx() as db:
            # A lease that ran out (its worker died or stalled). A send that had started may have
            # arrived: never resend it blindly. One that never started goes back to the queue, due
            # now, its attempt not counted. A worker still holding one marks it started, or finds it
            # gone, in a transaction of its own: whichever comes first, it is sent at most once.
            await db.execute(
                "UPDATE deliveries SET status = ?, lease_owner = NULL, lease_until = NULL, "
                "last_error = 'lease expired while sending; it may or may not have arrived', "
                "updated_at = ? WHERE status = ? AND lease_until < ? AND started_at IS NOT NULL",
                (DeliveryStatus.UNKNOWN, now_s, DeliveryStatus.SENDING, now_s),
            )
            await db.execute(
                "UPDATE deliveries SET status = ?, lease_owner = NULL, lease_until = NULL, "
                "attempts = attempts - 1, next_attempt_at = ?, updated_at = ? "
                "WHERE status = ? AND lease_until < ? AND started_at IS NULL",
                (DeliveryStatus.QUEUED, now_s, now_s, DeliveryStatus.SENDING, now_s),
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
                f"attempts = attempts + 1, started_at = NULL, updated_at = ? WHERE id IN ({marks})",
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

    async def start_deliveries(self, owner: str, delivery_ids: Sequence[str], at: dt.datetime) -> set[str]:
        """Mark leased deliveries as started (their requests leave now); the ids this owner still
        holds, which alone may be sent."""
        held: set[str] = set()
        # One statement per chunk, each a transaction of its own: a start is marked row by row, and
        # this runs before every send (SQLite does it in one round trip to its thread).
        for begin in range(0, len(delivery_ids), IN_CHUNK):
            chunk = list(delivery_ids[begin : begin + IN_CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = await self._engine.statement(
                "UPDATE deliveries SET started_at = ? "  # noqa: S608 - only placeholders are interpolated
                f"WHERE lease_owner = ? AND {SENDING_BY_ID} AND id IN ({marks}) RETURNING id",
                (ts(at), owner, DeliveryStatus.SENDING, *chunk),
            )
            held.update(row["id"] for row in rows)
        return held

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
                    f"SELECT id FROM deliveries WHERE lease_owner = ? AND {SENDING_BY_ID} AND id",  # noqa: S608 - constant SQL
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

    async def enqueue_card_update(
        self, delivery_id: str, at: dt.datetime, *, because: str | None = None
    ) -> bool:
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
            changed = await insert_delivery(
                db,
                claim_id=row["claim_id"],
                contact_id=row["contact_id"],
                channel=row["channel"],
                kind=DeliveryKind.UPDATE,
                target_activity_id=row["activity_id"],
                dedupe_key=f"{delivery_id}:update:{because or row['claim_updated']}",
                conversation_id=row["conversation_id"],
                at=at,
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
            await insert_for_contact(
                db,
                claims[0].id,
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

    async def enqueue_partner_notices(self, response: Response, partner_id: str, at: dt.datetime) -> int:
        async with self._tx() as db:
            links = await db.rows(
                "SELECT l.conversation_id FROM partner_links l JOIN conversation_refs r "
                "ON r.conversation_id = l.conversation_id WHERE l.partner_id = ?",
                (partner_id,),
            )
            for link in links:
                await insert_delivery(
                    db,
                    claim_id=response.claim_id,
                    channel=Channel.TEAMS,
                    kind=DeliveryKind.PARTNER,
                    response_id=response.id,
                    dedupe_key=f"{response.id}:{link['conversation_id']}:partner",
                    conversation_id=link["conversation_id"],
                    at=at,
                )
        return len(links)
