"""Locale choice, locale-aware dates and numbers, and the card's `lang`."""

from __future__ import annotations

import datetime
import inspect

import pytest

import cards
from cards.i18n import SUPPORTED_LOCALES, Text, card_lang, choose_locale, supported_locale
from cards.samples import variants
from tests.cards.conftest import ALL_WORKLOADS, make_claim
from tests.cards.walk import all_text


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("de-DE", "de"),
        ("de", "de"),
        ("pt-BR", "pt-BR"),
        ("pt", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("ja-JP", "ja"),
        ("fr-CA", "fr"),
        ("es-MX", "es"),
        ("en-GB", "en"),
        ("en-US", "en"),
        ("EN_gb", "en"),
        (" de-AT ", "de"),
        ("zh-CN", None),
        ("", None),
        (None, None),
        ("not a tag", None),
        ("d", None),
    ],
)
def test_supported_locale(tag: str | None, expected: str | None) -> None:
    assert supported_locale(tag) == expected


@pytest.mark.parametrize(
    ("teams", "contact", "claim", "expected"),
    [
        ("de-DE", "fr-FR", "es-ES", "de"),
        ("zh-CN", "fr-CA", "es-ES", "fr"),  # unknown -> next
        (None, None, "es-MX", "es"),
        (None, "xx", None, "en"),
        (None, None, None, "en"),
        ("", "pt", "ja-JP", "pt-BR"),
    ],
)
def test_choose_locale_takes_the_first_supported(
    teams: str | None, contact: str | None, claim: str | None, expected: str
) -> None:
    assert choose_locale(teams, contact, claim) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "12 March 2026"),
        ("de", "12. März 2026"),
        ("fr", "12 mars 2026"),
        ("es", "12 de marzo de 2026"),
        ("ja", "2026年3月12日"),
        ("pt-BR", "12 de março de 2026"),
    ],
)
def test_dates_are_long_and_in_the_readers_language(locale: str, expected: str) -> None:
    assert Text(locale).date(datetime.date(2026, 3, 12), markdown=False) == expected


def test_dates_for_cards_are_escaped_like_partner_text() -> None:
    # Alone in a fact, "12. März 2026" would be read as a numbered list: the dot is escaped.
    assert Text("de").date(datetime.date(2026, 3, 12)) == "12\\. März 2026"
    assert Text("en").date(datetime.date(2026, 3, 12)) == "12 March 2026"  # nothing to escape


def test_english_dates_read_naturally() -> None:
    assert Text("en").date(datetime.date(2025, 12, 1)) == "1 December 2025"


@pytest.mark.parametrize(("locale", "expected"), [("en", "1,234"), ("de", "1.234"), ("ja", "1,234")])
def test_numbers_are_formatted_for_the_locale(locale: str, expected: str) -> None:
    assert Text(locale).number(1234) == expected


def test_dates_in_cards_follow_the_locale() -> None:
    card = cards.claims_list_card([make_claim()], locale="de")
    assert "In Prüfung, vom Partner gemeldet am 19\\. März 2026." in all_text(card)


def test_counts_in_cards_follow_the_locale() -> None:
    card = cards.claim_card(make_claim(workloads=ALL_WORKLOADS), locale="de")
    assert "26 Microsoft-Diensten" in card["body"][1]["text"]


def test_every_variant_has_its_languages_lang() -> None:
    for variant in variants():
        assert variant.card["lang"] == card_lang(variant.locale), variant.name
    assert [card_lang(locale) for locale in SUPPORTED_LOCALES] == ["en", "de", "fr", "es", "ja", "pt"]


def test_every_builder_takes_a_locale_defaulting_to_english() -> None:
    builders = [
        cards.claim_card,
        cards.access_card,
        cards.status_changed_card,
        cards.message_card,
        cards.welcome_card,
        cards.help_card,
        cards.about_card,
        cards.claims_list_card,
    ]
    for builder in builders:
        parameter = inspect.signature(builder).parameters["locale"]
        assert parameter.default == "en" and parameter.kind is inspect.Parameter.KEYWORD_ONLY, builder


def test_an_unsupported_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported locale 'pt_BR'"):
        cards.welcome_card(locale="pt_BR")
