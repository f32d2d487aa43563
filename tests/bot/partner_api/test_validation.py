"""Claims the partner API refuses: 422 naming every bad field, malformed and oversized bodies; none stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.domain.workloads import catalog
from bot.partner_api.problems import MAX_REPORTED_ERRORS
from bot.store import Store
from tests.bot.partner_api.support import count_claims, problem


@pytest.mark.parametrize(
    ("change", "field", "detail"),
    [
        (lambda b: b.pop("customer_name"), "customer_name", "is required"),
        (lambda b: b.update(customer_tenant_id="not-a-guid"), "customer_tenant_id", "GUID"),
        (lambda b: b.update(solution_area="azure"), "solution_area", "must be one of"),
        (lambda b: b.update(workloads=[]), "workloads", "at least 1"),
        (lambda b: b.update(workloads=["teams", "teams"]), "workloads", "repeat"),
        # The document's enum of the catalog's ids refuses it, and lists them.
        (lambda b: b.update(workloads=["teams", "azure_vms"]), "workloads[1]", "must be one of: business_"),
        (lambda b: b.update(workloads=["teams", "power_bi"]), "workloads[1]", "business_applications"),
        (lambda b: b["contacts"][1].update(email="lee.gu"), "contacts[1].email", "email"),
        (
            lambda b: [c.update(aad_object_id="6F1E2D3C-4B5A-4968-8776-5A4B3C2D1E0F") for c in b["contacts"]],
            "contacts[1].aad_object_id",
            "repeats contacts[0].aad_object_id",
        ),
        # a mailbox name outside ASCII: no mail could be sent to it (a domain in any script is fine)
        (lambda b: b["contacts"][0].update(email="\uff41@fabrikam.example"), "contacts[0].email", "email"),
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
        # C1 controls and the Unicode line and paragraph separators break a line too
        (lambda b: b.update(customer_name="Fabrikam\u0085Ltd"), "customer_name", "single line"),
        (lambda b: b["contacts"][0].update(name="Megan\u2028Bowen"), "contacts[0].name", "single line"),
        (lambda b: b.update(partner_reference="SOW\u2029014"), "partner_reference", "single line"),
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


async def test_thousands_of_errors_get_a_short_answer_that_names_the_first_and_counts_the_rest(
    client: TestClient[Any, Any], store: Store, auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    # A partner's script that sent its whole product list: 6,500 ids the catalog does not have.
    claim_body["workloads"] = [f"w{n}" for n in range(6_500)]
    data = json.dumps(claim_body, separators=(",", ":")).encode()
    assert 50_000 < len(data) < 64 * 1024  # under the body limit
    resp = await client.post("/api/claims", data=data, headers={**auth, "Content-Type": "application/json"})
    raw = await resp.read()
    body = await problem(resp, 422)
    assert len(raw) < 8_000  # the first answer was 3 MB: the catalogue repeated for every id
    assert len(body["errors"]) == MAX_REPORTED_ERRORS
    # The list is too long (one error), then each of the 6,500 ids.
    assert body["errors_omitted"] == 1 + 6_500 - MAX_REPORTED_ERRORS
    assert body["field"] == "workloads"
    details = {e["field"]: e["detail"] for e in body["errors"]}
    assert details["workloads"] == f"must have at most {len(catalog().workloads)} items"
    # The allowed ids once, at the first id at fault; the others point there.
    assert details["workloads[0]"].startswith("must be one of: business_")
    assert details["workloads[1]"] == "must be one of the values listed for workloads[0]"
    assert sum("teams" in detail for detail in details.values()) == 1
    assert await count_claims(store, auth) == 0


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


async def test_every_unknown_field_is_named_at_once(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim_body.update(foo=1, bar=2, baz=3)
    claim_body["contacts"][0]["zzz"] = True
    resp = await client.post("/api/claims", json=claim_body, headers=auth)
    body = await problem(resp, 422)
    unknown = sorted(e["field"] for e in body["errors"] if e["detail"] == "is not a known field")
    assert unknown == ["bar", "baz", "contacts[0].zzz", "foo"]
