"""Partner API keys: every secured operation needs one; a missing, wrong or revoked key gets 401."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.store import Store
from tests.bot.partner_api.support import PROBLEM, problem
from tests.support import raw_request


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


@pytest.mark.parametrize(
    "presented",
    [
        b"cpor_\xff\xfe_abc",  # not UTF-8 in the key id
        b"cpor_0123456789abcdef_\xff\xfe",  # not UTF-8 in the secret
    ],
)
async def test_a_key_that_is_not_ascii_is_401_like_any_wrong_key(
    client: TestClient[Any, Any], auth: dict[str, str], presented: bytes
) -> None:
    # A header as bytes on the wire: a client library would refuse to send most of these.
    status, headers, body = await raw_request(
        client,
        b"GET /api/claims HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        b"Authorization: Bearer " + presented + b"\r\n\r\n",
    )
    assert status == 401, body
    assert headers["Content-Type"].startswith(PROBLEM)
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert json.loads(body)["detail"] == "The partner key is unknown or has been revoked."
    # The partner's own key still opens the API.
    assert (await client.get("/api/claims", headers=auth)).status == 200
