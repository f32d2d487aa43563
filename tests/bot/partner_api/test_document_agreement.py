"""Where the OpenAPI document and the service once disagreed (found by fuzzing the API against its
document, tests/fuzz), each pinned: what the document says, and that the service does the same."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.domain.workloads import catalog
from bot.partner_api.components import example_claim
from bot.partner_api.models import SPECIAL_USE_DOMAINS
from bot.partner_api.openapi import openapi_document, request_validator
from bot.store import Store
from tests.bot.partner_api.support import count_claims, problem


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation the partner key guards: (method, path, operation)."""
    return [
        (method.upper(), path, operation)
        for path, item in openapi_document()["paths"].items()
        for method, operation in item.items()
        if {"partnerKey": []} in operation.get("security", [])
    ]


# --- the cursor: never empty --------------------------------------------------------------------------


def test_the_document_says_a_cursor_is_never_empty() -> None:
    (listing,) = [op for m, p, op in _operations() if (m, p) == ("GET", "/api/claims")]
    cursor = next(p for p in listing["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["minLength"] == 1


async def test_an_empty_cursor_is_refused_as_the_document_says(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    body = await problem(await client.get("/api/claims?cursor=", headers=auth), 422)
    assert body["errors"] == [{"field": "cursor", "detail": "must not be empty"}]
    assert (await client.get("/api/claims", headers=auth)).status == 200  # the first page: no cursor


# --- workloads: the catalog's ids, as an enum ---------------------------------------------------------


def test_the_document_lists_the_catalogs_workload_ids() -> None:
    workloads = openapi_document()["components"]["schemas"]["ClaimCreate"]["properties"]["workloads"]
    assert workloads["items"] == {"type": "string", "enum": sorted(catalog().workloads)}
    assert workloads["maxItems"] == len(catalog().workloads)


async def test_an_unknown_workload_is_refused_by_the_schema_listing_the_known_ones(
    client: TestClient[Any, Any], store: Store, auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim_body["workloads"] = ["teams", "azure_vms"]
    body = await problem(await client.post("/api/claims", json=claim_body, headers=auth), 422)
    assert body["field"] == "workloads[1]"
    assert body["errors"][0]["detail"] == "must be one of: " + ", ".join(sorted(catalog().workloads))
    assert await count_claims(store, auth) == 0


async def test_the_documents_example_claim_is_valid_and_accepted(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    example = example_claim()
    assert openapi_document()["components"]["schemas"]["ClaimCreate"]["examples"] == [example]
    assert list(request_validator("ClaimCreate").iter_errors(example)) == []
    resp = await client.post("/api/claims", json=example, headers=auth)
    assert resp.status == 201, await resp.text()


# --- Idempotency-Key: documented on every POST, visible ASCII -----------------------------------------


def test_every_post_documents_the_idempotency_key_and_what_it_may_answer() -> None:
    posts = [(path, op) for method, path, op in _operations() if method == "POST"]
    assert {path for path, _ in posts} == {
        "/api/claims",
        "/api/claims/{claim_id}/notifications",
        "/api/teams-links",
    }
    for path, operation in posts:
        names = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert names == ["Idempotency-Key"], path
        assert {"409", "422"} <= set(operation["responses"]), path
        assert "Idempotent-Replayed" in operation["responses"][min(operation["responses"])]["headers"], path


async def test_a_teams_link_code_honours_the_idempotency_key(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    headers = {**auth, "Idempotency-Key": "link 1"}
    first = await client.post("/api/teams-links", headers=headers)
    again = await client.post("/api/teams-links", headers=headers)
    assert first.status == again.status == 201
    assert (await first.json())["code"] == (await again.json())["code"]
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", ["tab\there", "caf\u00e9", "x" * 256])
async def test_an_idempotency_key_outside_the_documented_pattern_is_refused(
    client: TestClient[Any, Any], store: Store, auth: dict[str, str], claim_body: dict[str, Any], key: str
) -> None:
    headers = {**auth, "Idempotency-Key": key}
    body = await problem(await client.post("/api/claims", json=claim_body, headers=headers), 422)
    assert body["field"] == "Idempotency-Key"
    assert await count_claims(store, auth) == 0


# --- bodies: a PUT without one, a non-string address, NUL in the message ------------------------------


async def test_a_webhook_put_without_a_body_is_a_documented_400(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    # The autouse response check (tests/openapi_check.py) holds the 400 to the document.
    body = await problem(await client.put("/api/webhook", headers=auth), 400)
    assert "JSON object body" in body["detail"]
    assert "400" in openapi_document()["paths"]["/api/webhook"]["put"]["responses"]


@pytest.mark.parametrize("email", [["megan@fabrikam.example"], 5, None, {"at": "fabrikam.example"}])
async def test_an_email_that_is_not_a_string_is_a_422_not_a_500(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any], email: Any
) -> None:
    claim_body["contacts"][0]["email"] = email
    body = await problem(await client.post("/api/claims", json=claim_body, headers=auth), 422)
    assert {"field": "contacts[0].email", "detail": "must be of type string"} in body["errors"]


@pytest.mark.parametrize("domain", SPECIAL_USE_DOMAINS)
async def test_addresses_under_special_use_domains_are_refused_as_documented(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any], domain: str
) -> None:
    email_schema = openapi_document()["components"]["schemas"]["ContactInput"]["properties"]["email"]
    assert f".{domain}" in email_schema["description"]
    claim_body["contacts"][0]["email"] = f"megan@fabrikam.{domain}"
    body = await problem(await client.post("/api/claims", json=claim_body, headers=auth), 422)
    assert body["errors"] == [{"field": "contacts[0].email", "detail": "must be a valid email address"}]


def test_the_document_refuses_nul_in_the_message_as_the_service_does() -> None:
    body = {**example_claim(), "message": "Hello\x00"}
    assert [e.validator for e in request_validator("ClaimCreate").iter_errors(body)] == ["pattern"]


# --- query parameters: only the documented ones, once -------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/workloads?verbose=1"),
        ("GET", "/api/claims?limt=5"),
        ("GET", "/api/claims/some-claim?expand=deliveries"),
        ("PATCH", "/api/claims/some-claim?force=true"),
        ("POST", "/api/claims?dry_run=1"),
        ("POST", "/api/claims/some-claim/notifications?channel=email"),
        ("POST", "/api/teams-links?x="),
        ("PUT", "/api/webhook?url=https://hooks.example.com/"),
        ("GET", "/api/webhook?events=10"),
        ("DELETE", "/api/webhook?all=1"),
    ],
)
async def test_an_unknown_query_parameter_is_a_422_naming_it(
    client: TestClient[Any, Any],
    store: Store,
    auth: dict[str, str],
    claim_body: dict[str, Any],
    method: str,
    url: str,
) -> None:
    resp = await client.request(method, url, json=claim_body if method == "POST" else None, headers=auth)
    body = await problem(resp, 422)
    name = url.split("?")[1].split("=")[0]
    assert body["errors"] == [{"field": name, "detail": "is not a query parameter of this operation"}]
    assert await count_claims(store, auth) == 0


async def test_a_query_parameter_given_twice_is_refused(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    body = await problem(await client.get("/api/claims?limit=5&limit=50", headers=auth), 422)
    assert body["errors"] == [{"field": "limit", "detail": "must be given once"}]


async def test_the_documented_query_parameters_are_taken(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    assert (await client.get("/api/claims?limit=5", headers=auth)).status == 200


async def test_the_key_is_checked_before_the_query(client: TestClient[Any, Any]) -> None:
    await problem(await client.get("/api/workloads?verbose=1"), 401)


async def test_the_public_document_ignores_a_query(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/api/openapi.json?v=2")).status == 200


# --- every status the middleware and handlers can give, documented where it can happen ----------------


def test_every_guarded_operation_documents_the_errors_it_can_give() -> None:
    for method, path, operation in _operations():
        responses = operation["responses"]
        where = f"{method} {path}"
        assert {"401", "422", "500"} <= set(responses), where  # key, query, anything unexpected
        assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True, where
        if "requestBody" in operation or method == "POST":  # a POST reads its body for the key
            assert {"400", "413", "415"} <= set(responses), where
        if "{claim_id}" in path:
            assert "404" in responses, where
    notify = openapi_document()["paths"]["/api/claims/{claim_id}/notifications"]["post"]["responses"]
    assert notify["429"]["headers"]["Retry-After"]["required"] is True
    assert "Retry-After" in notify["409"]["headers"]


def test_the_documents_links_name_operations_and_parameters_it_has() -> None:
    operations = {
        op["operationId"]: op for item in openapi_document()["paths"].values() for op in item.values()
    }
    links = [
        link
        for op in operations.values()
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert links
    for link in links:
        target = operations[link["operationId"]]
        assert set(link["parameters"]) <= {p["name"] for p in target.get("parameters", [])}


# --- every schema describes each field it requires ------------------------------------------------------


def test_every_required_field_is_described() -> None:
    schemas = openapi_document()["components"]["schemas"]
    for name, schema in schemas.items():
        missing = set(schema.get("required", [])) - set(schema.get("properties", {}))
        assert missing == set(), name
    assert schemas["Problem"]["properties"]["title"] == {"type": "string"}  # a field named "title"


async def test_a_problem_answer_has_the_fields_its_schema_describes(
    client: TestClient[Any, Any], auth: dict[str, str]
) -> None:
    body = await problem(await client.post("/api/claims", json={"status": 1}, headers=auth), 422)
    described = set(openapi_document()["components"]["schemas"]["Problem"]["properties"])
    assert set(body) <= described and {"type", "title", "status", "detail"} <= set(body)
