"""Sample claims for the card tests: a realistic one, a worst case, and card collections.

The named samples live in `cards.samples` (so the golden files, `python -m cards dump` and the
benchmark use the same data); `make_claim` builds variations of the Contoso sample.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from cards import (
    ClaimSummary,
    about_card,
    access_card,
    claim_card,
    claims_list_card,
    help_card,
    message_card,
    status_changed_card,
    welcome_card,
)
from cards.samples import (
    ALL_WORKLOADS,
    CONTOSO,
    EXCHANGE,
    INJECTION,
    INTUNE,
    OUTLOOK_ORIGINATOR,
    TEAMS,
    WORST,
)

__all__ = [
    "ALL_WORKLOADS",
    "EXCHANGE",
    "INJECTION",
    "INTUNE",
    "OUTLOOK_ORIGINATOR",
    "TEAMS",
    "CardFactory",
    "cards_for",
    "make_claim",
]


def make_claim(**changes: Any) -> ClaimSummary:
    """The Contoso sample (Contoso Consulting claims Teams, Exchange and Intune for Fabrikam Ltd,
    under review, with a message and a reference), with `changes`."""
    return replace(CONTOSO, **changes)


@pytest.fixture
def contoso_claim() -> ClaimSummary:
    """Contoso Consulting claims Teams, Exchange and Intune for Fabrikam Ltd, under review."""
    return make_claim()


@pytest.fixture
def worst_claim() -> ClaimSummary:
    """Every workload, names and message at the API's limits, full of markdown punctuation."""
    return WORST


CardFactory = Callable[[str], list[tuple[str, dict[str, Any]]]]


def cards_for(
    summary: ClaimSummary, others: list[ClaimSummary], host: str, locale: str = "en"
) -> list[tuple[str, dict[str, Any]]]:
    """One card of every kind for a host (two for kinds with an optional part)."""
    o = {"host": host, "originator": OUTLOOK_ORIGINATOR if host == "outlook" else None, "locale": locale}
    previous = "approved" if summary.status != "approved" else "under_review"
    return [
        ("claim", claim_card(summary, **o)),
        ("access", access_card(summary.partner_name, summary.workloads, claim_id=summary.claim_id, **o)),
        ("access-standalone", access_card(summary.partner_name, summary.workloads, **o)),
        ("status_changed", status_changed_card(summary, previous, **o)),
        ("notice", message_card("notice.other_tenant", **o)),
        ("notice-back", message_card("notice.question_empty", claim_id=summary.claim_id, **o)),
        ("welcome", welcome_card(**o)),
        ("help", help_card(**o)),
        ("about", about_card(**o)),
        ("claims", claims_list_card([summary, *others], **o)),
        ("claims-empty", claims_list_card([], **o)),
    ]


@pytest.fixture
def every_card(contoso_claim: ClaimSummary) -> CardFactory:
    """Every card kind for a host, built from the Contoso sample."""
    others = [make_claim(partner_name="Northwind Advisors", status="approved", partner_message=None)]
    return lambda host: cards_for(contoso_claim, others, host)


@pytest.fixture
def every_worst_card(worst_claim: ClaimSummary) -> CardFactory:
    """Every card kind for a host, built from the worst case (and a list of 12 worst claims)."""
    return lambda host: cards_for(worst_claim, [worst_claim] * 11, host)
