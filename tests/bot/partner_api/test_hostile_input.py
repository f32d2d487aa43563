"""Hostile bodies, fields and queries: each is a 4xx problem naming what is wrong, never a 5xx or a
logged traceback, and nothing is stored."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from bot.ops.config import Settings
from bot.ops.state import STORE
from bot.store import Store
from tests.bot.partner_api.support import count_claims, problem
from tests.support import RecordingSender, make_key, quiet

DEEP = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (DEEP, 400),
        (DEEP_OBJECT, 400),
        (b'{"customer_name": ' + b"9" * 5_000 + b"}", 400),
        (b'{"customer_name": 1e999}', 400),
        (b'{"customer_name": NaN}', 400),
        (b'{"customer_name": "a", "customer_name": "b"}', 422),
        (b'{"customer_name": "Fabrikam \\ud800"}', 422),
        (b'{"customer_name": "Fabrikam \\u0000"}', 422),
        (b'"x"', 400),
        (b"{", 400),
    ],
)
async def test_hostile_bodies_are_problems_not_crashes(
    client: TestClient[Any, Any],
    store: Store,
    auth: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    data: bytes,
    status: int,
) -> None:
    caplog.set_level(logging.ERROR)
    resp = await client.post("/api/claims", data=data, headers={**auth, "Content-Type": "application/json"})
    await problem(resp, status)
    assert await count_claims(store, auth) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("replace", "by", "field"),
    [
        # The contact's name given twice: the second would silently win.
        ('"name": "Megan Bowen"', '"name": "Megan Bowen", "name": "Lee Gu"', "contacts[0].name"),
        ('"customer_name": ', '"customer_name": "Fabrikam", "customer_name": ', "customer_name"),
        # A key no store can keep, at the top and inside a contact: named, escaped.
        ('"customer_name": ', '"customer\\u0000name": "x", "customer_name": ', "customer\\u0000name"),
        ('"name": "Megan Bowen"', '"name": "Megan Bowen", "n\\udc00": 1', "contacts[0].n\\udc00"),
    ],
)
async def test_a_key_at_fault_is_named_where_it_is(
    client: TestClient[Any, Any],
    store: Store,
    auth: dict[str, str],
    claim_body: dict[str, Any],
    replace: str,
    by: str,
    field: str,
) -> None:
    text = json.dumps(claim_body)
    assert text.count(replace) == 1
    data = text.replace(replace, by).encode()
    resp = await client.post("/api/claims", data=data, headers={**auth, "Content-Type": "application/json"})
    body = await problem(resp, 422)
    assert body["field"] == field
    assert [e["field"] for e in body["errors"]] == [field]
    assert await count_claims(store, auth) == 0


@pytest.mark.parametrize(
    ("change", "field", "detail"),
    [
        (lambda b: b.update(customer_name="Fabrikam \ud800 Ltd"), "customer_name", "surrogate"),
        (lambda b: b["contacts"][0].update(name="Megan \udfff"), "contacts[0].name", "surrogate"),
        (lambda b: b.update(message="Hello\x00"), "message", "NUL"),
        (lambda b: b["contacts"][0].update(email="megan\x00@fabrikam.example"), "contacts[0].email", "NUL"),
        (lambda b: b.update(customer_tenant_id=b["customer_tenant_id"] + "\n"), "customer_tenant_id", "GUID"),
        (lambda b: b.update(customer_name="Fabrikam Ltd\n"), "customer_name", "single line"),
        (
            lambda b: b["contacts"][0].update(
                aad_object_id=f"{'0' * 8}-{'0' * 4}-{'0' * 4}-{'0' * 4}-{'0' * 12}\n"
            ),
            "contacts[0].aad_object_id",
            "GUID",
        ),
        (lambda b: b.update(customer_name="   "), "customer_name", "blank"),
        (lambda b: b.update(customer_name="\u200b\u202e\u200d"), "customer_name", "blank"),
        (lambda b: b["contacts"][0].update(name=" \t "), "contacts[0].name", ""),
        (lambda b: b["contacts"][0].update(email="x@evil.com\nBcc:v@x.com"), "contacts[0].email", "email"),
        (lambda b: b["contacts"][0].update(email="a@x.com,b@y.com"), "contacts[0].email", "email"),
        (lambda b: b["contacts"][0].update(email="<a@x.com>"), "contacts[0].email", "email"),
        (lambda b: b["contacts"][0].update(email="a@."), "contacts[0].email", "email"),
        (
            lambda b: b["contacts"][0].update(email="Megan <megan@fabrikam.example>"),
            "contacts[0].email",
            "email",
        ),
    ],
)
async def test_text_no_store_can_keep_or_no_reader_would_expect_is_refused(
    client: TestClient[Any, Any],
    store: Store,
    auth: dict[str, str],
    claim_body: dict[str, Any],
    change: Any,
    field: str,
    detail: str,
) -> None:
    change(claim_body)
    # Sent as JSON escapes, as a client would: a lone surrogate cannot be encoded as UTF-8.
    data = json.dumps(claim_body).encode()
    resp = await client.post("/api/claims", data=data, headers={**auth, "Content-Type": "application/json"})
    body = await problem(resp, 422)
    fields = {e["field"]: e["detail"] for e in body["errors"]}
    assert field in fields, body
    assert detail in fields[field]
    assert await count_claims(store, auth) == 0


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "x",
        "W10",  # []
        "WzEsMl0",  # [1,2]
        "WyIiLCIiXQ",  # ["",""]: not a timestamp
        "WyJcdWQ4MDAiLCJ4Il0",  # ["\ud800","x"]
        # 1,500 nested lists, base64: the parser's recursion, before any field is read
        __import__("base64").urlsafe_b64encode(b"[" * 1500 + b"]" * 1500).decode().rstrip("="),
    ],
)
async def test_hostile_cursors_are_422(
    client: TestClient[Any, Any], auth: dict[str, str], cursor: str
) -> None:
    resp = await client.get("/api/claims", params={"cursor": cursor}, headers=auth)
    body = await problem(resp, 422)
    assert body["field"] == "cursor"


@pytest.fixture(params=["sqlite", "postgresql"])
async def either_store_client(
    request: pytest.FixtureRequest,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
) -> TestClient[Any, Any]:
    """The app on SQLite, then on PostgreSQL (which refuses a NUL anywhere in a query's text)."""
    if request.param == "postgresql":
        settings = dataclasses.replace(
            settings, database_url=request.getfixturevalue("postgres").create_database()
        )
    return quiet(await aiohttp_client(create_app(settings, sender=RecordingSender())))


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("PATCH", ""), ("POST", "/notifications")],
)
async def test_a_claim_id_no_store_can_hold_is_404(
    either_store_client: TestClient[Any, Any], method: str, suffix: str
) -> None:
    client = either_store_client
    auth = {"Authorization": f"Bearer {await make_key(client.app[STORE])}"}
    body = {"status": "approved"} if method == "PATCH" else {}
    for claim_id in ("%00", "claim%00-1"):
        resp = await client.request(method, f"/api/claims/{claim_id}{suffix}", json=body, headers=auth)
        await problem(resp, 404)
