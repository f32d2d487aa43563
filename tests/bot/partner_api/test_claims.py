"""Claims over the partner API: created, read, listed by page, kept apart by partner; 404s and the catalog."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.bot.partner_api.support import problem


async def test_create_claim_returns_201_with_location_and_the_claim(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    resp = await client.post("/api/claims", json=claim_body, headers=auth)
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert resp.headers["Location"] == f"/api/claims/{body['id']}"
    assert body["customer_name"] == "Fabrikam Ltd"
    assert [w["id"] for w in body["workloads"]] == ["teams", "exchange", "intune"]
    assert body["workloads"][0]["name"] == "Microsoft Teams"
    assert body["status"] == "submitted"
    assert body["submitted_on"] == "2026-11-18"
    assert [c["email"] for c in body["contacts"]] == [
        "megan.bowen@fabrikam.example",
        "lee.gu@fabrikam.example",
    ]

    fetched = await client.get(body["id"] and resp.headers["Location"], headers=auth)
    assert fetched.status == 200
    again = await fetched.json()
    assert again["id"] == body["id"]
    assert again["deliveries"] == []


async def test_status_defaults_to_submitted_and_date_to_today(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    del claim_body["status"], claim_body["submitted_on"]
    resp = await client.post("/api/claims", json=claim_body, headers=auth)
    body = await resp.json()
    assert body["status"] == "submitted"
    assert body["submitted_on"] == body["created_at"][:10]


async def test_partners_never_see_or_notify_each_others_claims(
    client: TestClient[Any, Any],
    auth: dict[str, str],
    other_auth: dict[str, str],
    claim_body: dict[str, Any],
) -> None:
    created = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    claim_url = f"/api/claims/{created['id']}"

    await problem(await client.get(claim_url, headers=other_auth), 404)
    await problem(await client.post(f"{claim_url}/notifications", json={}, headers=other_auth), 404)
    listing = await (await client.get("/api/claims", headers=other_auth)).json()
    assert listing["items"] == []

    mine = await (await client.get("/api/claims", headers=auth)).json()
    assert [c["id"] for c in mine["items"]] == [created["id"]]


async def test_unknown_claim_is_404(client: TestClient[Any, Any], auth: dict[str, str]) -> None:
    await problem(await client.get("/api/claims/does-not-exist", headers=auth), 404)


async def test_listing_pages_newest_first(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    ids = []
    for n in range(5):
        claim_body["customer_name"] = f"Customer {n}"
        ids.append((await (await client.post("/api/claims", json=claim_body, headers=auth)).json())["id"])
    seen: list[str] = []
    url = "/api/claims?limit=2"
    while True:
        page = await (await client.get(url, headers=auth)).json()
        seen += [c["id"] for c in page["items"]]
        assert "deliveries" not in page["items"][0]
        if not page["next_cursor"]:
            break
        url = f"/api/claims?limit=2&cursor={page['next_cursor']}"
    assert seen == list(reversed(ids))


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=ten",
        "limit=%C2%B2",  # "²": a digit to str.isdigit(), not to int()
        "limit=%EF%BC%91",  # "１", full-width: int() reads it as 1
        "limit=%D9%A3",  # "٣", Arabic-Indic: int() reads it as 3
        "limit=" + "1" * 5_000,  # past the digits Python's int() takes from text
        "cursor=%%%",
        "cursor=bm9wZQ",
    ],
)
async def test_bad_paging_is_422(client: TestClient[Any, Any], auth: dict[str, str], query: str) -> None:
    body = await problem(await client.get(f"/api/claims?{query}", headers=auth), 422)
    assert body["field"] == query.split("=")[0]


async def test_workloads_endpoint_lists_the_catalog(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    body = await (await client.get("/api/workloads", headers=auth)).json()
    ids = {w["id"] for w in body["items"]}
    assert {"teams", "exchange", "intune", "power_bi"} <= ids


async def test_unknown_api_path_is_problem_json(client: TestClient[Any, Any]) -> None:
    await problem(await client.get("/api/nothing-here"), 404)
    await problem(await client.delete("/api/claims"), 405)
