"""Adaptive Cards that explain a partner's CPOR customer association to the customer.

A pure package: data in (`ClaimSummary`, `WorkloadLine`), card dict out. No I/O beyond reading its
own text catalogues, no clock, and no dependency on the bot. `cards.verbs` lists the Universal
Action verbs the cards send; `cards.samples` has named sample data and every card variant.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards import verbs
from cards.builders import (
    KINDS,
    LINKS,
    NOTICE_KEYS,
    CardOptions,
    about_card,
    access_card,
    claim_card,
    claims_list_card,
    help_card,
    message_card,
    notice_card,
    status_changed_card,
    welcome_card,
)
from cards.elements import HOSTS, Card
from cards.i18n import STATUS_TEXT, SUPPORTED_LOCALES, StatusText, choose_locale
from cards.markdown import escape
from cards.model import ClaimSummary, WorkloadLine

__all__ = [
    "HOSTS",
    "KINDS",
    "LINKS",
    "NOTICE_KEYS",
    "STATUS_TEXT",
    "SUPPORTED_LOCALES",
    "Card",
    "ClaimSummary",
    "StatusText",
    "WorkloadLine",
    "about_card",
    "access_card",
    "build",
    "choose_locale",
    "claim_card",
    "claims_list_card",
    "escape",
    "help_card",
    "message_card",
    "notice_card",
    "status_changed_card",
    "verbs",
    "welcome_card",
]


def _claims(data: object) -> list[ClaimSummary]:
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        items = list(data)
        if all(isinstance(item, ClaimSummary) for item in items):
            return [item for item in items if isinstance(item, ClaimSummary)]
    raise TypeError("the 'claims' card needs a sequence of ClaimSummary")


def _workloads(data: object) -> tuple[WorkloadLine, ...] | None:
    if isinstance(data, Sequence) and all(isinstance(w, WorkloadLine) for w in data):
        return tuple(w for w in data if isinstance(w, WorkloadLine))
    return None


def build(
    kind: str,
    data: object = None,
    *,
    host: str = "teams",
    originator: str | None = None,
    locale: str = "en",
    sender: str | None = None,
    refresh_user_ids: Sequence[str] = (),
) -> Card:
    """Build a card by kind name (one of `KINDS`).

    - "claim": `data` is a ClaimSummary (`refresh_user_ids` goes to its refresh).
    - "access": `data` is a ClaimSummary (the answer to `claim.access`, with a Back button), or a
      (partner_name, workloads) pair (no Back button).
    - "status_changed": `data` is a (ClaimSummary, previous_status) pair.
    - "notice": `data` is a catalogue key ("notice.other_tenant") or text, or a (key or text,
      claim_id) pair for a notice with a Back button.
    - "claims": `data` is a sequence of ClaimSummary, newest first.
    - "welcome", "help", "about": `data` is ignored.

    `sender` is the organisation that runs the app (None: the partner runs it itself).
    """
    common: CardOptions = {"host": host, "originator": originator, "locale": locale, "sender": sender}
    if kind == "claim":
        if not isinstance(data, ClaimSummary):
            raise TypeError("the 'claim' card needs a ClaimSummary")
        return claim_card(data, refresh_user_ids=refresh_user_ids, **common)
    if kind == "access":
        if isinstance(data, ClaimSummary):
            return access_card(data.partner_name, data.workloads, claim_id=data.claim_id, **common)
        if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], str):
            workloads = _workloads(data[1])
            if workloads is not None:
                return access_card(data[0], workloads, **common)
        raise TypeError("the 'access' card needs a ClaimSummary or a (partner_name, workloads) pair")
    if kind == "status_changed":
        if (
            isinstance(data, tuple)
            and len(data) == 2
            and isinstance(data[0], ClaimSummary)
            and isinstance(data[1], str)
        ):
            return status_changed_card(data[0], data[1], **common)
        raise TypeError("the 'status_changed' card needs a (ClaimSummary, previous_status) pair")
    if kind == "notice":
        if isinstance(data, str):
            return message_card(data, **common)
        if (
            isinstance(data, tuple)
            and len(data) == 2
            and isinstance(data[0], str)
            and isinstance(data[1], str | None)
        ):
            return message_card(data[0], claim_id=data[1], **common)
        raise TypeError("the 'notice' card needs a key or text, or a (key or text, claim_id) pair")
    if kind == "claims":
        return claims_list_card(_claims(data), **common)
    if kind == "welcome":
        return welcome_card(**common)
    if kind == "help":
        return help_card(**common)
    if kind == "about":
        return about_card(**common)
    raise ValueError(f"unknown card kind {kind!r}; expected one of {', '.join(KINDS)}")
