"""Partner-typed text reaches every card inert: no links, emphasis, lists, headings or dates."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cards import WorkloadLine, claim_card, message_card
from tests.cards.conftest import INJECTION, OUTLOOK_ORIGINATOR, cards_for, make_claim
from tests.cards.walk import actions, link_hazards, markdown_hazards, markdown_strings

HOSTILE = make_claim(
    claim_id=INJECTION,
    partner_name=INJECTION,
    customer_name=INJECTION,
    solution_area=INJECTION,
    workloads=(WorkloadLine(INJECTION, INJECTION), WorkloadLine("Microsoft Teams", INJECTION)),
    partner_message=INJECTION,
    partner_reference=INJECTION,
    acknowledged_by=INJECTION,
    question_sent=True,
)


def hostile_cards(host: str) -> list[tuple[str, dict[str, Any]]]:
    o = OUTLOOK_ORIGINATOR if host == "outlook" else None
    return [
        *cards_for(HOSTILE, [HOSTILE], host),
        (
            "claim-not-recognised",
            claim_card(replace(HOSTILE, not_recognised_reported=True), host=host, originator=o),
        ),
        ("notice-text", message_card(INJECTION, claim_id=INJECTION, host=host, originator=o)),
    ]


@pytest.mark.parametrize("host", ["teams", "outlook"])
def test_no_markdown_survives_in_any_text_block_or_fact(host: str) -> None:
    for kind, card in hostile_cards(host):
        strings = list(markdown_strings(card))
        assert strings, kind
        for text in strings:
            assert markdown_hazards(text) == [], (kind, text[:120])


@pytest.mark.parametrize("host", ["teams", "outlook"])
def test_the_injection_does_reach_the_cards(host: str) -> None:
    # Guard against a vacuous pass: the hostile text is shown (escaped), not dropped.
    claim = dict(hostile_cards(host))["claim"]
    shown = [t for t in markdown_strings(claim) if "click\\]" in t]
    assert len(shown) >= 5


@pytest.mark.parametrize("host", ["teams", "outlook"])
def test_plain_text_places_have_no_links_or_date_functions(host: str) -> None:
    for kind, card in hostile_cards(host):
        assert link_hazards(card["fallbackText"]) == [], kind
        assert link_hazards(card.get("speak", "")) == [], kind
        assert "<" not in card.get("speak", ""), kind
        for action in actions(card):
            assert link_hazards(action["title"]) == [], (kind, action["title"])


def test_only_our_links_are_clickable() -> None:
    card = claim_card(HOSTILE, host="outlook", originator=OUTLOOK_ORIGINATOR)
    urls = {a["url"] for a in actions(card) if a["type"] == "Action.OpenUrl"}
    assert urls and not any("evil" in url for url in urls)


def test_our_own_card_text_has_no_markdown() -> None:
    # The cards' own words use no markdown, so any markdown in a card can only be an injection.
    for host in ("teams", "outlook"):
        for kind, card in cards_for(make_claim(), [], host):
            for text in markdown_strings(card):
                assert markdown_hazards(text) == [], (kind, text)
