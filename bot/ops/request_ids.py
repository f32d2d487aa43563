"""A request id on every answer and on every log line written while the request is handled.

The id comes from the caller's `X-Request-Id` when it is a short token (a gateway's or Azure Front
Door's own id then joins the two logs); otherwise one is made. aiohttp runs each request in a task of
its own, so the context variable set here is seen by the handler, by tasks it starts, by the
response hooks and by the access log line, and by nothing else.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler

HEADER = "X-Request-Id"
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
# Letters, digits and a few separators: safe in a header and in a log line, never a place for text.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# A contact's page, /c/{token} (bot.web.links): the token is the key to it, so the access line hides
# everything after "/c/", well-formed or not (a near miss may be a real link mistyped, and a path can
# hide a token behind an extra "/").
_CONTACT_LINK = re.compile(r"^/c/.+", re.DOTALL)


def path_for_log(path: str) -> str:
    """`path` as the access line shows it: a contact's link token replaced by "[redacted]"."""
    return _CONTACT_LINK.sub("/c/[redacted]", path)


def request_id_for(request: web.BaseRequest) -> str:
    """The caller's id when it is a plain token, otherwise a new one."""
    offered = request.headers.get(HEADER, "")
    return offered if _ACCEPTED.fullmatch(offered) else uuid.uuid4().hex


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost: every line logged below it, and the answer, carry the request's id."""
    REQUEST_ID.set(request_id_for(request))
    return await handler(request)


async def add_request_id_header(request: web.Request, response: web.StreamResponse) -> None:
    """An on_response_prepare hook: the id on every answer, errors included."""
    request_id = REQUEST_ID.get()
    if request_id is not None:
        response.headers[HEADER] = request_id


class AccessLogger(AbstractAccessLogger):
    """One line per answered request: method, path (no query: it can carry a language, never more
    than the path needs; no contact's link token), status and time, with the request id of the
    context it runs in."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = path_for_log(request.rel_url.path)
        self.logger.info(
            "%s %s %s %.1f ms",
            request.method,
            path,
            response.status,
            time * 1000,
            extra={
                "http": {
                    "method": request.method,
                    "path": path,
                    "status": response.status,
                    "duration_ms": round(time * 1000, 1),
                }
            },
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
