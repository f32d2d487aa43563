"""The pages' text, one catalogue per language in ``text/<locale>.toml``, and which language a
request gets: ``?lang=`` first, then Accept-Language, then English.

The languages are the cards' (`cards.SUPPORTED_LOCALES`), mapped the cards' way: any German is
German, any Portuguese Brazilian Portuguese.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from babel import Locale

from cards import SUPPORTED_LOCALES
from cards.i18n import BABEL_LOCALES, DEFAULT_LOCALE, supported_locale

# More than this many Accept-Language entries are not read: a browser sends a handful.
_MAX_ACCEPT_ENTRIES = 32


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(value, dict):
            _flatten(value, key, out)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise ValueError(f"page text {key!r} must be a string or a table")


def load_catalogue(folder: str, locale: str) -> Mapping[str, str]:
    """One language's entries from bot/web/{folder}/{locale}.toml, flattened to dotted keys."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}; expected one of {', '.join(SUPPORTED_LOCALES)}")
    source = files("bot.web").joinpath(folder, f"{locale}.toml").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    _flatten(tomllib.loads(source), "", out)
    return MappingProxyType(out)


@functools.cache
def page_text(locale: str) -> Mapping[str, str]:
    """Every entry of one language's page text, flattened to dotted keys ("privacy.title")."""
    return load_catalogue("text", locale)


def _quality(parameters: list[str]) -> float:
    """The q-value among an entry's parameters (1 when absent, 0 when malformed)."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


def accepted_languages(header: str) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (ties keep their order),
    without those refused with q=0 and without the wildcard."""
    weighted: list[tuple[float, int, str]] = []
    for position, entry in enumerate(header.split(",")[:_MAX_ACCEPT_ENTRIES]):
        tag, *parameters = entry.split(";")
        tag = tag.strip()
        q = _quality(parameters)
        if tag and tag != "*" and q > 0:
            weighted.append((-q, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def choose_page_locale(lang: str | None, accept_language: str | None) -> str:
    """The page's language: `?lang=` when given (English if it names no supported language), else
    the most wanted supported language of Accept-Language, else English."""
    if lang is not None:
        return supported_locale(lang) or DEFAULT_LOCALE
    for tag in accepted_languages(accept_language or ""):
        locale = supported_locale(tag)
        if locale:
            return locale
    return DEFAULT_LOCALE


@functools.cache
def _babel_locale(locale: str) -> Locale:
    return Locale.parse(BABEL_LOCALES[locale])


def plural_category(count: int, locale: str) -> str:
    """ "one" or "other": the two plural forms the page text has (CLDR's rules, through Babel)."""
    return "one" if _babel_locale(locale).plural_form(count) == "one" else "other"
