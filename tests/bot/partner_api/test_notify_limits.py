"""A leaked key is not a mass mailer: the same notification twice is refused for a while, and each
partner's notifications a minute and messages a day are limited; refusals are problems with
Retry-After, counted in /metrics, and queue nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

from app import create_app
from bot.ops.config import Settings
from tests.bot.partner_api.support import problem
from tests.support import RecordingSender, make_key, quiet


async def test_a_hundred_parallel_posts_send_one_notification(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    url = f"/api/claims/{claim['id']}/notifications"
    answers = await asyncio.gather(
        *(client.post(url, json={"channel": "email"}, headers=auth) for _ in range(100))
    )
    statuses = sorted(a.status for a in answers)
    assert statuses == [202] + [409] * 99
    refused = [a for a in answers if a.status == 409]
    body = await problem(refused[0], 409)
    assert "notified" in body["detail"]
    assert 0 < int(refused[0].headers["Retry-After"]) <= 10 * 60
    shown = await (await client.get(f"/api/claims/{claim['id']}", headers=auth)).json()
    assert len(shown["deliveries"]) == len(claim_body["contacts"])  # one email each, once
    metrics = await (await client.get("/metrics")).text()
    assert 'cpor_notifications_refused_total{reason="cooldown"} 99.0' in metrics


async def test_a_partner_past_its_rate_gets_429_with_retry_after(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    claim_body: dict[str, Any],
) -> None:
    limited = dataclasses.replace(settings, notify_per_minute=3, notify_cooldown_minutes=0)
    client = quiet(await aiohttp_client(create_app(limited, sender=RecordingSender())))
    from bot.ops.state import STORE

    auth = {"Authorization": f"Bearer {await make_key(client.app[STORE])}"}
    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    url = f"/api/claims/{claim['id']}/notifications"
    for _ in range(3):
        assert (await client.post(url, json={}, headers=auth)).status == 202
    over = await client.post(url, json={}, headers=auth)
    body = await problem(over, 429)
    assert "a minute" in body["detail"]
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    # Another partner is not held back by this one.
    other = {"Authorization": f"Bearer {await make_key(client.app[STORE], 'Litware')}"}
    theirs = await (await client.post("/api/claims", json=claim_body, headers=other)).json()
    assert (
        await client.post(f"/api/claims/{theirs['id']}/notifications", json={}, headers=other)
    ).status == 202


async def test_the_daily_message_quota_counts_every_contact(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    claim_body: dict[str, Any],
) -> None:
    contacts = len(claim_body["contacts"])
    limited = dataclasses.replace(settings, notify_messages_per_day=contacts * 2, notify_cooldown_minutes=0)
    client = quiet(await aiohttp_client(create_app(limited, sender=RecordingSender())))
    from bot.ops.state import STORE

    auth = {"Authorization": f"Bearer {await make_key(client.app[STORE])}"}
    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    url = f"/api/claims/{claim['id']}/notifications"
    assert (await client.post(url, json={"channel": "email"}, headers=auth)).status == 202
    over = await client.post(url, json={"channel": "both"}, headers=auth)  # 2 per contact: past the quota
    body = await problem(over, 429)
    assert "midnight UTC" in body["detail"]
    assert (
        await client.post(url, json={"channel": "email"}, headers=auth)
    ).status == 202  # exactly the quota
    metrics = await (await client.get("/metrics")).text()
    assert 'cpor_notifications_refused_total{reason="quota"} 1.0' in metrics


async def test_another_channel_name_does_not_dodge_the_cooldown(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    url = f"/api/claims/{claim['id']}/notifications"
    bodies: list[dict[str, str]] = [
        {"channel": "email"},
        {"channel": "email"},
        {"channel": "both"},
        {},
        {"channel": "teams"},
    ]
    statuses = [(await client.post(url, json=body, headers=auth)).status for body in bodies]
    # "both" and the default would email the same contacts again; Teams is another medium.
    assert statuses == [202, 409, 409, 409, 202]
    shown = await (await client.get(f"/api/claims/{claim['id']}", headers=auth)).json()
    emails = [d for d in shown["deliveries"] if d["channel"] == "email"]
    assert len(emails) == len(claim_body["contacts"])  # one email each, once
