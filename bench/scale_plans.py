"""The hot queries' plans for `bench/scale.py`: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on
PostgreSQL, each statement exactly as the store runs it (copied from bot/store/sql/: deliveries.py
for the outbox, claims.py and rows.py for claims, references.py, outbox.py and allowance.py; the
contact's chat and the outbox's counts for /metrics imported from outbox.py and deliveries.py), with
values taken from the filled store. A plan that reads a whole large table is named in `full_scans`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.domain.claims import Contact
from bot.store import DeliveryKind, DeliveryStatus, Store, ts
from bot.store.sql.deliveries import OUTBOX_GAUGED, SENDING_BY_ID
from bot.store.sql.outbox import CONTACT_CHAT, contact_chat_params

# Tables that grow with the claims: reading one whole is a full scan worth naming.
BIG_TABLES = (
    "claims",
    "claim_workloads",
    "contacts",
    "conversation_refs",
    "notifications",
    "deliveries",
    "audit_log",
)
IN_SIZE = 100  # ids in an IN (...) list: a worker's lease is 100


def _marks(n: int) -> str:
    return ",".join("?" * n)


def queries(
    sample: dict[str, Any], skip_locked: str, for_update: str
) -> dict[str, tuple[str, tuple[Any, ...]]]:
    """name: (sql, params), the store's own statements."""
    now = sample["now"]
    ids = sample["delivery_ids"]
    claim_ids = sample["claim_ids"]
    sending, queued = DeliveryStatus.SENDING, DeliveryStatus.QUEUED
    return {
        "lease: expired leases, started": (
            "UPDATE deliveries SET status = ?, lease_owner = NULL, lease_until = NULL, "
            "last_error = 'lease expired while sending; it may or may not have arrived', "
            "updated_at = ? WHERE status = ? AND lease_until < ? AND started_at IS NOT NULL",
            (DeliveryStatus.UNKNOWN, now, sending, now),
        ),
        "lease: expired leases, not started": (
            "UPDATE deliveries SET status = ?, lease_owner = NULL, lease_until = NULL, "
            "attempts = attempts - 1, next_attempt_at = ?, updated_at = ? "
            "WHERE status = ? AND lease_until < ? AND started_at IS NULL",
            (queued, now, now, sending, now),
        ),
        "lease: due deliveries": (
            "SELECT id, conversation_id, channel FROM deliveries d "  # noqa: S608 - the engine's constant
            "WHERE status = ? AND next_attempt_at <= ? AND NOT EXISTS ("
            "SELECT 1 FROM deliveries busy WHERE busy.conversation_id = d.conversation_id "
            "AND busy.status = ? AND busy.lease_owner <> ?) "
            "ORDER BY next_attempt_at, id LIMIT ?" + skip_locked,
            (queued, now, sending, "worker-1", 100),
        ),
        "lease: references of the leased": (
            "SELECT * FROM conversation_refs WHERE conversation_id "  # noqa: S608
            f"IN ({_marks(len(sample['conversations']))})",
            tuple(sample["conversations"]),
        ),
        "lease: take them": (
            "UPDATE deliveries SET status = ?, lease_owner = ?, lease_until = ?, "  # noqa: S608
            f"attempts = attempts + 1, started_at = NULL, updated_at = ? WHERE id IN ({_marks(len(ids))})",
            (sending, "worker-1", now, now, *ids),
        ),
        "start: mark started": (
            "UPDATE deliveries SET started_at = ? "  # noqa: S608
            f"WHERE lease_owner = ? AND {SENDING_BY_ID} AND id IN ({_marks(len(ids))}) RETURNING id",
            (now, "worker-1", sending, *ids),
        ),
        "finish: fenced rows": (
            f"SELECT id FROM deliveries WHERE lease_owner = ? AND {SENDING_BY_ID} AND id "  # noqa: S608
            f"IN ({_marks(len(ids))}){for_update}",
            ("worker-1", sending, *ids),
        ),
        "finish: write outcome": (
            "UPDATE deliveries SET status = ?, activity_id = COALESCE(?, activity_id), "
            "last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at), "
            "attempts = attempts - ?, lease_owner = NULL, lease_until = NULL, updated_at = ?, "
            "sent_at = CASE WHEN ? = ? THEN ? ELSE sent_at END "
            "WHERE id = ? AND lease_owner = ? AND status = ?",
            (
                DeliveryStatus.SENT,
                "1:x",
                None,
                None,
                0,
                now,
                DeliveryStatus.SENT,
                DeliveryStatus.SENT,
                now,
                ids[0],
                "worker-1",
                sending,
            ),
        ),  # fmt: skip
        "metrics: outbox counts": (
            f"SELECT status, count(*) AS n FROM deliveries WHERE status IN ({_marks(len(OUTBOX_GAUGED))}) "  # noqa: S608
            "GROUP BY status",
            tuple(OUTBOX_GAUGED),
        ),
        "GET /api/claims: first page": (
            "SELECT * FROM claims WHERE partner_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            (sample["partner_id"], 101),
        ),
        "GET /api/claims: deep page": (
            "SELECT * FROM claims WHERE partner_id = ? AND created_at <= ? AND (created_at < ? "
            "OR id < ?) ORDER BY created_at DESC, id DESC LIMIT ?",
            (sample["partner_id"], sample["cursor"][0], sample["cursor"][0], sample["cursor"][1], 101),
        ),
        "claims: workloads of a page": (
            f"SELECT claim_id, workload_id FROM claim_workloads WHERE claim_id IN ({_marks(len(claim_ids))}) "  # noqa: S608
            "ORDER BY claim_id, position",
            tuple(claim_ids),
        ),
        "claims: contacts of a page": (
            f"SELECT * FROM contacts WHERE claim_id IN ({_marks(len(claim_ids))}) "  # noqa: S608
            "ORDER BY claim_id, position",
            tuple(claim_ids),
        ),
        "Teams claims: a tenant's claims": (
            "SELECT * FROM claims WHERE customer_tenant_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            (sample["tenant"], 50),
        ),
        "Teams message: release waiting deliveries": (
            "UPDATE deliveries SET status = ?, conversation_id = ?, next_attempt_at = ?, "
            "updated_at = ? WHERE status = ? AND contact_id IN ("
            " SELECT c.id FROM contacts c JOIN claims cl ON cl.id = c.claim_id"
            " WHERE cl.customer_tenant_id = ? AND (c.aad_object_id = ? OR lower(c.email) = ?))",
            (
                queued,
                "a:x",
                now,
                now,
                DeliveryStatus.WAITING,
                sample["tenant"],
                sample["aad"],
                sample["email"],
            ),
        ),
        "notify: contact's chat": (
            CONTACT_CHAT,
            contact_chat_params(
                sample["tenant"], Contact(id="", name="", email=sample["email"], aad_object_id=sample["aad"])
            ),
        ),
        "notify: contact's chat, email only": (
            CONTACT_CHAT,
            contact_chat_params(sample["tenant"], Contact(id="", name="", email=sample["email"])),
        ),
        "notify: cooldown": (
            "SELECT max(created_at) AS last FROM notifications WHERE claim_id = ? AND kind = ? "
            "AND channel = ? AND created_at > ?",
            (claim_ids[0], DeliveryKind.CLAIM, "auto", sample["hour_ago"]),
        ),
        "notify: per minute": (
            "SELECT count(*) AS n, min(created_at) AS first FROM notifications "
            "WHERE partner_id = ? AND kind = ? AND created_at > ?",
            (sample["partner_id"], DeliveryKind.CLAIM, sample["minute_ago"]),
        ),
        "notify: messages today": (
            "SELECT coalesce(sum(messages), 0) AS n FROM notifications "
            "WHERE partner_id = ? AND kind = ? AND created_at >= ?",
            (sample["partner_id"], DeliveryKind.CLAIM, sample["today"]),
        ),
        "notify: its deliveries": (
            "SELECT d.* FROM deliveries d LEFT JOIN contacts c ON c.id = d.contact_id "
            "WHERE d.notification_id = ? ORDER BY d.created_at, c.position, d.id",
            (sample["notification_id"],),
        ),
        "GET /api/claims/{id}: deliveries": (
            "SELECT d.* FROM deliveries d LEFT JOIN contacts c ON c.id = d.contact_id "
            "WHERE d.claim_id = ? ORDER BY d.created_at, c.position",
            (claim_ids[0],),
        ),
    }


