"""How webhook POSTs are signed, and the reference check a receiver runs.

Signature: `X-CPOR-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with the Unix
time in `X-CPOR-Timestamp`. A receiver recomputes it over the raw body and refuses timestamps
outside its replay window (`verify` below). `X-CPOR-Event-Id` is stable across retries, so a
receiver can drop duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-CPOR-Signature"
TIMESTAMP_HEADER = "X-CPOR-Timestamp"
EVENT_ID_HEADER = "X-CPOR-Event-Id"
REPLAY_WINDOW = dt.timedelta(minutes=5)
# Unix seconds have 10 digits until the year 2286; 12 is plenty, and keeps int() and the clock
# arithmetic small whatever a sender writes.
MAX_TIMESTAMP_DIGITS = 12


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return _signature(secret.encode(), timestamp, body)


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: dt.datetime | None = None,
    window: dt.timedelta = REPLAY_WINDOW,
) -> bool:
    """True if `signature` is ours for this body and the timestamp is inside the replay window.
    Never raises: a malformed timestamp or signature is simply not ours."""
    if not (0 < len(timestamp) <= MAX_TIMESTAMP_DIGITS and timestamp.isascii() and timestamp.isdigit()):
        return False  # isdigit alone accepts other scripts' digits and superscripts
    if not signature.isascii():
        return False  # compare_digest takes ASCII text only
    sent = int(timestamp)
    now_seconds = (now or dt.datetime.now(dt.UTC)).timestamp()
    if abs(now_seconds - sent) > window.total_seconds():
        return False
    # surrogatepass: a secret that is not valid Unicode still gives bytes (and no match) instead of an error.
    expected = _signature(secret.encode("utf-8", "surrogatepass"), sent, body)
    return hmac.compare_digest(expected, signature)


def _signature(key: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"
