"""Claims with their workloads and contacts, and status changes (which queue card updates)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from bot.domain.claims import Claim, Status
from bot.store import (
    Channel,
    ClaimInHand,
    Conflict,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    NotFound,
    ts,
)
from bot.store.sql.base import Db, SqlBase, _audit, _rows_in
from bot.store.sql.outbox import enqueue_for_contacts, insert_delivery, notification_deliveries
from bot.store.sql.rows import RESPONSE_COLUMNS, _claim, _contact, _hydrate, _response


class ClaimsSql(SqlBase):
    async def create_claim(self, claim: Claim) -> None:
        try:
            await self._create_claim(claim)
        except self._engine.integrity_errors as exc:
            raise Conflict(f"claim {claim.id!r} could not be stored: {exc}") from exc

    async def _create_claim(self, claim: Claim) -> None:
        async with self._tx() as db:
            await insert_claim(db, claim)

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

    async def claim_in_hand(self, claim_id: str) -> ClaimInHand | None:
        """The claim, its partner's name and its responses in one statement: a card click reads all
        three, and each statement is a round trip (to SQLite's thread, or to the server)."""
        json_rows = self._engine.json_rows
        workloads = json_rows(("workload_id", "position"), "FROM claim_workloads WHERE claim_id = c.id")
        contacts = json_rows(
            ("id", "name", "email", "aad_object_id", "locale", "position"),
            "FROM contacts WHERE claim_id = c.id",
        )
        responses = json_rows(RESPONSE_COLUMNS, "FROM responses r WHERE r.claim_id = c.id")
        rows = await self._engine.fetch(
            "SELECT c.*, p.name AS partner_name, "  # noqa: S608 - constant column lists only
            f"({workloads}) AS workloads_json, ({contacts}) AS contacts_json, "
            f"({responses}) AS responses_json "
            "FROM claims c LEFT JOIN partners p ON p.id = c.partner_id WHERE c.id = ?",
            (claim_id,),
        )
        if not rows:
            return None
        row = rows[0]
        from_json = self._engine.from_json
        # The aggregates promise no order: sorted here as the other reads sort them.
        by_position = sorted(from_json(row["workloads_json"]), key=lambda w: w["position"])
        people = sorted(from_json(row["contacts_json"]), key=lambda c: c["position"])
        answers = sorted(from_json(row["responses_json"]), key=lambda r: (r["created_at"], r["id"]))
        claim = _claim(row, [w["workload_id"] for w in by_position], [_contact(c) for c in people])
        return ClaimInHand(claim, row["partner_name"] or "", tuple(_response(r) for r in answers))

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
                # `created_at <= ?` first gives the index a range to start from (an OR alone made
                # both engines walk the partner's claims from the newest); the rest breaks ties.
                rows = await db.rows(
                    "SELECT * FROM claims WHERE partner_id = ? AND created_at <= ? AND (created_at < ? "
                    "OR id < ?) ORDER BY created_at DESC, id DESC LIMIT ?",
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

    async def claim_statuses(self, claim_ids: Sequence[str]) -> dict[str, Status]:
        async with self._read() as db:
            rows = await _rows_in(db, "SELECT id, status FROM claims WHERE id", sorted(set(claim_ids)))
        return {row["id"]: Status(row["status"]) for row in rows}

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
        await insert_delivery(
            db,
            claim_id=claim.id,
            notification_id=change_id,
            contact_id=row["contact_id"],
            channel=row["channel"],
            kind=DeliveryKind.UPDATE,
            target_activity_id=row["activity_id"],
            dedupe_key=f"{change_id}:{row['id']}:update",
            conversation_id=row["conversation_id"],
            at=at,
        )
    if message:
        # Only to contacts the claim card already reached: the partner's notifications, which are
        # limited, decide who hears from this app, and a status change cannot be a way around them
        # (nor a first word about a claim the reader was never told of).
        rows = await db.rows(
            "SELECT DISTINCT contact_id FROM deliveries WHERE claim_id = ? AND kind = ? AND status IN (?, ?)",
            (claim.id, DeliveryKind.CLAIM, DeliveryStatus.SENT, DeliveryStatus.UNKNOWN),
        )
        told = {row["contact_id"] for row in rows}
        if told:
            reached = replace(claim, contacts=tuple(c for c in claim.contacts if c.id in told))
            await enqueue_for_contacts(db, reached, change_id, DeliveryKind.STATUS, at, Channel.AUTO)
    return await notification_deliveries(db, change_id)


async def insert_claim(db: Db, claim: Claim) -> None:
    """Store a claim with its workloads and contacts, and audit it, in the caller's transaction."""
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
