"""Where each Teams user can be reached: conversation references, kept up to date."""

from __future__ import annotations

import datetime as dt
import json

from bot.store import (
    DeliveryStatus,
    StoredReference,
    ts,
)
from bot.store.sql.base import SqlBase, _audit
from bot.store.sql.rows import _reference


class ReferencesSql(SqlBase):
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

    async def mark_reference_dead(self, conversation_id: str, at: dt.datetime, reason: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM conversation_refs WHERE conversation_id = ?", (conversation_id,))
            await _audit(db, "delivery", "reference.dead", conversation_id, {"reason": reason}, at)
