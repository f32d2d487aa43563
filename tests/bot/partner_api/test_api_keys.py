"""Partner API keys: every secured operation needs one; a missing, wrong or revoked key gets 401."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.store import Store
from tests.bot.partner_api.support import problem


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer cpor_0123456789abcdef_not-the-secret"},
        {"Authorization": "Bearer nonsense"},
    ],
)
async def test_missing_or_wrong_key_is_401(
    client: TestClient[Any, Any], claim_body: dict[str, Any], headers: dict[str, str]
) -> None:
    resp = await client.post("/api/claims", json=claim_body, headers=headers)
    body = await problem(resp, 401)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert "key" in body["detail"]


async def test_revoked_key_is_401(client: TestClient[Any, Any], store: Store, auth: dict[str, str]) -> None:
    import datetime as dt

    key_id = auth["Authorization"].split("_")[1]
    assert await store.revoke_partner_key(key_id, dt.datetime.now(dt.UTC))
    resp = await client.get("/api/claims", headers=auth)
    await problem(resp, 401)


async def test_a_right_key_id_with_a_wrong_secret_is_401(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    tampered = auth["Authorization"][:-3] + ("abc" if not auth["Authorization"].endswith("abc") else "xyz")
    resp = await client.get("/api/claims", headers={"Authorization": tampered})
    await problem(resp, 401)


async def test_every_secured_operation_needs_a_key(client: TestClient[Any, Any]) -> None:
    # The sub-application's middleware guards every route but the API's description.
    from bot.partner_api.openapi import openapi_document

    checked = 0
    for path, item in openapi_document()["paths"].items():
        if not path.startswith("/api/") or path == "/api/messages":
            continue
        for method, operation in item.items():
            url = path.replace("{claim_id}", "claim-1")
            resp = await client.request(
                method.upper(), url, json={} if method in ("post", "put", "patch") else None
            )
            if operation.get("security"):
                await problem(resp, 401)
                checked += 1
            else:
                assert resp.status == 200, (method, path)
    assert checked >= 10
