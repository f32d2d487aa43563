"""Formats and limits the whole service shares, each defined once: the API's schema, the settings,
the manifest builder and the Teams verbs take them from here (pure)."""

from __future__ import annotations

import re

# A GUID (tenant ids, app ids, Entra object ids): 8-4-4-4-12 hex digits.
GUID_PATTERN = "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"
_GUID = re.compile(GUID_PATTERN)

# Sizes of what a partner may type (the cards are built to show these in full).
NAME_MAX = 100  # partner, customer, contact, sender names
MESSAGE_MAX = 500  # the partner's note to the customer
REFERENCE_MAX = 64  # the partner's own claim reference
MAX_CONTACTS = 20


EMAIL_MAX = 254
_NOT_IN_ADDRESSES = frozenset('<>()[]\\,;:"')


def is_email(text: str, *, dotless_domain: bool = False) -> bool:
    """Whether `text` is one email address: something before one "@", a domain after it with a dot
    (unless `dotless_domain`, as for a relay's own `cpor-bot@localhost`), no spaces or control
    characters, at most 254 characters. Letters outside ASCII are allowed (RFC 6531)."""
    if not text or len(text) > EMAIL_MAX or any(ch.isspace() or not ch.isprintable() for ch in text):
        return False
    if any(ch in _NOT_IN_ADDRESSES for ch in text):  # display names, lists, quoting: not one address
        return False
    local, at, domain = text.rpartition("@")
    if not at or not local or "@" in local or not domain or domain.startswith((".", "-")):
        return False
    return dotless_domain or ("." in domain.strip(".") and not domain.endswith("."))


def is_guid(text: str) -> bool:
    """Whether `text` is a GUID (surrounding spaces are not allowed)."""
    return _GUID.fullmatch(text) is not None
