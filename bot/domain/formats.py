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


def is_guid(text: str) -> bool:
    """Whether `text` is a GUID (surrounding spaces are not allowed)."""
    return _GUID.fullmatch(text) is not None
