"""When a failed send is tried again: which failures are worth retrying, and after how long."""

from __future__ import annotations

import datetime as dt
import random

MAX_ATTEMPTS = 5
# As Teams documents it: 429 (honour Retry-After), 412 and 502-504 are worth retrying; 500 is not.
RETRYABLE = frozenset({412, 429, 502, 503, 504})
# The user blocked or removed the app, or the chat is gone: another try would fail the same way.
GONE = frozenset({403, 404})


class Deferred(Exception):
    """The limits would hold this send back too long: requeue it, without counting an attempt."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"held back by Teams' rate limits; due again in {seconds:.0f} s")
        self.seconds = seconds


def backoff(attempt: int, retry_after: float | None) -> dt.timedelta:
    """Retry-After when the server gave one, else exponential with jitter (5 s, 10 s … 10 min)."""
    if retry_after is not None:
        return dt.timedelta(seconds=min(max(retry_after, 0.0), 3600.0))
    base = min(5.0 * 2 ** (attempt - 1), 600.0)
    return dt.timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security
