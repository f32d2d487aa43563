"""What one webhook POST came to: the coarse words the partner's delivery log shows, whether to try
again, and the detail for the operator's log.

The partner sees no exception names or reasons from the network ("could not connect", "timed out",
"HTTP 503"): a log that told a refused port from a closed one or a TLS service from a silent one
would make the webhook a port scanner.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from bot.webhooks.resolver import NoPublicAddress

COULD_NOT_CONNECT = "could not connect"
TIMED_OUT = "timed out"
NO_PUBLIC_ADDRESS = "refused: the host name has no public address"
# Answers that refuse the request itself (its body, size or headers): the same POST would be refused
# again. Any other answer is retried: a 401 while the partner deploys a new secret, a 404 or a 3xx
# while an endpoint moves (redirects are not followed), a 5xx.
REFUSED_AS_SENT = frozenset({400, 413, 414, 422, 431})


@dataclass(frozen=True, slots=True)
class Outcome:
    shown: str  # for the partner's delivery log
    retry: bool
    detail: str  # for the operator's log: never the URL (it may carry a token), the body or the secret
    status_code: int | None = None

    @property
    def sent(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def answered(status: int) -> Outcome:
    retry = not 200 <= status < 300 and status not in REFUSED_AS_SENT
    return Outcome(f"HTTP {status}", retry, f"HTTP {status}", status)


def refused_url(reason: str) -> Outcome:
    """The stored URL breaks the rules (set before they were, or by another version): not posted."""
    return Outcome(f"refused: the URL {reason}", False, f"URL refused: {reason}")


def failed(exc: BaseException) -> Outcome:
    """The POST got no HTTP answer."""
    if isinstance(exc, TimeoutError):
        return Outcome(TIMED_OUT, True, f"{type(exc).__name__}: no answer in time")
    cause = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
    if isinstance(cause, NoPublicAddress):
        # Retried like a DNS failure, which the partner cannot tell it from: the name may be fixed.
        return Outcome(NO_PUBLIC_ADDRESS, True, str(cause))
    # The connector's own error names host, port and reason; others' text may quote the URL.
    reason = cause if cause is not exc else getattr(exc, "strerror", None)
    return Outcome(COULD_NOT_CONNECT, True, type(exc).__name__ + (f": {reason}" if reason else ""))