async def _sample(store: Store, partner_id: str, tenant: str) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    async with store._tx() as db:  # type: ignore[attr-defined]  # noqa: SLF001 - a benchmark's look inside
        deliveries = await db.rows(
            "SELECT id, conversation_id, notification_id FROM deliveries ORDER BY id LIMIT ?", (IN_SIZE,)
        )
        claims = await db.rows(
            "SELECT id, created_at FROM claims WHERE partner_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            (partner_id, IN_SIZE),
        )
        count = (await db.rows("SELECT count(*) AS n FROM claims WHERE partner_id = ?", (partner_id,)))[0][
            "n"
        ]
        median = await db.rows(  # the deep page's cursor, as bench/scale.py asks for it
            "SELECT id, created_at FROM claims WHERE partner_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?",
            (partner_id, count // 2),
        )
        contact = await db.rows(
            "SELECT c.email, c.aad_object_id FROM contacts c JOIN claims cl ON cl.id = c.claim_id "
            "WHERE cl.customer_tenant_id = ? AND c.aad_object_id IS NOT NULL LIMIT 1",
            (tenant,),
        )
    return {
        "now": ts(now),
        "hour_ago": ts(now - dt.timedelta(minutes=10)),
        "minute_ago": ts(now - dt.timedelta(minutes=1)),
        "today": ts(now.replace(hour=0, minute=0, second=0, microsecond=0)),
        "delivery_ids": [row["id"] for row in deliveries] or ["none"],
        "conversations": sorted({row["conversation_id"] for row in deliveries if row["conversation_id"]})
        or ["none"],
        "notification_id": deliveries[0]["notification_id"] if deliveries else "none",
        "claim_ids": [row["id"] for row in claims] or ["none"],
        "cursor": (median[0]["created_at"], median[0]["id"]) if median else (ts(now), "none"),
        "partner_id": partner_id,
        "tenant": tenant,
        "aad": contact[0]["aad_object_id"] if contact else None,
        "email": contact[0]["email"] if contact else "nobody@example.invalid",
    }


_LONG_LIST = re.compile(r"'\{[^}]{60,}\}'")  # PostgreSQL's ANY ('{…}') of 100 ids: shown as a count
_SQLITE_FULL = re.compile(r"^SCAN (\w+)(?! USING)")
_PG_FULL = re.compile(r"Seq Scan on (\w+)")


def full_scans(engine: str, plan: list[str]) -> list[str]:
    """The large tables a plan reads whole (SQLite `SCAN t` without an index, PostgreSQL `Seq Scan`)."""
    pattern = _SQLITE_FULL if engine == "sqlite" else _PG_FULL
    found = []
    for line in plan:
        match = pattern.search(line.strip())
        if match and match.group(1) in BIG_TABLES + ("d", "busy", "c", "cl"):
            found.append(match.group(1))
    return found


async def explain(store: Store, engine: str, partner_id: str, tenant: str) -> dict[str, dict[str, Any]]:
    sample = await _sample(store, partner_id, tenant)
    skip_locked = " FOR UPDATE SKIP LOCKED" if engine == "postgresql" else ""
    for_update = " FOR UPDATE" if engine == "postgresql" else ""
    plans: dict[str, dict[str, Any]] = {}
    prefix = "EXPLAIN QUERY PLAN " if engine == "sqlite" else "EXPLAIN "
    for name, (sql, params) in queries(sample, skip_locked, for_update).items():
        async with store._tx() as db:  # type: ignore[attr-defined]  # noqa: SLF001
            rows = await db.rows(prefix + sql, params)
        if engine == "sqlite":
            depth: dict[int, int] = {0: -1}
            lines = []
            for row in rows:
                level = depth.get(row["parent"], -1) + 1
                depth[row["id"]] = level
                lines.append("  " * level + row["detail"])
        else:
            lines = [row["QUERY PLAN"] for row in rows]
        lines = [
            _LONG_LIST.sub(lambda m: "'{" + f"…{m.group(0).count(',') + 1} values" + "}'", line)
            for line in lines
        ]
        plans[name] = {"plan": lines, "full_scans": full_scans(engine, lines)}
    return plans
