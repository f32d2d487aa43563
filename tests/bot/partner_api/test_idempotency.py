"""Idempotency keys on the partner API: a retry is answered once, per partner, and only for the same body."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from bot.store import Store
from tests.bot.partner_api.support import count_claims, problem


async def test_an_idempotency_key_makes_a_retry_safe(
    client: TestClient[Any, Any], store: Store, auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    headers = {**auth, "Idempotency-Key": "order-4711"}
    first = await client.post("/api/claims", json=claim_body, headers=headers)
    again = await client.post("/api/claims", json=claim_body, headers=headers)
    assert first.status == again.status == 201
    assert await first.json() == await again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert await count_claims(store, auth) == 1

    claim_id = (await first.json())["id"]
    url = f"/api/claims/{claim_id}/notifications"
    sent = [
        await client.post(url, json={}, headers={**auth, "Idempotency-Key": "notify-1"}) for _ in range(3)
    ]
    assert [r.status for r in sent] == [202, 202, 202]
    assert len({(await r.json())["notification_id"] for r in sent}) == 1
    claim = await (await client.get(f"/api/claims/{claim_id}", headers=auth)).json()
    assert len(claim["deliveries"]) == 2


async def test_the_same_key_with_another_body_is_refused(
    client: TestClient[Any, Any], store: Store, auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    headers = {**auth, "Idempotency-Key": "order-4712"}
    assert (await client.post("/api/claims", json=claim_body, headers=headers)).status == 201
    claim_body["customer_name"] = "Someone Else Ltd"
    body = await problem(await client.post("/api/claims", json=claim_body, headers=headers), 422)
    assert body["field"] == "Idempotency-Key"
    assert await count_claims(store, auth) == 1


async def test_a_refused_request_does_not_use_up_its_key(
    client: TestClient[Any, Any], store: Store, auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    headers = {**auth, "Idempotency-Key": "order-4713"}
    bad = {**claim_body, "customer_tenant_id": "nope"}
    await problem(await client.post("/api/claims", json=bad, headers=headers), 422)
    assert (await client.post("/api/claims", json=claim_body, headers=headers)).status == 201


async def test_keys_are_per_partner(
    client: TestClient[Any, Any], auth: dict[str, str], other_auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    mine = await client.post("/api/claims", json=claim_body, headers={**auth, "Idempotency-Key": "k"})
    theirs = await client.post("/api/claims", json=claim_body, headers={**other_auth, "Idempotency-Key": "k"})
    assert mine.status == theirs.status == 201
    assert (await mine.json())["id"] != (await theirs.json())["id"]
    assert "Idempotent-Replayed" not in theirs.headers
