"""Short and readable: the claim card's first view at most 120 words in every language (Japanese:
at most 400 characters); on every English card, and on every claim card's first view alone, Flesch
reading ease at least 60 (textstat 0.7.4, offline) with each block and fact row read as its own
sentence, and no sentence over 20 words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cards import claim_card
from cards.i18n import EN, SUPPORTED_LOCALES
from cards.samples import CLAIMS, HOSTILE_SAMPLES, SENDERS, Variant, variants
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


JAPANESE_FIRST_VIEW_MAX_CHARACTERS = 400


def _first_views(locale: str, sample: str) -> list[list[str]]:
    """The first view of the sample's claim card in every status, on both hosts."""
    views = []
    for status in STATUSES:
        for host in ("teams", "outlook"):
            card = claim_card(
                replace(CLAIMS[sample], status=status),
                host=host,
                originator="o" if host == "outlook" else None,
                locale=locale,
                sender=SENDERS.get(sample),
            )
            views.append(first_view_text(card))
    return views


@pytest.mark.parametrize("sample", sorted(CLAIMS))
@pytest.mark.parametrize("locale", [locale for locale in SUPPORTED_LOCALES if locale != "ja"])
def test_claim_first_view_is_at_most_120_words(locale: str, sample: str) -> None:
    for view in _first_views(locale, sample):
        assert len(words(view)) <= FIRST_VIEW_MAX_WORDS, view


@pytest.mark.parametrize("sample", sorted(set(CLAIMS) - HOSTILE_SAMPLES))
def test_japanese_first_view_is_at_most_400_characters(sample: str) -> None:
    for view in _first_views("ja", sample):
        assert sum(len(text) for text in view) <= JAPANESE_FIRST_VIEW_MAX_CHARACTERS, view


@pytest.mark.parametrize("sample", sorted(set(CLAIMS) - HOSTILE_SAMPLES))
def test_english_first_view_alone_reads_easily(sample: str) -> None:
    for status in STATUSES:
        card = claim_card(replace(CLAIMS[sample], status=status), sender=SENDERS.get(sample))
        first = {**card, "body": [el for el in card["body"] if el["type"] != "ActionSet"], "actions": []}
        assert flesch(first) >= FLESCH_MIN, (status, reading_text(visible_pieces(first)))
        assert long_sentences(first) == []


def test_first_view_is_short_but_not_empty() -> None:
    count = len(words(first_view_text(claim_card(CLAIMS["contoso"]))))
    assert 60 <= count <= 100  # room for what the reader did, and for longer languages, within 120


def test_every_kind_is_measured() -> None:
    assert {v.kind for v in ENGLISH} == {v.kind for v in variants(locales=("en",))}
    assert len(ENGLISH) > 30


def test_visible_text_includes_show_cards_and_buttons_but_not_fallbacks() -> None:
    card = claim_card(CLAIMS["contoso"])
    pieces = visible_pieces(card)
    assert "Got it" in pieces and pieces.count("Got it") == 1  # the Submit fallback is not read twice
    assert "Did we sign something?" in pieces  # inside "Questions and answers"
    assert "Services: Microsoft Teams, Exchange Online and Microsoft Intune. Status: Under review, " in (
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
