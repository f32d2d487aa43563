"""Each contact's link to their claim's web page, `/c/{token}`, signed by the service.

A token names one contact of one claim and when it stops working; an HMAC-SHA256 over those, under
the newest of LINK_KEYS, makes it unforgeable. Every key verifies, so a new key goes first and an old
one stays until the links it signed have expired: rotation breaks no link still valid. Whether the
claim and the contact still exist (a deleted claim, a removed contact revoke the link) is for the
page to check against the store.

    token = signer.token_for("claim-1", "contact-1", now)
    link = signer.read(token, now)          # ContactLink, or LinkUnknown (404) / LinkExpired (410)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.ops.config import Settings, SetupError

log = logging.getLogger(__name__)

# A token: version, claim id, contact id, expiry (Unix seconds), then the signature; "." separates
# them. Ids are the store's (letters, digits, "-" and "_"), so they never hold the separator.
_VERSION = "1"
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MAC_BYTES = 16  # 128 bits: enough against forgery, short enough for a link in an email
MAX_TOKEN_LENGTH = 200
PATH_PREFIX = "/c/"


class LinkError(Exception):
    """A token that opens nothing."""


class LinkUnknown(LinkError):
    """Not a token this service made (malformed, or signed by no key it has): 404."""


class LinkExpired(LinkError):
    """A token this service made whose time is over: 410."""


@dataclass(frozen=True, slots=True)
class ContactLink:
    claim_id: str
    contact_id: str
    expires_at: dt.datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    """Makes and reads contacts' link tokens, and the form tokens bound to them."""

    def __init__(self, keys: Sequence[str], lifetime: dt.timedelta) -> None:
        if not keys:
            raise ValueError("at least one key")
        self._keys = [hashlib.sha256(key.encode("utf-8")).digest() for key in keys]
        self.lifetime = lifetime

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkSigner:
        """LINK_KEYS, or the key in LINK_KEY_FILE (made, readable by this user only, at first use);
        SetupError, naming LINK_KEY_FILE, when that file can be neither read nor made."""
        keys = settings.link_keys or (_key_from_file(Path(settings.link_key_file)),)
        return cls(keys, dt.timedelta(days=settings.link_days))

    def _mac(self, key: bytes, message: str) -> str:
        return _b64(hmac.new(key, message.encode("ascii"), hashlib.sha256).digest()[:_MAC_BYTES])

    def expires_at(self, now: dt.datetime) -> dt.datetime:
        """When a link made `now` stops working (to the second, as the token carries it)."""
        return dt.datetime.fromtimestamp(int((now + self.lifetime).timestamp()), dt.UTC)

    def token_for(self, claim_id: str, contact_id: str, now: dt.datetime) -> str:
        """A link for this contact of this claim, valid until `expires_at(now)`."""
        if not (_ID.fullmatch(claim_id) and _ID.fullmatch(contact_id)):
            raise ValueError("claim and contact ids are letters, digits, '-' and '_'")
        expires = int(self.expires_at(now).timestamp())
        body = f"{_VERSION}.{claim_id}.{contact_id}.{expires}"
        return f"{body}.{self._mac(self._keys[0], body)}"

    def read(self, token: str, now: dt.datetime) -> ContactLink:
        """What `token` opens; LinkUnknown if this service did not make it, LinkExpired if it is over."""
        parts = token.split(".") if len(token) <= MAX_TOKEN_LENGTH and token.isascii() else []
        if len(parts) != 5 or parts[0] != _VERSION:
            raise LinkUnknown("not a link token")
        _, claim_id, contact_id, expires, mac = parts
        if not (_ID.fullmatch(claim_id) and _ID.fullmatch(contact_id) and expires.isdigit()):
            raise LinkUnknown("not a link token")
        body = token.rsplit(".", 1)[0]
        # Every key is tried, each compared in constant time: which one signed is nobody's business.
        matches = [hmac.compare_digest(self._mac(key, body), mac) for key in self._keys]
        if not any(matches):
            raise LinkUnknown("signed by no key of this service")
        expires_at = dt.datetime.fromtimestamp(int(expires), dt.UTC)
        if now >= expires_at:
            raise LinkExpired("the link has expired")
        return ContactLink(claim_id, contact_id, expires_at)

    def form_token(self, token: str) -> str:
        """The value a page's forms carry: bound to this link, so a form made for one link, or by
        another site, posts nothing through another."""
        return self._mac(self._keys[0], f"form.{token}")

    def check_form_token(self, token: str, value: str) -> bool:
        if not value.isascii():  # ours are ASCII, and compare_digest refuses to compare other text
            return False
        return any(hmac.compare_digest(self._mac(key, f"form.{token}"), value) for key in self._keys)


def _key_from_file(path: Path) -> str:
    """The key kept in `path`; a new random one is written there (mode 0600) if there is none."""
    try:
        return _read_or_make_key(path)
    except UnicodeDecodeError:
        problem = "does not hold a key (it is not ASCII text)"
    except OSError as exc:
        problem = f"can be neither read nor made: {exc.strerror or type(exc).__name__}"
    raise SetupError(
        f"LINK_KEY_FILE {path} {problem}. Fix it, or set LINK_KEYS (make a key with: openssl rand -hex 32)."
    )


def _read_key(path: Path) -> str:
    """The text of the regular file at `path` ("" when there is none). Anything else that is there (a
    FIFO, which would block the start for ever, a device such as /dev/null, a folder) is refused
    before it is opened; opened without blocking and checked again, in case it was swapped meanwhile."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise _not_a_file(path)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        return ""
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _not_a_file(path)
        return file.read().decode("ascii").strip()


def _not_a_file(path: Path) -> SetupError:
    return SetupError(
        f"LINK_KEY_FILE {path} is not a regular file (a folder, a FIFO or a device): name a file, or set "
        "LINK_KEYS (make a key with: openssl rand -hex 32)."
    )


def _read_or_make_key(path: Path) -> str:
    key = _read_key(path)
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: of two processes starting at once, one writes and the other reads what it wrote.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process made it a moment ago: wait (briefly) for its key to be written.
        for _ in range(50):
            if key := _read_key(path):
                return key
            time.sleep(0.01)
        raise SetupError(
            f"LINK_KEY_FILE {path} is empty: delete it (a new key is made at start) or write the key in it."
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(key + "\n")
    log.warning(
        "LINK_KEYS is not set: contacts' links are signed with a new key kept in %s. Every instance "
        "needs the same key: in production set LINK_KEYS.",
        path,
    )
    return key


def public_base(settings: Settings) -> str:
    """Where readers reach the service: PUBLIC_URL, or the local address it listens on."""
    return settings.public_url or f"http://{settings.host}:{settings.port}"


def contact_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{PATH_PREFIX}{token}"


LINKS = web.AppKey("links", LinkSigner)
