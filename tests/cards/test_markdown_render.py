"""Every TextBlock, TextRun and fact of every card, in every language and for every sample (hostile
ones included), parsed by markdown-it (the parser Teams' web client uses, here its Python port with
the same CommonMark rules plus strikethrough): each must come out as one plain paragraph of text.
The catalogue asks for no markdown, so any list, heading, quote, emphasis, link, image, code span or
HTML is text that escaped its escaping (partner text, a name, a date or a number)."""

from __future__ import annotations

import datetime
import functools

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from cards.i18n import SUPPORTED_LOCALES, Text
from cards.samples import variants
from tests.cards.readability import unescape
from tests.cards.walk import markdown_strings

_PLAIN_BLOCKS = ("paragraph_open", "inline", "paragraph_close")
_PLAIN_INLINE = ("text", "text_special")  # text_special: a backslash escape, shown as the character


@functools.cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("strikethrough")


def structure(text: str) -> list[str]:
    """The markdown structure `text` would get, beyond one paragraph of plain text."""
    tokens: list[Token] = _parser().parse(text)
    found = [t.type for t in tokens if t.type not in _PLAIN_BLOCKS]
    for token in tokens:
        found += [c.type for c in token.children or [] if c.type not in _PLAIN_INLINE]
    if sum(1 for t in tokens if t.type == "paragraph_open") > 1:
        found.append("several paragraphs")
    return found


def rendered_text(text: str) -> str:
    """The text markdown-it shows for a one-paragraph string."""
    return "".join(c.content for t in _parser().parse(text) for c in t.children or [])


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_card_string_is_one_plain_paragraph(locale: str) -> None:
    bad = []
    for variant in variants(locales=(locale,)):
        for text in markdown_strings(variant.card):
            if not text.strip():
                continue
            found = structure(text)
            if found:
                bad.append((variant.name, text[:60], found))
            elif unescape(rendered_text(text)) != unescape(text):
                # What the reader sees is the text itself: nothing dropped or rewritten.
                bad.append((variant.name, text[:60], ["text changed"]))
    assert bad == []


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_formatted_dates_and_numbers_are_plain_text_alone(locale: str) -> None:
    # A fact value can be a date or a number on its own: "12. März 2026" must not start a list.
    t = Text(locale)
    for day in (datetime.date(2026, 3, 12), datetime.date(2026, 12, 1), datetime.date(2027, 1, 9)):
        assert structure(t.date(day)) == [], t.date(day)
    for number in (1, 12, 1234, 1_000_000):
        assert structure(t.number(number)) == []


def test_the_check_sees_markdown() -> None:
    # Guard against a vacuous pass: the same check catches each kind of structure.
    assert "ordered_list_open" in structure("12. März 2026")
    assert "bullet_list_open" in structure("- item")
    assert "heading_open" in structure("# Microsoft")
    assert "em_open" in structure("a *b* c")
    assert "link_open" in structure("[x](https://evil.example)")
    assert "html_inline" in structure("a <b>c</b>")
    assert "s_open" in structure("~~gone~~")
    assert structure("12\\. März 2026") == []
