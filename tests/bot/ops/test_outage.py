"""A PostgreSQL outage as requests see it: a prompt 503 with Retry-After (problem+json for the API,
the short page for a contact's link) and one warning line each, not a 30 s wait and a traceback."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.ops.outage import UNAVAILABLE_DETAIL
from bot.ops.state import STORE
from bot.web.page_frame import claim_page_text
from tests.bot.ops.outage_support import service_on_own_postgresql
from tests.bot.web.claim_support import create_claim, form_token, link_path
from tests.support import make_key

# Far under the pool's own 30 s wait for a connection, far over the request's few seconds.
PROMPT_SECONDS = 15.0


@pytest.mark.pg
async def test_requests_during_a_postgresql_outage_are_refused_promptly_with_a_503(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    claim_body: dict[str, Any],
) -> None:
    async with service_on_own_postgresql(aiohttp_client, tmp_path) as (client, stop_postgresql):
        auth = {"Authorization": f"Bearer {await make_key(client.app[STORE])}"}
        claim = await create_claim(client, auth, claim_body)
        page = link_path(client, claim["id"], claim["contacts"][0]["id"])
        assert (await client.get("/api/claims", headers=auth)).status == 200
        assert (await client.get(page)).status == 200

        stop_postgresql()  # PostgreSQL stopped (immediate shutdown)
        caplog.clear()
        # The pool's connection is broken at the first request, and there is none at the next ones.
        for _ in range(2):
            started = time.monotonic()
            api = await client.get("/api/claims", headers=auth)
            assert time.monotonic() - started < PROMPT_SECONDS
            assert api.status == 503
            assert api.content_type == "application/problem+json"
            assert api.headers["Retry-After"].isdigit()
            assert (await api.json())["detail"] == UNAVAILABLE_DETAIL

            started = time.monotonic()
            shown = await client.get(page)
            assert time.monotonic() - started < PROMPT_SECONDS
            assert shown.status == 503 and shown.content_type == "text/html"
            assert shown.headers["Retry-After"].isdigit()
            assert claim_page_text("en")["errors.unavailable_title"] in await shown.text()

            fields = {"form_token": form_token(client, page), "question": "Who are you?"}
            started = time.monotonic()
            posted = await client.post(f"{page}/question", data=fields, allow_redirects=False)
            assert time.monotonic() - started < PROMPT_SECONDS
            assert posted.status == 503 and posted.headers["Retry-After"].isdigit()

    refusals = [r for r in caplog.records if r.name.startswith("bot.") and r.levelno >= logging.WARNING]
    assert len(refusals) == 6  # one line per refused request
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in refusals)
    assert all("the database is not answering" in r.getMessage() for r in refusals)
    assert not any(page.removeprefix("/c/") in r.getMessage() for r in refusals)  # the token stays out
