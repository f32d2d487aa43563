"""The customers' responses to the cards, and the audit log."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot.store import (
    NotFound,
    Response,
    ts,
)
from bot.store.sql.base import INSERT_AUDIT, AuditEntry, Execute, Fetch, Plan, SqlBase, _audit, audit_step
from bot.store.sql.rows import _response


class ResponsesSql(SqlBase):
    async def record_response(self, response: Response) -> tuple[Response, bool]:
        try:
            return await self._record_response(response)
        except self._engine.integrity_errors as exc:
            if await self._claim_gone(response.claim_id):
                raise NotFound(f"claim {response.claim_id!r} not found") from exc
            raise

    async def _record_response(self, response: Response) -> tuple[Response, bool]:
        if not self._engine.writes_in_with:
            return await self._engine.run(_record_plan(response))
        # The same in one statement, where the engine takes writes in a WITH: the response, its
        # audit entry when new, and the stored one, in one round trip instead of four.
        audit = audit_step(*_audit_entry(response)).rows[0]
        rows = await self._engine.statement(
            f"WITH added AS ({INSERT_RESPONSE} RETURNING *), "  # noqa: S608 - constant SQL only
            f"audited AS ({INSERT_AUDIT} SELECT ?, ?, ?, ?, ?, ? FROM added) "
            "SELECT *, 1 AS is_new FROM added UNION ALL "
            "SELECT *, 0 AS is_new FROM responses WHERE dedupe_key = ? AND NOT EXISTS (SELECT 1 FROM added)",
            (*_response_values(response), *audit, response.dedupe_key),
        )
        if not rows:
            # Another transaction stored this key after the statement began: the insert gave way to
            # it, and the statement's snapshot was too early to see it. It is committed now.
            rows = await self._engine.fetch(
                "SELECT * FROM responses WHERE dedupe_key = ?", (response.dedupe_key,)
            )
            return _response(rows[0]), False
        return _response(rows[0]), bool(rows[0]["is_new"])

    async def responses_for_claim(self, claim_id: str) -> list[Response]:
        async with self._read() as db:
            rows = await db.rows(
                "SELECT * FROM responses WHERE claim_id = ? ORDER BY created_at, id", (claim_id,)
            )
        return [_response(row) for row in rows]

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


INSERT_RESPONSE = (
    "INSERT INTO responses (id, claim_id, kind, tenant_id, aad_object_id, user_id, user_name, "
    "contact_id, channel, text, dedupe_key, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING"
)


def _response_values(response: Response) -> tuple[Any, ...]:
    return (
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
    )


def _audit_entry(response: Response) -> AuditEntry:
    return (
        f"customer:{response.tenant_id}/{response.aad_object_id or response.user_id}",
        f"response.{response.kind}",
        response.claim_id,
        {"response_id": response.id, "channel": response.channel},
        response.created_at,
    )


def _record_plan(response: Response) -> Plan[tuple[Response, bool]]:
    """The response stored once per dedupe key (audited when new), and the stored one returned."""
    changed = yield Execute(INSERT_RESPONSE, _response_values(response))
    is_new = changed == 1
    if is_new:
        yield audit_step(*_audit_entry(response))
    rows = yield Fetch("SELECT * FROM responses WHERE dedupe_key = ?", (response.dedupe_key,))
    return _response(rows[0]), is_new
