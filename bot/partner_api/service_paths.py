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
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics (deliveries by outcome and channel, outbox by status, "
                "retries, throttling, send latency, webhook posts)",
                "responses": {"200": {"description": "Prometheus text format."}},
            }
        },
    }
