"""The card text catalogue: every word a card shows, keyed by id, read once per language from
``text/<locale>.toml``, plus locale choice and locale-aware dates and numbers (Babel).

Each entry keeps the ids of the CPOR facts its statement rests on, so a reviewer can trace every
programme statement to its source (see the header of ``text/en.toml``).
"""

from __future__ import annotations

import datetime
import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from cards.markdown import escape

DEFAULT_LOCALE = "en"
DEFAULT_LANG = DEFAULT_LOCALE  # the name the first version used

# The languages the cards are written in: the card's `lang` and the catalogue file name.
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "de", "fr", "es", "ja", "pt-BR")

# Babel locale for dates and numbers. The English text is British ("organisation", "licences"),
# so English dates are British too ("12 March 2026": day first, month in words, never ambiguous).
BABEL_LOCALES: Mapping[str, str] = MappingProxyType(
    {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "ja": "ja_JP", "pt-BR": "pt_BR"}
)

# Primary language subtag -> supported locale. Any Portuguese gets Brazilian Portuguese, the only
# Portuguese there is, which a Portuguese reader follows more easily than English.
_BY_LANGUAGE: Mapping[str, str] = MappingProxyType(
    {"en": "en", "de": "de", "fr": "fr", "es": "es", "ja": "ja", "pt": "pt-BR"}
)
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


def supported_locale(tag: str | None) -> str | None:
    """The supported locale for a language tag ("de-DE" -> "de", "pt" -> "pt-BR"), or None."""
    if not tag:
        return None
    tag = tag.strip()
    if not _TAG.match(tag):
        return None
    return _BY_LANGUAGE.get(re.split(r"[-_]", tag, maxsplit=1)[0].lower())


def choose_locale(teams_locale: str | None, contact_locale: str | None, claim_locale: str | None) -> str:
    """The card language: the first of the reader's Teams locale, the contact's locale on the claim
    and the claim's locale that maps to a supported language; English when none does."""
    for tag in (teams_locale, contact_locale, claim_locale):
        locale = supported_locale(tag)
        if locale:
            return locale
    return DEFAULT_LOCALE


def _check_locale(locale: str) -> str:
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(
            f"unsupported locale {locale!r}; expected one of {', '.join(SUPPORTED_LOCALES)} "
            "(use choose_locale to map a Teams or contact locale)"
        )
    return locale


def card_lang(locale: str) -> str:
    """The card's `lang` for a locale: the language subtag alone ("pt" for "pt-BR"), because the
    Adaptive Card schema defines `lang` as a 2-letter ISO 639-1 code and renderers reject more."""
    return _check_locale(locale).split("-", 1)[0]


@dataclass(frozen=True, slots=True)
class Entry:
    """One piece of card text and the facts it rests on."""

    text: str
    facts: tuple[int | str, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusText:
    """What a claim status means to the customer."""

    label: str  # "Under review"
    meaning: str  # one line: what the status means
    next: str  # one line: what happens next


def _facts(value: object, key: str) -> tuple[int | str, ...]:
    if not isinstance(value, list) or not all(isinstance(f, int | str) for f in value):
        raise ValueError(f"text entry {key!r}: facts must be a list of fact ids")
    return tuple(value)


def _flatten(
    table: Mapping[str, Any], prefix: str, facts: tuple[int | str, ...], out: dict[str, Entry]
) -> None:
    if "facts" in table:
        facts = _facts(table["facts"], prefix)
    for name, value in table.items():
        key = f"{prefix}.{name}" if prefix else name
        if name == "facts":
            continue
        if isinstance(value, str):
            out[key] = Entry(value, facts)
        elif isinstance(value, dict) and "text" in value:
            if not isinstance(value["text"], str) or set(value) - {"text", "facts"}:
                raise ValueError(f"text entry {key!r} must have a string text and optional facts")
            out[key] = Entry(value["text"], _facts(value.get("facts", []), key))
        elif isinstance(value, dict):
            _flatten(value, key, facts, out)
        else:
            raise ValueError(f"text entry {key!r} must be a string or a table")


@functools.cache
def catalogue(locale: str = DEFAULT_LOCALE) -> Mapping[str, Entry]:
    """All entries of one language, flattened to dotted ids ("claim.headline_many")."""
    _check_locale(locale)
    source = files("cards").joinpath("text", f"{locale}.toml").read_text(encoding="utf-8")
    out: dict[str, Entry] = {}
    _flatten(tomllib.loads(source), "", (), out)
    return MappingProxyType(out)


class Text:
    """Looks up and fills card text for one language, and formats its dates and numbers."""

    def __init__(self, locale: str = DEFAULT_LOCALE) -> None:
        self.locale = _check_locale(locale)
        self.lang = card_lang(self.locale)  # the card's `lang`
        self._babel = BABEL_LOCALES[self.locale]
        self._entries = catalogue(self.locale)
        # Texts without placeholders, formatted once ("{{" unescaped): a card asks for dozens.
        self._fixed: dict[str, str] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __call__(self, key: str, /, **values: str | int) -> str:
        """The text for `key` with its placeholders filled (values must already be escaped).

        Numbers are formatted for the locale ("1.234" in German) and escaped like any value."""
        if not values:
            fixed = self._fixed.get(key)
            if fixed is None:
                fixed = self._fixed[key] = self._entries[key].text.format()
            return fixed
        filled = {k: self.number(v) if isinstance(v, int) else v for k, v in values.items()}
        return self._entries[key].text.format(**filled)

    def date(self, day: datetime.date, *, markdown: bool = True) -> str:
        """A long date for the locale: "12 March 2026", "12. März 2026", "2026年3月12日".

        Escaped for TextBlock and Fact text unless `markdown` is false (fallbackText, speak): Teams
        reads "12. März 2026" alone in a fact as the start of a numbered list."""
        return _long_date(day, self._babel, markdown)

    def number(self, value: int) -> str:
        """A whole number for the locale, escaped like a date (safe in plain text too)."""
        return _number(value, self._babel)

    def status(self, code: str) -> StatusText:
        """The label, meaning and next step for a claim status code."""
        if f"status.{code}.label" not in self._entries:
            raise ValueError(f"unknown claim status {code!r}")
        return StatusText(
            self(f"status.{code}.label"), self(f"status.{code}.meaning"), self(f"status.{code}.next")
        )

    def status_codes(self) -> tuple[str, ...]:
        """Every status code the catalogue explains."""
        codes = (key.split(".")[1] for key in self._entries if key.startswith("status."))
        return tuple(dict.fromkeys(codes))


# Formatted values are escaped like partner text: dates and numbers are data, never markdown.
_VALUE_LIMIT = 80


@functools.lru_cache(maxsize=1024)
def _long_date(day: datetime.date, babel_locale: str, markdown: bool) -> str:
    formatted = format_date(day, format="long", locale=babel_locale)
    return escape(formatted, limit=_VALUE_LIMIT) if markdown else formatted


@functools.lru_cache(maxsize=1024)
def _number(value: int, babel_locale: str) -> str:
    return escape(format_decimal(value, locale=babel_locale), limit=_VALUE_LIMIT)


@functools.cache
def text_for(locale: str = DEFAULT_LOCALE) -> Text:
    """The (shared, immutable) Text of a supported locale."""
    return Text(locale)


EN = text_for(DEFAULT_LOCALE)

# Status code -> short label, one-line meaning and what happens next (Partner Center statuses).
STATUS_TEXT: Mapping[str, StatusText] = MappingProxyType(
    {code: EN.status(code) for code in EN.status_codes()}
)
