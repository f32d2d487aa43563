"""The partner API over HTTP: auth, validation, isolation, notifications."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.store import Store
from tests.support import first_contact_in_teams

PROBLEM = "application/problem+json"


async def problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status == status, await resp.text()
    assert resp.content_type == PROBLEM
    body: dict[str, Any] = await resp.json()
    assert body["status"] == status
    return body


async def count_claims(store: Store, auth: dict[str, str]) -> int:
    partner_id = await partner_of(store, auth)
    return len(await store.list_claims(partner_id, limit=100))


async def partner_of(store: Store, auth: dict[str, str]) -> str:
    from bot.partner_api.keys import authenticate

    partner = await authenticate(store, auth["Authorization"].split(" ", 1)[1])
    assert partner is not None
    return partner.id


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


@pytest.mark.parametrize(
    ("change", "field", "detail"),
    [
        (lambda b: b.pop("customer_name"), "customer_name", "is required"),
        (lambda b: b.update(customer_tenant_id="not-a-guid"), "customer_tenant_id", "GUID"),
        (lambda b: b.update(solution_area="azure"), "solution_area", "must be one of"),
        (lambda b: b.update(workloads=[]), "workloads", "at least 1"),
        (lambda b: b.update(workloads=["teams", "teams"]), "workloads", "repeat"),
        (lambda b: b.update(workloads=["teams", "azure_vms"]), "workloads[1]", "unknown workload"),
        (lambda b: b.update(workloads=["teams", "power_bi"]), "workloads[1]", "business_applications"),
        (lambda b: b["contacts"][1].update(email="lee.gu"), "contacts[1].email", "email"),
        (
            lambda b: b["contacts"][1].update(email="MEGAN.bowen@fabrikam.example"),
            "contacts[1].email",
            "repeats",
        ),
        (
            lambda b: b["contacts"][0].update(phone="+44 20 7946 0000"),
            "contacts[0].phone",
            "not a known field",
        ),
        (lambda b: b.update(owner="someone"), "owner", "not a known field"),
        (lambda b: b.update(customer_name="x" * 101), "customer_name", "at most 100"),
        (lambda b: b.update(customer_name="Fabrikam\nLtd"), "customer_name", "single line"),
        (lambda b: b.update(message="m" * 501), "message", "at most 500"),
        (lambda b: b.update(status="won"), "status", "must be one of"),
        (lambda b: b.update(submitted_on="2026-02-30"), "submitted_on", "date"),
        (lambda b: b.update(submitted_on="2999-01-01"), "submitted_on", "future"),
        (lambda b: b.update(contacts=[]), "contacts", "at least 1"),
        (lambda b: b.update(workloads="teams"), "workloads", "type array"),
    ],
)
async def test_invalid_claims_get_422_naming_the_field_and_store_nothing(
    client: TestClient[Any, Any],
    store: Store,
    auth: dict[str, str],
    claim_body: dict[str, Any],
    change: Any,
    field: str,
    detail: str,
) -> None:
    change(claim_body)
    resp = await client.post("/api/claims", json=claim_body, headers=auth)
    body = await problem(resp, 422)
    fields = {e["field"]: e["detail"] for e in body["errors"]}
    assert field in fields, body
    assert detail in fields[field]
    assert await count_claims(store, auth) == 0


async def test_every_error_is_reported_at_once(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim_body.pop("customer_name")
    claim_body["customer_tenant_id"] = "nope"
    claim_body["extra"] = 1
    resp = await client.post("/api/claims", json=claim_body, headers=auth)
    body = await problem(resp, 422)
    assert {e["field"] for e in body["errors"]} == {"customer_name", "customer_tenant_id", "extra"}


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"", "application/json", 400),
        (b'{"a": 1}', "text/plain", 415),
        (b"\xff\xfe", "application/json", 400),
    ],
)
async def test_malformed_bodies(
    client: TestClient[Any, Any], auth: dict[str, str], data: bytes, content_type: str, status: int
) -> None:
    resp = await client.post("/api/claims", data=data, headers={**auth, "Content-Type": content_type})
    await problem(resp, status)


async def test_oversized_body_is_413(client: TestClient[Any, Any], auth: dict[str, str]) -> None:
    resp = await client.post(
        "/api/claims",
        data=b'{"message": "' + b"x" * 70_000 + b'"}',
        headers={**auth, "Content-Type": "application/json"},
    )
    await problem(resp, 413)


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


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "cursor=%%%", "cursor=bm9wZQ"])
async def test_bad_paging_is_422(client: TestClient[Any, Any], auth: dict[str, str], query: str) -> None:
    body = await problem(await client.get(f"/api/claims?{query}", headers=auth), 422)
    assert body["field"] == query.split("=")[0]


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


async def test_workloads_endpoint_lists_the_catalog(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    body = await (await client.get("/api/workloads", headers=auth)).json()
    ids = {w["id"] for w in body["items"]}
    assert {"teams", "exchange", "intune", "power_bi"} <= ids


async def test_unknown_api_path_is_problem_json(client: TestClient[Any, Any]) -> None:
    await problem(await client.get("/api/nothing-here"), 404)
    await problem(await client.delete("/api/claims"), 405)


async def test_by_default_contacts_with_the_app_get_teams_and_the_others_email(
    client: TestClient[Any, Any], store: Store, auth: dict[str, str], claim_body: dict[str, Any]
) -> None:

    await store.save_reference(first_contact_in_teams(claim_body))
    created = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    url = f"/api/claims/{created['id']}/notifications"
    auto = await (await client.post(url, json={}, headers=auth)).json()
    assert [(d["channel"], d["status"]) for d in auto["deliveries"]] == [
        ("teams", "queued"),
        ("email", "queued"),
    ]
    both = await (await client.post(url, json={"channel": "both"}, headers=auth)).json()
    assert sorted(d["channel"] for d in both["deliveries"]) == ["email", "email", "teams", "teams"]
    email = await (await client.post(url, json={"channel": "email"}, headers=auth)).json()
    assert [d["channel"] for d in email["deliveries"]] == ["email", "email"]
    bad = await client.post(url, json={"channel": "fax"}, headers=auth)
    assert bad.status == 422 and (await bad.json())["field"] == "channel"


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
