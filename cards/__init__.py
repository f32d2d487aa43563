"""Adaptive Cards that explain a partner's CPOR customer association to the customer.

A pure package: data in (`ClaimSummary`, `WorkloadLine`, `WebLink`), card dict out. No I/O beyond reading its
own text catalogues, no clock, and no dependency on the bot. `cards.verbs` lists the Universal
Action verbs the cards send; `cards.samples` has named sample data and every card variant.
"""

from __future__ import annotations

from cards import verbs
from cards.access import access_card
from cards.claim import claim_card
from cards.common import KINDS, LINKS
from cards.elements import HOSTS, Card
from cards.i18n import STATUS_TEXT, SUPPORTED_LOCALES, StatusText, choose_locale
from cards.markdown import escape
from cards.messages import (
    NOTICE_KEYS,
    about_card,
    claims_list_card,
    help_card,
    message_card,
    notice_card,
    status_changed_card,
    welcome_card,
)
from cards.model import ClaimSummary, WebLink, WorkloadLine

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
    "WebLink",
    "WorkloadLine",
    "about_card",
    "access_card",
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
