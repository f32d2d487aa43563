"""What the claim page tests share: a claim made through the partner API, a contact's link to it,
the page read back, and its forms posted the way a browser posts them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from multidict import CIMultiDictProxy

from bot.web.links import LINKS
from tests.bot.web.support import Page, read_page

NOW = dt.datetime.now(dt.UTC)
FORMS = ("acknowledge", "not-recognised", "question")


@dataclass
class Fetched:
    status: int
    headers: CIMultiDictProxy[str]
    html: str
    page: Page


async def create_claim(
    client: TestClient[Any, Any], auth: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    answer = await client.post("/api/claims", json=body, headers=auth)
    assert answer.status == 201, await answer.text()
    claim: dict[str, Any] = await answer.json()
    return claim


def link_path(client: TestClient[Any, Any], claim_id: str, contact_id: str, now: dt.datetime = NOW) -> str:
    return "/c/" + client.app[LINKS].token_for(claim_id, contact_id, now)


def form_token(client: TestClient[Any, Any], path: str) -> str:
    value: str = client.app[LINKS].form_token(path.removeprefix("/c/"))
    return value


async def fetch(client: TestClient[Any, Any], path: str, **headers: str) -> Fetched:
    answer = await client.get(path, headers=headers)
    html = await answer.text()
    page = read_page(html)
    assert page.problems == [], page.problems
    return Fetched(answer.status, answer.headers, html, page)


async def post_form(
    client: TestClient[Any, Any], path: str, form: str, fields: dict[str, str]
) -> tuple[int, CIMultiDictProxy[str], str]:
    """A form post as a browser sends it (urlencoded), the redirect not followed."""
    answer = await client.post(f"{path}/{form}", data=fields, allow_redirects=False)
    return answer.status, answer.headers, await answer.text()


async def responses_of(
    client: TestClient[Any, Any], auth: dict[str, str], claim_id: str
) -> list[dict[str, Any]]:
    """The customer's responses as the partner sees them: GET /api/claims/{id}."""
    answer = await client.get(f"/api/claims/{claim_id}", headers=auth)
    assert answer.status == 200
    responses: list[dict[str, Any]] = (await answer.json())["responses"]
    return responses
