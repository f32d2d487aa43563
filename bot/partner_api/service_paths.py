"""The OpenAPI entries of the service's own routes beside the partner API: the probes, the metrics
and the pages for people in a browser (the document describes every route the service serves)."""

from __future__ import annotations

from typing import Any


def json_body(ref: str, description: str) -> dict[str, Any]:
    """A documented JSON answer whose body is the component schema `ref`."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _page(operation_id: str, title: str) -> dict[str, Any]:
    """A page for people in a browser (bot/web/legal.py), in the reader's language."""
    return {
        "get": {
            "operationId": operation_id,
            "summary": f"{title}, an HTML page in the reader's language (the Teams app manifest links it)",
            "parameters": [
                {
                    "name": "lang",
                    "in": "query",
                    "required": False,
                    "description": "en, de, es, fr, ja or pt-BR; otherwise Accept-Language decides",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {"200": {"description": f"{title}.", "content": {"text/html": {}}}},
        }
    }


_LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "en, de, es, fr, ja or pt-BR; otherwise Accept-Language decides",
    "schema": {"type": "string"},
}
_TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "The contact's signed link token, as in the link the contact was sent",
    "schema": {"type": "string"},
}
_HTML: dict[str, Any] = {"text/html": {}}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": _HTML}


# A claim page or form when the service's database does not answer (bot/ops/outage.py).
_UNAVAILABLE: dict[str, Any] = {
    "description": "The service's database is not answering: nothing shown or recorded; a short page "
    "asks to try again. Retry-After says when.",
    "headers": {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}},
    "content": _HTML,
}


def _claim_form(operation_id: str, what: str, *, question: bool = False) -> dict[str, Any]:
    """One of the claim page's forms (bot/web/claim_pages.py), posted by the contact's browser."""
    fields: dict[str, Any] = {
        "form_token": {"type": "string", "description": "The value the page put in the form"},
        "lang": {"type": "string", "description": "The page's language, kept after the redirect"},
    }
    if question:
        fields["question"] = {"type": "string", "maxLength": 500, "description": "The contact's question"}
    responses: dict[str, Any] = {
        "303": {"description": "Recorded (once: a repeat finds the same answer); back to the claim page."},
        "400": _html(
            "The form is not UTF-8 text (another charset, or bytes or escapes that are not UTF-8): "
            "nothing recorded; a short page asks for it to be typed again."
        ),
        "403": _html("The form token is missing or is not this link's: nothing recorded."),
        "404": _html("Not a link this service made."),
        "410": _html("The link has expired, or its claim or contact was removed."),
        "429": {
            "description": "More than 10 posts a minute through this link.",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            "content": _HTML,
        },
        "503": _UNAVAILABLE,
    }
    if question:
        responses["422"] = _html("Empty, too long or unreadable: the claim page again, saying why.")
    return {
        "post": {
            "operationId": operation_id,
            "summary": f"{what} from the claim page, through the same verbs as the card's buttons",
            "parameters": [_TOKEN],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": fields,
                            "required": ["form_token", *(["question"] if question else [])],
                        }
                    }
                },
            },
            "responses": responses,
        }
    }


def _claim_pages() -> dict[str, Any]:
    """The contact's claim page and its forms, and the public explainer."""
    return {
        "/cpor": {
            "get": {
                "operationId": "cporExplainer",
                "summary": "What CPOR is, what it gives a partner and what it does not: an HTML page, "
                "no claim data, cacheable",
                "parameters": [_LANG],
                "responses": {"200": _html("The explainer.")},
            }
        },
        "/c/{token}": {
            "get": {
                "operationId": "claimPage",
                "summary": "One claim for the one contact its signed link names, with the contact's "
                "answers and forms: an HTML page in the reader's language",
                "parameters": [_TOKEN, _LANG],
                "responses": {
                    "200": _html("The claim page."),
                    "404": _html("Not a link this service made."),
                    "410": _html("The link has expired, or its claim or contact was removed."),
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/c/{token}/acknowledge": _claim_form("claimPageAcknowledge", "Got it"),
        "/c/{token}/not-recognised": _claim_form("claimPageNotRecognised", "I don't recognise this partner"),
        "/c/{token}/question": _claim_form("claimPageQuestion", "A question for the partner", question=True),
    }


def service_paths() -> dict[str, Any]:
    return {
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Liveness: the process answers",
                "responses": {"200": json_body("Health", "The process is alive.")},
            }
        },
        "/readyz": {
            "get": {
                "operationId": "readiness",
                "summary": "Readiness: the store answers with the schema this version needs, the "
                "workers run, and the service is not shutting down",
                "responses": {
                    "200": json_body("Readiness", "Ready for work."),
                    "503": json_body("Readiness", "Not ready; `problems` says why."),
                },
            }
        },
        "/privacy": _page("privacyNotice", "The privacy notice"),
        "/terms": _page("termsOfUse", "The terms of use"),
        **_claim_pages(),
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics (deliveries by outcome and channel, outbox by status, "
                "retries, throttling, send latency, webhook posts)",
                "responses": {"200": {"description": "Prometheus text format."}},
            }
        },
    }
