"""Adaptive Cards that explain a partner's CPOR customer association to the customer.

A pure package: data in (`ClaimSummary`, `WorkloadLine`), card dict out. No I/O beyond reading its
own text catalogue once, and no dependency on the bot.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.builders import (
    LINKS,
    about_card,
    access_card,
    claim_card,
    claims_list_card,
    help_card,
    welcome_card,
)
from cards.elements import Card
from cards.i18n import STATUS_TEXT, StatusText
from cards.markdown import escape
from cards.model import ClaimSummary, WorkloadLine

KINDS = ("claim", "access", "welcome", "help", "about", "claims")

__all__ = [
    "KINDS",
    "LINKS",
    "STATUS_TEXT",
    "Card",
    "ClaimSummary",
    "StatusText",
    "WorkloadLine",
    "about_card",
    "access_card",
    "build",
    "claim_card",
    "claims_list_card",
    "escape",
    "help_card",
    "welcome_card",
]


def _claims(data: object) -> list[ClaimSummary]:
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        items = list(data)
        if all(isinstance(item, ClaimSummary) for item in items):
            return [item for item in items if isinstance(item, ClaimSummary)]
    raise TypeError("the 'claims' card needs a sequence of ClaimSummary")


def build(kind: str, data: object = None, *, host: str = "teams", originator: str | None = None) -> Card:
    """Build a card by kind name.

    - "claim": `data` is a ClaimSummary.
    - "access": `data` is a ClaimSummary, or a (partner_name, workloads) pair.
    - "claims": `data` is a sequence of ClaimSummary, newest first.
    - "welcome", "help", "about": `data` is ignored.
    """
    if kind == "claim":
        if not isinstance(data, ClaimSummary):
            raise TypeError("the 'claim' card needs a ClaimSummary")
        return claim_card(data, host=host, originator=originator)
    if kind == "access":
        if isinstance(data, ClaimSummary):
            return access_card(data.partner_name, data.workloads, host=host, originator=originator)
        if (
            isinstance(data, tuple)
            and len(data) == 2
            and isinstance(data[0], str)
            and isinstance(data[1], Sequence)
            and all(isinstance(w, WorkloadLine) for w in data[1])
        ):
            workloads = tuple(w for w in data[1] if isinstance(w, WorkloadLine))
            return access_card(data[0], workloads, host=host, originator=originator)
        raise TypeError("the 'access' card needs a ClaimSummary or a (partner_name, workloads) pair")
    if kind == "claims":
        return claims_list_card(_claims(data), host=host, originator=originator)
    if kind == "welcome":
        return welcome_card(host=host, originator=originator)
    if kind == "help":
        return help_card(host=host, originator=originator)
    if kind == "about":
        return about_card(host=host, originator=originator)
    raise ValueError(f"unknown card kind {kind!r}; expected one of {', '.join(KINDS)}")
