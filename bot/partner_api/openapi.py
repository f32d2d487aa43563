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

# The `limit` query parameter of GET /api/claims, from the limits the handler enforces.
PAGE_SIZE = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE}

DOC_URI = "urn:cpor-bot:openapi"


def _problem_ref(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _json(ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


# What any operation with a request body may answer before reading it as its own.
BODY_ERRORS = {
    "400": _problem_ref("The body is not a JSON object."),
    "413": _problem_ref("The body is larger than 64 KiB."),
    "415": _problem_ref("The body is not sent as application/json."),
}

COMMON_ERRORS = {
    "401": _problem_ref("Missing, unknown or revoked partner key."),
    "500": _problem_ref("Unexpected server error (no details are exposed)."),
}


@cache
def openapi_document() -> dict[str, Any]:
    claim_id = {"name": "claim_id", "in": "path", "required": True, "schema": {"type": "string"}}
    idempotency = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Send the same key to retry safely: the same key and body give the first "
        "response again (with Idempotent-Replayed: true) and do nothing twice; the same key with "
        "another body is a 422.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    }
    replay_errors = {
        "409": _problem_ref("A request with this Idempotency-Key is still being processed."),
    }
    secured: list[dict[str, list[str]]] = [{"partnerKey": []}]
    retry_after = {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 1}}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "CPOR explained: partner API",
            "version": __version__,
            "description": "Register CPOR claims and notify the customer's contacts with a card "
            "that explains the association. Every /api route except /api/openapi.json and "
            "/api/messages needs a partner key: `Authorization: Bearer cpor_…`.",
        },
        "components": {
            "securitySchemes": {
                "partnerKey": {"type": "http", "scheme": "bearer", "description": "A partner key."},
                "botFramework": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
            "schemas": schemas(),
        },
        "paths": {
            "/healthz": {
                "get": {
                    "summary": "Liveness and store status",
                    "responses": {
                        "200": _json("Health", "The service and its store are up."),
                        "503": _json("Health", "The store does not answer."),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics (deliveries by outcome and channel, outbox by status, "
                    "retries, throttling, send latency, webhook posts)",
                    "responses": {"200": {"description": "Prometheus text format."}},
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1 document."}},
                }
            },
            "/api/messages": {
                "post": {
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
                    "summary": "The workloads a claim may name",
                    "security": secured,
                    "responses": {"200": _json("WorkloadList", "The catalog."), **COMMON_ERRORS},
                }
            },
            "/api/claims": {
                "post": {
                    "summary": "Register a claim",
                    "security": secured,
                    "parameters": [idempotency],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ClaimCreate"}}
                        },
                    },
                    "responses": {
                        "201": _json("Claim", "Created; Location names the new claim."),
                        **BODY_ERRORS,
                        "422": _problem_ref("A field is missing, unknown or invalid; `field` names it."),
                        **replay_errors,
                        **COMMON_ERRORS,
                    },
                },
                "get": {
                    "summary": "Your claims, newest first",
                    "security": secured,
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": PAGE_SIZE,
                        },
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": _json("ClaimList", "A page of claims."),
                        "422": _problem_ref("A bad limit or cursor."),
                        **COMMON_ERRORS,
                    },
                },
            },
            "/api/claims/{claim_id}": {
                "get": {
                    "summary": "One of your claims, with its deliveries and the customer's responses",
                    "security": secured,
                    "parameters": [claim_id],
                    "responses": {
                        "200": _json("Claim", "The claim."),
                        "404": _problem_ref("No such claim among yours."),
                        **COMMON_ERRORS,
                    },
                },
                "patch": {
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
                        "200": _json("Claim", "The claim with its new status."),
                        **BODY_ERRORS,
                        "404": _problem_ref("No such claim among yours."),
                        "409": _problem_ref("Partner Center does not allow this status change."),
                        "422": _problem_ref("A missing, unknown or invalid field."),
                        **COMMON_ERRORS,
                    },
                },
            },
            "/api/teams-links": {
                "post": {
                    "summary": "A one-time code that links a partner user's Teams chat to your partner",
                    "description": "The user sends `link <code>` to the app in Teams within 15 minutes. "
                    "That chat then gets a message for each customer response to your claims, and may "
                    "compose claims (`new claim`).",
                    "security": secured,
                    "responses": {
                        "201": _json("LinkCode", "The code, shown once."),
                        **BODY_ERRORS,
                        "422": _problem_ref("The body has fields; it must be empty, {} or absent."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/webhook": {
                "put": {
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
                        "422": _problem_ref("Not an https URL, or one that points at a private address."),
                        **COMMON_ERRORS,
                    },
                },
                "get": {
                    "summary": "Your webhook and its delivery log",
                    "security": secured,
                    "responses": {
                        "200": _json("Webhook", "The webhook (without its secret) and recent events."),
                        "404": _problem_ref("No webhook is set."),
                        **COMMON_ERRORS,
                    },
                },
                "delete": {
                    "summary": "Remove your webhook",
                    "security": secured,
                    "responses": {
                        "204": {"description": "Removed."},
                        "404": _problem_ref("No webhook is set."),
                        **COMMON_ERRORS,
                    },
                },
            },
            "/api/claims/{claim_id}/notifications": {
                "post": {
                    "summary": "Send the claim card to the claim's contacts",
                    "security": secured,
                    "parameters": [claim_id, idempotency],
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/NotificationCreate"}
                            }
                        },
                    },
                    "responses": {
                        "202": _json("Notification", "Queued; each contact gets a delivery."),
                        **BODY_ERRORS,
                        "404": _problem_ref("No such claim among yours."),
                        "422": _problem_ref(
                            "An unknown field, or an Idempotency-Key reused with another body."
                        ),
                        **replay_errors,
                        "409": {
                            **_problem_ref(
                                "A request with this Idempotency-Key is still being processed, or "
                                "this claim's contacts were notified less than the cooldown ago "
                                "(NOTIFY_COOLDOWN_MINUTES); Retry-After says when it passes."
                            ),
                            "headers": {"Retry-After": retry_after},
                        },
                        "429": {
                            **_problem_ref(
                                "Your notifications this minute (NOTIFY_PER_MINUTE) or your messages "
                                "today (NOTIFY_MESSAGES_PER_DAY, one per contact and channel) are used "
                                "up; nothing was queued. Retry-After says when to try again."
                            ),
                            "headers": {"Retry-After": retry_after},
                        },
                        **COMMON_ERRORS,
                    },
                }
            },
        },
    }


# The formats the schema names, checked as the rest of the service checks them.
_FORMATS = FormatChecker()
_FORMATS.checks("email")(is_email)


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
