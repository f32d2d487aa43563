"""Partners and their keys, one-time link codes and linked Teams chats, and idempotency keys."""

from __future__ import annotations

import datetime as dt
import uuid

from bot.store import (
    Conflict,
    IdempotentRequest,
    Partner,
    PartnerKey,
    PartnerLink,
    ts,
)
from bot.store.sql.base import SqlBase, _audit, _req_ts
from bot.store.sql.rows import _partner, _partner_key, _partner_link


class PartnersSql(SqlBase):
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
