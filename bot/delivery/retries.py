"""When a failed send is tried again: which failures are worth retrying, and after how long."""

from __future__ import annotations

import datetime as dt
import random

from bot.store import Delivery, DeliveryOutcome, DeliveryStatus

MAX_ATTEMPTS = 5
# Mail relays defer for longer than Teams does: greylisting answers 451 for 5 to 15 minutes, and a
# relay restarting is refused for a while. Ten attempts (5 s doubling to 10 min) span about half an hour.
MAIL_MAX_ATTEMPTS = 10
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


def retry_or_fail(
    delivery: Delivery,
    retryable: bool,
    reason: str,
    retry_after: float | None,
    *,
    max_attempts: int = MAX_ATTEMPTS,
) -> DeliveryOutcome:
    """A failed send's outcome: queued again after the backoff while attempts remain, else failed."""
    now = dt.datetime.now(dt.UTC)
    if retryable and delivery.attempts < max_attempts:
        return DeliveryOutcome(
            delivery.id,
            DeliveryStatus.QUEUED,
            now,
            error=f"attempt {delivery.attempts} failed ({reason}); will retry",
            retry_at=now + backoff(delivery.attempts, retry_after),
        )
    return DeliveryOutcome(
        delivery.id,
        DeliveryStatus.FAILED,
        now,
        error=f"gave up after {delivery.attempts} attempt(s): {reason}",
    )
