"""Formats and limits the whole service shares, each defined once: the API's schema, the settings,
the manifest builder and the Teams verbs take them from here (pure: `email-validator` checks syntax
only and looks nothing up)."""

from __future__ import annotations

import re

import email_validator

# A GUID (tenant ids, app ids, Entra object ids): 8-4-4-4-12 hex digits.
GUID_PATTERN = "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"
_GUID = re.compile(GUID_PATTERN)

# Sizes of what a partner may type (the cards are built to show these in full).
NAME_MAX = 100  # partner, customer, contact, sender names
MESSAGE_MAX = 500  # the partner's note to the customer
REFERENCE_MAX = 64  # the partner's own claim reference
MAX_CONTACTS = 20


EMAIL_MAX = 254
# A relay's own host name, as in `cpor-bot@localhost` (RFC 1123 labels).
_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _validated(text: str) -> email_validator.ValidatedEmail:
    # Syntax only: nothing is looked up. No display names, quoted local parts or IP literals, and no
    # letters outside ASCII before the "@": such a mailbox needs SMTPUTF8 from every relay on the way,
    # and Python's email package cannot even write it in a header. A domain in any script is fine: it
    # goes out in its ASCII (IDNA) form.
    return email_validator.validate_email(
        text,
        check_deliverability=False,
        allow_smtputf8=False,
        allow_quoted_local=False,
        allow_domain_literal=False,
        allow_display_name=False,
    )


def _valid_address(text: str) -> bool:
    try:
        _validated(text)
    except email_validator.EmailNotValidError:
        return False
    return True


def sendable_address(text: str) -> str:
    """`text` as a mail is addressed to it: the domain in its ASCII (IDNA) form, as every relay takes
    it. ValueError for an address no mail can be sent to (one stored before the rules above)."""
    try:
        address = _validated(text.strip()).ascii_email
    except email_validator.EmailNotValidError as exc:
        raise ValueError(f"no mail can be sent to this address: {exc}") from exc
    if not address:
        raise ValueError("no mail can be sent to this address: it has no ASCII form")
    return address


def is_email(text: str, *, dotless_domain: bool = False) -> bool:
    """Whether `text` is one email address a message can be sent to, by `email-validator`'s rules
    (RFC 5322; letters outside ASCII only after the "@"; no display names, lists, quoting, spaces or
    control characters; a domain with a dot that is not a special-use name), at most 254 characters.
    `dotless_domain` also allows a relay's own host name after the "@" (`cpor-bot@localhost`)."""
    if not text or len(text) > EMAIL_MAX or text != text.strip():
        return False
    local, at, domain = text.rpartition("@")
    if dotless_domain and at and _HOST_NAME.fullmatch(domain):
        return _valid_address(f"{local}@example.com")  # the local part by the same rules
    return _valid_address(text)


def is_guid(text: str) -> bool:
    """Whether `text` is a GUID (surrounding spaces are not allowed)."""
    return _GUID.fullmatch(text) is not None
