"""Every response the partner API gives in the test suite, checked against its OpenAPI document:
the status must be one the operation documents, the content type the documented one, and the body
must validate against the documented schema. Installed for the whole run by `tests/conftest.py`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from bot.partner_api.openapi import openapi_document, request_validator

# Not the partner API: the Bot Framework endpoint answers the Bot Framework's way.
UNCHECKED = ("/api/messages",)


@cache
def _operations() -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    found = []
    for template, item in openapi_document()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^/}]+\}", "[^/]+", template) + "$")
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((pattern, method.upper(), operation))
    return found


def problems(method: str, path: str, status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
    """What is wrong with this response according to the document (empty: nothing)."""
    if path.startswith(UNCHECKED) or not (
        path.startswith(("/api/", "/c/"))
        or path in ("/healthz", "/readyz", "/metrics", "/privacy", "/terms", "/cpor")
    ):
        return []
    # HEAD is GET without the body (aiohttp answers it for every GET route).
    documented_as = "GET" if method == "HEAD" else method
    operations = [op for pattern, m, op in _operations() if m == documented_as and pattern.match(path)]
    if not operations:
        if status in (404, 405) and not path.startswith("/api/"):
            return []  # a page's address with no such route or method: aiohttp's own plain answer
        if status in (404, 405):  # an unknown path or method: the service's own problem answer
            return (
                []
                if headers.get("Content-Type", "").startswith("application/problem+json")
                else [f"{method} {path}: {status} without a problem document"]
            )
        return [f"{method} {path} is not in the OpenAPI document"]
    responses = operations[0]["responses"]
    documented = responses.get(str(status)) or responses.get("default")
    if documented is None:
        return [f"{method} {path}: status {status} is not documented (documented: {sorted(responses)})"]
    content = documented.get("content")
    if not content:
        return []  # documented without a body schema (204, text formats)
    media = headers.get("Content-Type", "").split(";")[0].strip()
    if media not in content:
        return [f"{method} {path} {status}: content type {media!r}, documented {sorted(content)}"]
    schema = content[media].get("schema", {})
    ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
    if not ref.startswith("#/components/schemas/") or method == "HEAD":
        return []
    try:
        document = json.loads(body)
    except ValueError:
        return [f"{method} {path} {status}: the body is not JSON"]
    validator = request_validator(ref.rsplit("/", 1)[1])  # the component's schema, its $refs resolved
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{method} {path} {status}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
