"""What the partner API tests share: checking a problem+json answer, and counting a partner's claims."""

from __future__ import annotations

from typing import Any

from bot.store import Store

PROBLEM = "application/problem+json"


async def problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status == status, await resp.text()
    assert resp.content_type == PROBLEM
    body: dict[str, Any] = await resp.json()
    assert body["status"] == status
    return body


async def count_claims(store: Store, auth: dict[str, str]) -> int:
    partner_id = await partner_of(store, auth)
    return len(await store.list_claims(partner_id, limit=100))


async def partner_of(store: Store, auth: dict[str, str]) -> str:
    from bot.partner_api.keys import authenticate

    partner = await authenticate(store, auth["Authorization"].split(" ", 1)[1])
    assert partner is not None
    return partner.id
