"""Notifying a claim's contacts over the partner API: Teams for those with the app, email for the others."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from bot.ops.state import STORE
from bot.store import Store
from tests.bot.partner_api.support import problem
from tests.bot.store.retention_support import purge_the_one_claim
from tests.support import first_contact_in_teams


async def test_notify_queues_a_delivery_per_contact_and_waits_for_install(
    client: TestClient[Any, Any],
    store: Store,
    auth: dict[str, str],
    claim_body: dict[str, Any],
    run_delivery: Any,
    sender: Any,
) -> None:
    created = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    resp = await client.post(
        f"/api/claims/{created['id']}/notifications", json={"channel": "teams"}, headers=auth
    )
    assert resp.status == 202
    body = await resp.json()
    assert resp.headers["Location"] == f"/api/claims/{created['id']}"
    assert [d["status"] for d in body["deliveries"]] == ["waiting", "waiting"]

    assert await run_delivery() == 0
    assert sender.sent == []
    claim = await (await client.get(f"/api/claims/{created['id']}", headers=auth)).json()
    assert [d["status"] for d in claim["deliveries"]] == ["waiting", "waiting"]
    assert {d["contact_id"] for d in claim["deliveries"]} == {c["id"] for c in claim["contacts"]}


async def test_notify_sends_to_a_contact_who_has_the_bot(
    client: TestClient[Any, Any],
    store: Store,
    auth: dict[str, str],
    claim_body: dict[str, Any],
    run_delivery: Any,
    sender: Any,
) -> None:

    await store.save_reference(first_contact_in_teams(claim_body))
    created = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    body = await (
        await client.post(
            f"/api/claims/{created['id']}/notifications", json={"channel": "teams"}, headers=auth
        )
    ).json()
    assert [d["status"] for d in body["deliveries"]] == ["queued", "waiting"]

    assert await run_delivery() == 1
    ((reference, card),) = sender.sent
    assert reference == {"conversation": {"id": "a:megan"}}
    assert card["type"] == "AdaptiveCard"
    assert "Contoso Partners" in str(card)

    claim = await (await client.get(f"/api/claims/{created['id']}", headers=auth)).json()
    sent = [d for d in claim["deliveries"] if d["status"] == "sent"]
    assert len(sent) == 1 and sent[0]["activity_id"] == "activity-1" and sent[0]["sent_at"]


async def test_notification_body_rejects_unknown_fields(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    created = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    resp = await client.post(
        f"/api/claims/{created['id']}/notifications", json={"urgent": True}, headers=auth
    )
    body = await problem(resp, 422)
    assert body["field"] == "urgent"
    claim = await (await client.get(f"/api/claims/{created['id']}", headers=auth)).json()
    assert claim["deliveries"] == []


async def test_by_default_contacts_with_the_app_get_teams_and_the_others_email(
    client: TestClient[Any, Any], store: Store, auth: dict[str, str], claim_body: dict[str, Any]
) -> None:

    await store.save_reference(first_contact_in_teams(claim_body))

    async def notifications_url() -> str:
        # A claim each: the same claim notified again by a medium it just used waits out the cooldown.
        created = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
        return f"/api/claims/{created['id']}/notifications"

    auto = await (await client.post(await notifications_url(), json={}, headers=auth)).json()
    assert [(d["channel"], d["status"]) for d in auto["deliveries"]] == [
        ("teams", "queued"),
        ("email", "queued"),
    ]
    both = await (await client.post(await notifications_url(), json={"channel": "both"}, headers=auth)).json()
    assert sorted(d["channel"] for d in both["deliveries"]) == ["email", "email", "teams", "teams"]
    email = await (
        await client.post(await notifications_url(), json={"channel": "email"}, headers=auth)
    ).json()
    assert [d["channel"] for d in email["deliveries"]] == ["email", "email"]
    bad = await client.post(await notifications_url(), json={"channel": "fax"}, headers=auth)
    assert bad.status == 422 and (await bad.json())["field"] == "channel"


async def test_notifying_a_claim_purged_since_it_was_read_is_a_404_that_queues_nothing(
    client: TestClient[Any, Any],
    store: Store,
    auth: dict[str, str],
    claim_body: dict[str, Any],
    monkeypatch: Any,
) -> None:
    created = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    served = client.app[STORE]  # the app's own store object
    read = served.get_claim

    async def read_then_purge(claim_id: str, **kwargs: Any) -> Any:
        # A retention purge deletes the claim just after the route has read it.
        claim = await read(claim_id, **kwargs)
        await purge_the_one_claim(store)
        return claim

    monkeypatch.setattr(served, "get_claim", read_then_purge)
    resp = await client.post(f"/api/claims/{created['id']}/notifications", json={}, headers=auth)
    body = await problem(resp, 404)
    assert created["id"] in body["detail"]
    assert await store.deliveries_for_claim(created["id"]) == []
    assert sum((await store.outbox_counts()).values()) == 0
