"""Short and readable, measured on every English card: first view at most 120 words (claim card),
Flesch reading ease at least 60 (textstat 0.7.4, offline), no sentence over 20 words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cards import claim_card
from cards.i18n import EN
from cards.samples import CLAIMS, HOSTILE_SAMPLES, Variant, variants
from tests.cards.readability import (
    FIRST_VIEW_MAX_WORDS,
    FLESCH_MIN,
    flesch,
    long_sentences,
    reading_text,
    visible_pieces,
)
from tests.cards.walk import first_view_text, words

ENGLISH = [v for v in variants(locales=("en",)) if v.sample not in HOSTILE_SAMPLES]
STATUSES = EN.status_codes()


def _id(variant: Variant) -> str:
    return variant.name


@pytest.mark.parametrize("variant", ENGLISH, ids=_id)
def test_flesch_reading_ease_is_at_least_60(variant: Variant) -> None:
    assert flesch(variant.card) >= FLESCH_MIN


@pytest.mark.parametrize("variant", ENGLISH, ids=_id)
def test_no_sentence_is_over_20_words(variant: Variant) -> None:
    assert long_sentences(variant.card) == []


@pytest.mark.parametrize("sample", sorted(CLAIMS))
@pytest.mark.parametrize("status", STATUSES)
def test_claim_first_view_is_at_most_120_words(sample: str, status: str) -> None:
    for host in ("teams", "outlook"):
        card = claim_card(
            replace(CLAIMS[sample], status=status), host=host, originator="o" if host == "outlook" else None
        )
        assert len(words(first_view_text(card))) <= FIRST_VIEW_MAX_WORDS


def test_first_view_is_short_but_not_empty() -> None:
    count = len(words(first_view_text(claim_card(CLAIMS["contoso"]))))
    assert 60 <= count <= 110  # room for what the reader did (Got it, a question) within 120


def test_every_kind_is_measured() -> None:
    assert {v.kind for v in ENGLISH} == {v.kind for v in variants(locales=("en",))}
    assert len(ENGLISH) > 30


def test_visible_text_includes_show_cards_and_buttons_but_not_fallbacks() -> None:
    card = claim_card(CLAIMS["contoso"])
    pieces = visible_pieces(card)
    assert "Got it" in pieces and pieces.count("Got it") == 1  # the Submit fallback is not read twice
    assert "Did we sign something?" in pieces  # inside "Questions and answers"
    assert "Services: Chat and teamwork (Microsoft Teams); Email and calendars (Exchange Online); " in (
        reading_text(pieces)
    )
    assert "\u2022" not in pieces


def test_the_measure_tells_hard_text_from_plain_text() -> None:
    # Guard against a vacuous pass: the same measure fails dense programme prose.
    dense = {
        "type": "AdaptiveCard",
        "body": [
            {
                "type": "TextBlock",
                "text": "Organisational incentivisation methodologies necessitate comprehensive "
                "administrative documentation substantiating partner attribution eligibility.",
            }
        ],
    }
    assert flesch(dense) < FLESCH_MIN
    assert long_sentences({"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "word " * 21}]})
