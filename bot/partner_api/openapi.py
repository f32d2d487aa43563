"""The partner API's OpenAPI 3.1 document. Its request schemas are also what validates requests,
so the document cannot drift from what the service accepts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from bot import __version__
from bot.domain.formats import (
    is_email,
)
from bot.partner_api.components import schemas
from bot.partner_api.models import DEFAULT_PAGE, MAX_PAGE
from bot.partner_api.service_paths import json_body as _json
from bot.partner_api.service_paths import service_paths

# The `limit` query parameter of GET /api/claims, from the limits the handler enforces.
PAGE_SIZE = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE}
# The `cursor` query parameter: opaque, and never empty (leave it out for the first page).
CURSOR = {"type": "string", "minLength": 1}

# An Idempotency-Key: visible ASCII, spaces only inside (HTTP drops them at either end), at most 255.
IDEMPOTENCY_KEY_MAX = 255
IDEMPOTENCY_KEY_PATTERN = "^[!-~]([ -~]*[!-~])?$"

DOC_URI = "urn:cpor-bot:openapi"


def _problem_ref(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _with_headers(response: dict[str, Any], headers: dict[str, Any]) -> dict[str, Any]:
    return {**response, "headers": headers}


def _unprocessable(reasons: str | None = None) -> dict[str, Any]:
    """The 422 of an operation the partner key guards: its own reasons, and the query parameters it
    does not take (every such operation refuses those)."""
    query = "a query parameter the operation does not take, or one given twice"
    what = f"{reasons}; or {query}" if reasons else query[0].upper() + query[1:]
    return _problem_ref(f"{what}. `field` names the first at fault, `errors` every one.")


_TEXT = {"type": "string"}
LOCATION = {"Location": {"description": "The claim's address.", "required": True, "schema": _TEXT}}
RETRY_AFTER = {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 1}}
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "Present when this is the stored answer to an earlier request with the same "
        "Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}

# What any operation with a request body may answer before reading it as its own.
BODY_ERRORS = {
    "400": _problem_ref("The body is missing (where one is required), is not JSON, or is not a JSON object."),
    "413": _problem_ref("The body is larger than 64 KiB."),
    "415": _problem_ref("The body is not sent as application/json."),
}

# What every operation the partner key guards may answer.
COMMON_ERRORS = {
    "401": _with_headers(
        _problem_ref("Missing, unknown or revoked partner key."),
        {
            "WWW-Authenticate": {
                "description": "How to authenticate: Bearer.",
                "required": True,
                "schema": _TEXT,
            }
        },
    ),
    "500": _problem_ref("Unexpected server error (no details are exposed)."),
    "503": _with_headers(
        _problem_ref(
            "The service's database is not answering; nothing was done. Retry-After says when to try again."
        ),
        {"Retry-After": {**RETRY_AFTER, "required": True}},
    ),
}


def _links(claim_id: str, *operations: str) -> dict[str, Any]:
    """OpenAPI links from an answer that names a claim to the operations on that claim."""
    return {op: {"operationId": op, "parameters": {"claim_id": claim_id}} for op in operations}


def _with_links(response: dict[str, Any], links: dict[str, Any]) -> dict[str, Any]:
    return {**response, "links": links}


# What may follow an answer that carries a claim (its id at `id`) or a notification (at `claim_id`).
CLAIM_LINKS = _links("$response.body#/id", "getClaim", "updateClaim", "notifyContacts")
NOTIFICATION_LINKS = _links("$response.body#/claim_id", "getClaim", "updateClaim", "notifyContacts")

IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send the same key to retry safely: the same key and body give the first response "
    "again (with Idempotent-Replayed: true) and do nothing twice; the same key with another body is a "
    "422. Keys are per partner.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": IDEMPOTENCY_KEY_MAX,
        "pattern": IDEMPOTENCY_KEY_PATTERN,
    },
}
# What every POST may answer because of its Idempotency-Key.
IDEMPOTENCY_ERRORS = {
    "409": _problem_ref("A request with this Idempotency-Key is still being processed."),
}
IDEMPOTENCY_REFUSED = (
    "an Idempotency-Key that is not 1 to 255 visible ASCII characters or was used with another body"
)


# What a partner's webhook receives (PUT /api/webhook registers it): one signed POST per customer
# response, retried with the same X-CPOR-Event-Id.
_SIGNED = (
    (
        "X-CPOR-Event-Id",
        "The event's id, stable across retries: a receiver that saw it may answer 2xx again.",
    ),
    ("X-CPOR-Timestamp", "Unix seconds when this attempt was signed; refuse one more than 5 minutes old."),
    ("X-CPOR-Signature", "v1=hex(HMAC-SHA256(secret, X-CPOR-Timestamp + '.' + raw body))."),
)
WEBHOOKS: dict[str, Any] = {
    "customerResponse": {
        "post": {
            "summary": "A customer answered one of your claim cards",
            "description": "Answer 2xx once stored. No answer, a 5xx, or a 401, 404 or 3xx (a new secret "
            "being deployed, an endpoint being moved) is retried with backoff, up to 8 attempts; "
            "400, 413, 414, 422 and 431 end the event at once.",
            "parameters": [
                {
                    "name": name,
                    "in": "header",
                    "required": True,
                    "description": text,
                    "schema": {"type": "string"},
                }
                for name, text in _SIGNED
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ResponseEvent"}}},
            },
            "responses": {"2XX": {"description": "Received; not sent again."}},
        }
    }
}


@cache
def openapi_document() -> dict[str, Any]:
    claim_id = {"name": "claim_id", "in": "path", "required": True, "schema": {"type": "string"}}
    secured: list[dict[str, list[str]]] = [{"partnerKey": []}]
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "CPOR explained: partner API",
            "version": __version__,
            "description": "Register CPOR claims and notify the customer's contacts with a card "
            "that explains the association. Every /api route except /api/openapi.json and "
            "/api/messages needs a partner key: `Authorization: Bearer cpor_…`. Those routes take "
            "only the query parameters they list.",
        },
        "components": {
            "securitySchemes": {
                "partnerKey": {"type": "http", "scheme": "bearer", "description": "A partner key."},
                "botFramework": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
            "schemas": schemas(),
        },
        "webhooks": WEBHOOKS,
        "paths": {
            **service_paths(),
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapiDocument",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1 document."}},
                }
            },
            "/api/messages": {
                "post": {
                    "operationId": "botMessages",
                    "summary": "Bot Framework activities from Teams (Bot Framework JWT)",
                    "security": [{"botFramework": []}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {}}}},
                    "responses": {
                        "200": {"description": "Handled (invoke responses carry a body)."},
                        "201": {"description": "Handled."},
                        "401": {"description": "Missing or invalid Bot Framework token."},
                    },
                }
            },
            "/api/workloads": {
                "get": {
                    "operationId": "listWorkloads",
                    "summary": "The workloads a claim may name",
                    "security": secured,
                    "responses": {
                        "200": _json("WorkloadList", "The catalog."),
                        "422": _unprocessable(),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/claims": {
                "post": {
                    "operationId": "createClaim",
                    "summary": "Register a claim",
                    "security": secured,
                    "parameters": [IDEMPOTENCY_PARAMETER],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ClaimCreate"}}
                        },
                    },
                    "responses": {
                        "201": _with_links(
                            _with_headers(
                                _json("Claim", "Created; Location names the new claim."),
                                {**LOCATION, **REPLAYED},
                            ),
                            CLAIM_LINKS,
                        ),
                        **BODY_ERRORS,
                        "422": _unprocessable(
                            "A field is missing, unknown or invalid, including the rules the schema cannot "
                            "state (workloads of the solution area, names not blank, each contact's email "
                            "once and one mail can be sent to, each aad_object_id once, submitted_on not in "
                            "the future); or "
                            f"{IDEMPOTENCY_REFUSED}"
                        ),
                        **IDEMPOTENCY_ERRORS,
                        **COMMON_ERRORS,
                    },
                },
                "get": {
                    "operationId": "listClaims",
                    "summary": "Your claims, newest first",
                    "security": secured,
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": PAGE_SIZE},
                        {
                            "name": "cursor",
                            "in": "query",
                            "description": "next_cursor from the page before; left out for the first page.",
                            "schema": CURSOR,
                        },
                    ],
                    "responses": {
                        "200": _json("ClaimList", "A page of claims."),
                        "422": _unprocessable("A limit out of range, or a cursor this API did not give out"),
                        **COMMON_ERRORS,
                    },
                },
            },
            "/api/claims/{claim_id}": {
                "get": {
                    "operationId": "getClaim",
                    "summary": "One of your claims, with its deliveries and the customer's responses",
                    "security": secured,
                    "parameters": [claim_id],
                    "responses": {
                        "200": _with_links(_json("Claim", "The claim."), CLAIM_LINKS),
                        "404": _problem_ref("No such claim among yours."),
                        "422": _unprocessable(),
                        **COMMON_ERRORS,
                    },
                },
                "patch": {
                    "operationId": "updateClaim",
                    "summary": "Change the claim's status; every card already sent is updated in place",
                    "security": secured,
                    "parameters": [claim_id],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ClaimUpdate"}},
                            "application/merge-patch+json": {
                                "schema": {"$ref": "#/components/schemas/ClaimUpdate"}
                            },
                        },
                    },
                    "responses": {
                        "200": _with_links(_json("Claim", "The claim with its new status."), CLAIM_LINKS),
                        **BODY_ERRORS,
                        "404": _problem_ref("No such claim among yours."),
                        "409": _problem_ref(
                            "Partner Center does not allow this status change, or the claim changed "
                            "meanwhile."
                        ),
                        "422": _unprocessable("A missing, unknown or invalid field"),
                        **COMMON_ERRORS,
                    },
                },
            },
            "/api/teams-links": {
                "post": {
                    "operationId": "createTeamsLink",
                    "summary": "A one-time code that links a partner user's Teams chat to your partner",
                    "description": "The user sends `link <code>` to the app in Teams within 15 minutes. "
                    "That chat then gets a message for each customer response to your claims, and may "
                    "compose claims (`new claim`).",
                    "security": secured,
                    "parameters": [IDEMPOTENCY_PARAMETER],
                    "requestBody": {
                        "required": False,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}},
                    },
                    "responses": {
                        "201": _with_headers(_json("LinkCode", "The code, shown once."), REPLAYED),
                        **BODY_ERRORS,
                        "422": _unprocessable(
                            "The body has fields (it must be empty, {} or absent); or " + IDEMPOTENCY_REFUSED
                        ),
                        **IDEMPOTENCY_ERRORS,
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/webhook": {
                "put": {
                    "operationId": "setWebhook",
                    "summary": "Set (or replace) your webhook; answers with a new signing secret",
                    "security": secured,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/WebhookSet"}}
                        },
                    },
                    "responses": {
                        "200": _json("Webhook", "Set. Keep the secret: it is shown only now."),
                        **BODY_ERRORS,
                        "422": _unprocessable(
                            "An unknown field, or a url the service will not post to: not https, with "
                            "credentials, a host name that is not valid, or a private address"
                        ),
                        **COMMON_ERRORS,
                    },
                },
                "get": {
                    "operationId": "getWebhook",
                    "summary": "Your webhook and its delivery log",
                    "security": secured,
                    "responses": {
                        "200": _json("Webhook", "The webhook (without its secret) and recent events."),
                        "404": _problem_ref("No webhook is set."),
                        "422": _unprocessable(),
                        **COMMON_ERRORS,
                    },
                },
                "delete": {
                    "operationId": "deleteWebhook",
                    "summary": "Remove your webhook",
                    "security": secured,
                    "responses": {
                        "204": {"description": "Removed."},
                        "404": _problem_ref("No webhook is set."),
                        "422": _unprocessable(),
                        **COMMON_ERRORS,
                    },
                },
            },
            "/api/claims/{claim_id}/notifications": {
                "post": {
                    "operationId": "notifyContacts",
                    "summary": "Send the claim card to the claim's contacts",
                    "security": secured,
                    "parameters": [claim_id, IDEMPOTENCY_PARAMETER],
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/NotificationCreate"}
                            }
                        },
                    },
                    "responses": {
                        "202": _with_links(
                            _with_headers(
                                _json("Notification", "Queued; each contact gets a delivery."),
                                {**LOCATION, **REPLAYED},
                            ),
                            NOTIFICATION_LINKS,
                        ),
                        **BODY_ERRORS,
                        "404": _problem_ref("No such claim among yours."),
                        "422": _unprocessable(f"An unknown or invalid field, or {IDEMPOTENCY_REFUSED}"),
                        "409": _with_headers(
                            _problem_ref(
                                "A request with this Idempotency-Key is still being processed, or "
                                "this claim's contacts were notified less than the cooldown ago "
                                "(NOTIFY_COOLDOWN_MINUTES); Retry-After then says when it passes."
                            ),
                            {"Retry-After": RETRY_AFTER},
                        ),
                        "429": _with_headers(
                            _problem_ref(
                                "Your notifications this minute (NOTIFY_PER_MINUTE) or your messages "
                                "today (NOTIFY_MESSAGES_PER_DAY, one per contact and channel) are used "
                                "up; nothing was queued. Retry-After says when to try again."
                            ),
                            {"Retry-After": {**RETRY_AFTER, "required": True}},
                        ),
                        **COMMON_ERRORS,
                    },
                }
            },
        },
    }


@cache
def query_parameters(path: str, method: str) -> frozenset[str]:
    """The query parameters the document lists for an operation (none for one it does not list)."""
    operation = openapi_document()["paths"].get(path, {}).get(method.lower(), {})
    return frozenset(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")


def _email_format(instance: object) -> bool:
    """`format: email` as the rest of the service checks addresses. A format says nothing about other
    types (JSON Schema): a list or a number where an address belongs is the `type` keyword's to refuse."""
    return not isinstance(instance, str) or is_email(instance)


# The formats the schema names, checked as the rest of the service checks them.
_FORMATS = FormatChecker()
_FORMATS.checks("email")(_email_format)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _whole_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """`pattern`, with `$` meaning the end of the text: Python's `$` also matches before a final
    newline, which would let "…\n" through a single-line or GUID pattern."""
    if not validator.is_type(instance, "string"):
        return
    found = _compiled(pattern).search(instance)
    if found is None or (pattern.endswith("$") and found.end() != len(instance)):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# The draft the document uses, with patterns anchored as the API means them.
_RequestValidator = validators.extend(Draft202012Validator, {"pattern": _whole_pattern})


@cache
def request_validator(schema_name: str) -> Any:
    """A validator for one of the document's component schemas, resolving its $refs."""
    document = openapi_document()
    registry: Registry[Any] = Registry().with_resource(DOC_URI, DRAFT202012.create_resource(document))
    return _RequestValidator(
        {"$ref": f"{DOC_URI}#/components/schemas/{schema_name}"},
        registry=registry,
        format_checker=_FORMATS,
    )
