"""A database outage, as a request sees it: a prompt refusal it may try again, not a hang.

A request waits at most REQUEST_WAIT_SECONDS for a database connection (the background workers
keep the pool's own, longer wait, and try again at their next poll); a store that does not answer
raises StoreUnavailable, which the partner API answers with a problem+json 503 and a contact's page
with its short 503 page, both with Retry-After, and one warning line in the log.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.store import CONNECTION_WAIT

# Long enough for a busy pool to lend a connection; short enough that an outage is answered at once.
REQUEST_WAIT_SECONDS = 5.0
# What a refused client is told to wait before trying again (Retry-After, in seconds).
RETRY_AFTER_SECONDS = 10
UNAVAILABLE_DETAIL = "The service's database is not answering; try again shortly."


@web.middleware
async def request_store_wait(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every request handler (and the tasks it starts) waits REQUEST_WAIT_SECONDS for a connection."""
    CONNECTION_WAIT.set(REQUEST_WAIT_SECONDS)
    return await handler(request)
