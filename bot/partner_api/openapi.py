"""The partner API's OpenAPI 3.1 document. Its request schemas are also what validates requests,
so the document cannot drift from what the service accepts."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from bot import __version__
from bot.domain.claims import Status
from bot.domain.formats import (
    EMAIL_MAX,
    GUID_PATTERN,
    MAX_CONTACTS,
    MESSAGE_MAX,
    NAME_MAX,
    REFERENCE_MAX,
    is_email,
)
from bot.domain.workloads import catalog

LOCALE_PATTERN = "^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$"
# No control characters (newlines included) in single-line fields.
LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f]*$"
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


def _schemas() -> dict[str, Any]:
    cat = catalog()
    return {
        "ContactInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "email"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX, "pattern": LINE_PATTERN},
                "email": {"type": "string", "format": "email", "maxLength": EMAIL_MAX},
                "aad_object_id": {
                    "type": "string",
                    "pattern": GUID_PATTERN,
                    "description": "The contact's Microsoft Entra object id, if known: matches the "
                    "Teams user exactly. Without it the contact is matched by email.",
                },
                "locale": {"type": "string", "pattern": LOCALE_PATTERN, "maxLength": 35},
            },
        },
        "ClaimCreate": {
            "type": "object",
            "additionalProperties": False,
            "required": ["customer_tenant_id", "customer_name", "solution_area", "workloads", "contacts"],
            "properties": {
                "customer_tenant_id": {
                    "type": "string",
                    "pattern": GUID_PATTERN,
                    "description": "The customer's Microsoft Entra tenant id, as on the claim.",
                },
                "customer_name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": NAME_MAX,
                    "pattern": LINE_PATTERN,
                },
                "solution_area": {"type": "string", "enum": sorted(cat.areas)},
                "workloads": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": len(cat.workloads),
                    "uniqueItems": True,
                    "items": {"type": "string", "minLength": 1, "maxLength": 64},
                    "description": "Workload ids from GET /api/workloads, all in the solution area.",
                },
                "contacts": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_CONTACTS,
                    "items": {"$ref": "#/components/schemas/ContactInput"},
                },
                "status": {"type": "string", "enum": [s.value for s in Status], "default": "submitted"},
                "submitted_on": {"type": "string", "format": "date"},
                "partner_reference": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": REFERENCE_MAX,
                    "pattern": LINE_PATTERN,
                    "description": "Your own reference for the claim, e.g. the Partner Center claim id.",
                },
                "message": {
                    "type": "string",
                    "maxLength": MESSAGE_MAX,
                    "description": "A short note to the customer, shown on the card as yours.",
                },
                "locale": {"type": "string", "pattern": LOCALE_PATTERN, "maxLength": 35},
            },
        },
        "ClaimUpdate": {
            "type": "object",
            "additionalProperties": False,
            "required": ["status"],
            "properties": {
                "status": {
                    "type": "string",
                    "enum": [s.value for s in Status],
                    "description": "The new status, as Partner Center now shows it. Only the "
                    "transitions Partner Center allows are accepted (409 otherwise).",
                }
            },
        },
        "Response": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "kind": {"type": "string", "enum": ["acknowledged", "not_recognised", "question"]},
                "user_name": {"type": ["string", "null"]},
                "contact_id": {"type": ["string", "null"]},
                "channel": {"type": "string"},
                "text": {"type": ["string", "null"], "description": "The question, for kind question."},
                "created_at": {"type": "string", "format": "date-time"},
            },
        },
        "LinkCode": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "expires_at": {"type": "string", "format": "date-time"},
                "instructions": {"type": "string"},
            },
        },
        "WebhookSet": {
            "type": "object",
            "additionalProperties": False,
            "required": ["url"],
            "properties": {"url": {"type": "string", "format": "uri", "maxLength": 2000}},
        },
        "Webhook": {
            "type": "object",
            "properties": {
                "url": {"type": "string"},
                "secret": {
                    "type": "string",
                    "description": "Only in the answer to PUT. Verify each POST: X-CPOR-Signature is "
                    "v1=hex(HMAC-SHA256(secret, X-CPOR-Timestamp + '.' + raw body)); refuse "
                    "timestamps more than 5 minutes old; X-CPOR-Event-Id is stable across retries.",
                },
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "events": {
                    "type": "array",
                    "description": "The 50 latest deliveries, newest first.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "claim_id": {"type": "string"},
                            "type": {"type": "string"},
                            "status": {"type": "string", "enum": ["queued", "sending", "sent", "failed"]},
                            "attempts": {"type": "integer"},
                            "last_status_code": {"type": ["integer", "null"]},
                            "last_error": {"type": ["string", "null"]},
                            "created_at": {"type": "string", "format": "date-time"},
                            "delivered_at": {"type": ["string", "null"], "format": "date-time"},
                        },
                    },
                },
            },
        },
        "NotificationCreate": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "channel": {
                    "type": "string",
                    "enum": ["teams", "email", "both"],
                    "description": "Where the card goes. Left out: Teams for contacts who have the "
                    "app, email for the others.",
                }
            },
        },
        "Empty": {"type": "object", "additionalProperties": False, "properties": {}},
        "Workload": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "plain": {"type": "string"},
                "solution_area": {"type": "string"},
            },
        },
        "WorkloadList": {
            "type": "object",
            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Workload"}}},
        },
        "Contact": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "email": {"type": "string"},
                "aad_object_id": {"type": ["string", "null"]},
                "locale": {"type": ["string", "null"]},
            },
        },
        "Delivery": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "notification_id": {"type": "string"},
                "contact_id": {"type": "string"},
                "channel": {"type": "string", "enum": ["teams", "email"]},
                "kind": {
                    "type": "string",
                    "enum": ["claim", "status", "update", "partner"],
                    "description": "claim: the claim card; status: a status-changed message; "
                    "update: a sent claim card replaced in place; partner: a message to a linked "
                    "partner user about a customer response.",
                },
                "status": {
                    "type": "string",
                    "enum": ["waiting", "queued", "sending", "sent", "failed", "unknown"],
                    "description": "waiting: the contact has not installed the bot yet; unknown: the "
                    "send was interrupted and may or may not have arrived.",
                },
                "attempts": {"type": "integer"},
                "activity_id": {"type": ["string", "null"]},
                "last_error": {"type": ["string", "null"]},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "sent_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "Claim": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "customer_tenant_id": {"type": "string"},
                "customer_name": {"type": "string"},
                "solution_area": {"type": "string"},
                "workloads": {"type": "array", "items": {"$ref": "#/components/schemas/Workload"}},
                "status": {"type": "string", "enum": [s.value for s in Status]},
                "submitted_on": {"type": "string", "format": "date"},
                "partner_reference": {"type": ["string", "null"]},
                "message": {"type": ["string", "null"]},
                "locale": {"type": ["string", "null"]},
                "contacts": {"type": "array", "items": {"$ref": "#/components/schemas/Contact"}},
                "deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}},
                "responses": {"type": "array", "items": {"$ref": "#/components/schemas/Response"}},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
        "ClaimList": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Claim"}},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
        "Notification": {
            "type": "object",
            "properties": {
                "notification_id": {"type": "string"},
                "claim_id": {"type": "string"},
                "deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}},
            },
        },
        "Problem": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "field": {"type": "string", "description": "The first field at fault."},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
                    },
                },
            },
        },
        "Health": {
            "type": "object",
            "properties": {
                "status": {"type": "string"},
                "version": {"type": "string"},
                "store": {"type": "object"},
            },
        },
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
            "schemas": _schemas(),
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
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
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
def request_validator(schema_name: str) -> Draft202012Validator:
    """A validator for one of the document's component schemas, resolving its $refs."""
    document = openapi_document()
    registry: Registry[Any] = Registry().with_resource(DOC_URI, DRAFT202012.create_resource(document))
    return Draft202012Validator(
        {"$ref": f"{DOC_URI}#/components/schemas/{schema_name}"},
        registry=registry,
        format_checker=_FORMATS,
    )
