"""The card text catalogue: every word a card shows, keyed by id, read once from ``text/<lang>.toml``.

Each entry keeps the ids of the CPOR facts its statement rests on, so a reviewer can trace every
programme statement to its source (see the header of ``text/en.toml``).
"""

from __future__ import annotations

import datetime
import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType
from typing import Any

DEFAULT_LANG = "en"


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
def catalogue(lang: str = DEFAULT_LANG) -> Mapping[str, Entry]:
    """All entries of one language, flattened to dotted ids ("claim.headline_many")."""
    source = files("cards").joinpath("text", f"{lang}.toml").read_text(encoding="utf-8")
    out: dict[str, Entry] = {}
    _flatten(tomllib.loads(source), "", (), out)
    return MappingProxyType(out)


class Text:
    """Looks up and fills card text for one language."""

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        self.lang = lang
        self._entries = catalogue(lang)

    def __call__(self, key: str, /, **values: str | int) -> str:
        """The text for `key` with its placeholders filled (values must already be escaped)."""
        return self._entries[key].text.format(**values)

    def date(self, day: datetime.date) -> str:
        """A readable date, e.g. "12 March 2026"."""
        return self("date.format", day=day.day, month=self(f"month.{day.month}"), year=day.year)

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


EN = Text()

# Status code -> short label, one-line meaning and what happens next (Partner Center statuses).
STATUS_TEXT: Mapping[str, StatusText] = MappingProxyType(
    {code: EN.status(code) for code in EN.status_codes()}
)
