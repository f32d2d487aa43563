"""The pages' text catalogues and the choice of language."""

from __future__ import annotations

import string

import pytest

from bot.web.languages import accepted_languages, choose_page_locale, page_text, plural_category
from cards import SUPPORTED_LOCALES
from cards.i18n import catalogue

OTHER_LOCALES = [locale for locale in SUPPORTED_LOCALES if locale != "en"]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_every_language_has_the_english_keys_and_placeholders(locale: str) -> None:
    english, other = page_text("en"), page_text(locale)
    assert set(other) == set(english)
    different = {key for key in english if placeholders(other[key]) != placeholders(english[key])}
    assert different == set()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_text_is_plain_and_written_for_this_language(locale: str) -> None:
    words = page_text(locale)
    assert all(value.strip() and "<" not in value and ">" not in value for value in words.values())
    if locale != "en":  # translated, not copied: only names and the language-neutral stay the same
        english = page_text("en")
        same = {key for key in words if words[key] == english[key]}
        assert same <= {"service_name", "common.contact_heading"}, same


def test_each_language_is_named_in_itself() -> None:
    names = {locale: page_text(locale)["language_name"] for locale in SUPPORTED_LOCALES}
    assert names == {
        "en": "English",
        "de": "Deutsch",
        "fr": "Français",
        "es": "Español",
        "ja": "日本語",
        "pt-BR": "Português (Brasil)",
    }


def test_an_unsupported_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported locale"):
        page_text("xx")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-CH, fr;q=0.9, en;q=0.8", ["de-CH", "fr", "en"]),
        ("en;q=0.2, ja, fr;q=0.7", ["ja", "fr", "en"]),
        ("fr;q=0.5, de;q=0.5", ["fr", "de"]),  # a tie keeps the header's order
        ("es;q=0, *;q=0.1, it", ["it"]),
        ("de;q=2, fr;q=abc, ja;q=0.1", ["ja"]),  # out of range or unreadable: not wanted
        ("  ,;,", []),
    ],
)
def test_accept_language_is_read_by_q_value(header: str, expected: list[str]) -> None:
    assert accepted_languages(header) == expected


def test_the_address_beats_accept_language() -> None:
    assert choose_page_locale("fr", "de") == "fr"
    assert choose_page_locale("klingon", "de") == "en"
    assert choose_page_locale(None, "de") == "de"
    assert choose_page_locale(None, None) == "en"


def test_a_long_accept_language_is_read_only_so_far() -> None:
    header = ", ".join(["zz"] * 100 + ["de"])
    assert choose_page_locale(None, header) == "en"


@pytest.mark.parametrize(
    ("count", "locale", "expected"),
    [(1, "en", "one"), (2, "en", "other"), (1, "fr", "one"), (1, "pt-BR", "one"), (1, "ja", "other")],
)
def test_plural_forms(count: int, locale: str, expected: str) -> None:
    assert plural_category(count, locale) == expected


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_notice_names_the_button_as_the_card_in_that_language_does(locale: str) -> None:
    button = catalogue(locale)["claim.acknowledge"].text
    assert button in page_text(locale)["privacy.flow_colleagues"]
