"""The partner API's data shapes (the OpenAPI document's `components.schemas`): what requests may
carry, with the limits the service enforces, and what responses contain."""

from __future__ import annotations

from typing import Any

from bot.domain.claims import Status
from bot.domain.formats import EMAIL_MAX, GUID_PATTERN, MAX_CONTACTS, MESSAGE_MAX, NAME_MAX, REFERENCE_MAX
from bot.domain.workloads import catalog

LOCALE_PATTERN = "^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$"
# No control characters (newlines included) in single-line fields.
LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f]*$"


def schemas() -> dict[str, Any]:
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
