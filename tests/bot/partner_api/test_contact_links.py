"""Each contact's own link in GET /api/claims/{id}: one per contact, opening to that contact of that
claim, signed by the service's own key; only in the claim itself, and never for another partner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from bot.ops.config import Settings
from bot.web.links import LINKS, PATH_PREFIX
from tests.bot.partner_api.support import problem
from tests.support import RecordingSender


async def _created(
    client: TestClient[Any, Any], auth: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    resp = await client.post("/api/claims", json=body, headers=auth)
    assert resp.status == 201, await resp.text()
    created: dict[str, Any] = await resp.json()
    return created


async def test_each_contact_gets_a_link_that_opens_to_them(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim = await _created(client, auth, claim_body)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    resp = await client.get(f"/api/claims/{claim['id']}", headers=auth)
    assert resp.status == 200
    contacts = (await resp.json())["contacts"]
    assert len(contacts) == 2
    signer = client.app[LINKS]
    urls = set()
    for contact in contacts:
        link = contact["link"]
        url = urlsplit(link["url"])
        # No PUBLIC_URL in the tests: the address the service listens on.
        assert f"{url.scheme}://{url.netloc}" == "http://127.0.0.1:3978"
        assert url.path.startswith(PATH_PREFIX)
        opened = signer.read(url.path.removeprefix(PATH_PREFIX), dt.datetime.now(dt.UTC))
        assert (opened.claim_id, opened.contact_id) == (claim["id"], contact["id"])
        expires = dt.datetime.fromisoformat(link["expires_at"].replace("Z", "+00:00"))
        assert expires == opened.expires_at
        assert before + dt.timedelta(days=90) <= expires <= dt.datetime.now(dt.UTC) + dt.timedelta(days=90)
        urls.add(link["url"])
    assert len(urls) == 2  # each contact their own


async def test_links_follow_public_url(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    auth: dict[str, str],
    claim_body: dict[str, Any],
) -> None:
    public = replace(settings, public_url="https://cpor.contoso.example", link_days=7)
    client = await aiohttp_client(create_app(public, sender=RecordingSender()))
    claim = await _created(client, auth, claim_body)
    contacts = (await (await client.get(f"/api/claims/{claim['id']}", headers=auth)).json())["contacts"]
    for contact in contacts:
        assert contact["link"]["url"].startswith("https://cpor.contoso.example/c/1.")
        expires = dt.datetime.fromisoformat(contact["link"]["expires_at"].replace("Z", "+00:00"))
        assert expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)


async def test_links_are_only_in_the_claim_itself(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    created = await _created(client, auth, claim_body)
    assert all("link" not in c for c in created["contacts"])  # the 201 answer
    listed = await (await client.get("/api/claims", headers=auth)).json()
    assert all("link" not in c for item in listed["items"] for c in item["contacts"])


@pytest.mark.parametrize("how", ["get", "list"])
async def test_another_partner_sees_no_link(
    client: TestClient[Any, Any],
    auth: dict[str, str],
    other_auth: dict[str, str],
    claim_body: dict[str, Any],
    how: str,
) -> None:
    claim = await _created(client, auth, claim_body)
    if how == "get":
        answer = await client.get(f"/api/claims/{claim['id']}", headers=other_auth)
        body = await problem(answer, 404)
        assert PATH_PREFIX not in str(body) and claim["contacts"][0]["id"] not in str(body)
    else:
        listed = await (await client.get("/api/claims", headers=other_auth)).json()
        assert listed["items"] == []
