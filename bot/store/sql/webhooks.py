"""Partners' webhooks and the events queued for them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot.store import (
    DeliveryStatus,
    Webhook,
    WebhookEvent,
    ts,
)
from bot.store.sql.base import Row, SqlBase, _audit, _req_ts
from bot.store.sql.keys import time_ordered_id
from bot.store.sql.rows import _webhook, _webhook_event


class WebhooksSql(SqlBase):
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
        event_id = time_ordered_id()
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
        self,
        owner: str,
        now: dt.datetime,
        lease_for: dt.timedelta,
        limit: int,
        *,
        per_partner: int | None = None,
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
            sending: dict[str, int] = {}
            saturated = ""
            params: list[object] = [DeliveryStatus.QUEUED, now_s]
            if per_partner is not None:
                counted = await db.rows(
                    "SELECT partner_id, count(*) AS n FROM webhook_events WHERE status = ? "
                    "GROUP BY partner_id",
                    (DeliveryStatus.SENDING,),
                )
                sending = {row["partner_id"]: row["n"] for row in counted}
                full = [partner for partner, n in sending.items() if n >= per_partner]
                if full:
                    saturated = f" AND e.partner_id NOT IN ({', '.join('?' * len(full))})"
                    params.extend(full)
            # More candidates than the batch when capping per partner, so others' events are among them.
            params.append(limit * (5 if per_partner is not None else 1))
            due = (  # only placeholders are added to this query
                "SELECT e.*, w.url, w.secret, w.created_at AS w_created, w.updated_at AS w_updated "  # noqa: S608
                "FROM webhook_events e JOIN partner_webhooks w ON w.partner_id = e.partner_id "
                f"WHERE e.status = ? AND e.next_attempt_at <= ?{saturated} "
                "ORDER BY e.next_attempt_at, e.id LIMIT ?"
            )
            rows = await db.rows(due + self._engine.skip_locked_of("e"), params)
            if per_partner is not None:
                rows = _fair_share(rows, sending, per_partner, limit)
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


def _fair_share(rows: list[Row], sending: dict[str, int], per_partner: int, limit: int) -> list[Row]:
    """In order, up to `limit` rows, and no partner past `per_partner` counting those already sending."""
    taken: dict[str, int] = dict(sending)
    fair: list[Row] = []
    for row in rows:
        partner = row["partner_id"]
        if taken.get(partner, 0) >= per_partner:
            continue
        taken[partner] = taken.get(partner, 0) + 1
        fair.append(row)
        if len(fair) == limit:
            break
    return fair
