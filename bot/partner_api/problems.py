"""API errors as RFC 9457 `application/problem+json`, and the middleware that guarantees it."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.domain.validation import FieldError, InvalidRequest
from bot.ops.outage import RETRY_AFTER_SECONDS, UNAVAILABLE_DETAIL
from bot.store import StoreUnavailable

__all__ = [
    "MAX_REPORTED_ERRORS",
    "PROBLEM_JSON",
    "FieldError",
    "Problem",
    "problem_middleware",
    "problem_response",
]

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# A body can be wrong in thousands of places (a list of 6,500 unknown ids): an answer names the first
# MAX_REPORTED_ERRORS fields at fault and counts the rest, so it stays small whatever was sent.
MAX_REPORTED_ERRORS = 20


@dataclass(slots=True)
class Problem(Exception):
    """An error a client caused and can fix; becomes a problem+json response."""

    status: int
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}"


def problem_response(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": f"https://httpstatuses.io/{status}",
        "title": phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [e.as_json() for e in errors[:MAX_REPORTED_ERRORS]]
        # The first field at fault, for clients that show one message.
        body["field"] = errors[0].field
        if len(errors) > MAX_REPORTED_ERRORS:
            body["errors_omitted"] = len(errors) - MAX_REPORTED_ERRORS
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type=PROBLEM_JSON,
        headers=headers,
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_DETAIL = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request body is too large.",
}


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error under /api/ (except the Bot Framework endpoint) leaves as problem+json."""
    if not request.path.startswith("/api/") or request.path == "/api/messages":
        return await handler(request)
    try:
        return await handler(request)
    except Problem as problem:
        return problem_response(
            problem.status,
            problem.detail,
            instance=request.path,
            errors=problem.errors,
            headers=problem.headers,
        )
    except InvalidRequest as invalid:
        return problem_response(422, invalid.detail, instance=request.path, errors=invalid.errors)
    except StoreUnavailable as exc:
        # An outage, not a fault of this request: one line, no trace; the client may try again.
        log.warning("%s %s refused with a 503: %s", request.method, request.path, exc)
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return problem_response(503, UNAVAILABLE_DETAIL, instance=request.path, headers=retry)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = _HTTP_DETAIL.get(exc.status, exc.reason)
        # A 405 says which methods the address takes; keep that.
        kept = {name: exc.headers[name] for name in ("Allow",) if name in exc.headers}
        return problem_response(exc.status, detail, instance=request.path, headers=kept or None)
    except Exception:
        # The trace goes to the log, never to the client.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(500, "Something went wrong on our side.", instance=request.path)
