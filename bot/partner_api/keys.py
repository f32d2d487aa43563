"""Partner API keys: shown once, stored as a hash, checked in constant time.

A key reads `cpor_<key id>_<secret>`. The id finds the row; only a SHA-256 of the 256-bit random
secret is stored. (A slow password hash buys nothing for a secret this long.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid

from bot.store import Partner, PartnerKey, Store

PREFIX = "cpor"
# What `new_key` makes: a hex id and a URL-safe secret. Anything else (other characters, text that is
# not even valid Unicode, as a header's raw bytes can be) is no key of ours, refused before a lookup.
_KEY_ID = re.compile(r"[0-9a-f]{1,64}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(partner_id: str, label: str | None = None) -> tuple[str, PartnerKey]:
    """A fresh key: (the plain key to show once, the record to store)."""
    key_id = uuid.uuid4().hex[:16]
    secret = secrets.token_urlsafe(32)
    record = PartnerKey(
        id=key_id,
        partner_id=partner_id,
        secret_hash=hash_secret(secret),
        label=label,
        created_at=dt.datetime.now(dt.UTC),
        revoked_at=None,
    )
    return f"{PREFIX}_{key_id}_{secret}", record


def split_key(presented: str) -> tuple[str, str] | None:
    """(key id, secret) of a key in the form `new_key` makes, or None."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    if _KEY_ID.fullmatch(parts[1]) is None or _SECRET.fullmatch(parts[2]) is None:
        return None
    return parts[1], parts[2]


async def authenticate(store: Store, presented: str) -> Partner | None:
    """The partner a presented key belongs to, or None for an unknown, wrong or revoked key."""
    parts = split_key(presented)
    if parts is None:
        return None
    key_id, secret = parts
    record = await store.get_partner_key(key_id)
    expected = record.secret_hash if record else hash_secret("")
    # Compare even when the id is unknown, so timing does not tell which ids exist.
    matches = hmac.compare_digest(expected, hash_secret(secret))
    if record is None or record.revoked_at is not None or not matches:
        return None
    return await store.get_partner(record.partner_id)


# Link codes: short enough to type into Teams, one use, minutes to live. No 0/O or 1/I/L.
LINK_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LINK_CODE_TTL = dt.timedelta(minutes=15)


def new_link_code() -> str:
    raw = "".join(secrets.choice(LINK_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def hash_link_code(code: str) -> str:
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(f"link:{normalized}".encode()).hexdigest()
