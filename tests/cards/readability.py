"""Readability of a card as a reader sees it: its visible text, sentences and Flesch reading ease.

"Visible text" is every piece of text the reader can see on the card, ShowCard contents included:
TextBlocks, fact rows (read as "title: value"), button titles and input labels and placeholders, in
card order, with markdown escapes removed. Each piece is its own line on screen, so a piece that
does not end a sentence (a heading, a button) is closed with a full stop before the pieces are
joined; otherwise textstat would read a heading and the text under it as one long sentence.
Hidden elements (``isVisible: false``) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import textstat

from cards.markdown import ONE_DOT_LEADER, WORD_JOINER

FLESCH_MIN = 60.0
SENTENCE_MAX_WORDS = 20
FIRST_VIEW_MAX_WORDS = 120

_SENTENCE_END = re.compile(r"[.?!:…]$")
_SPLIT = re.compile(r"(?<=[.?!])\s+")
_BULLET = "\u2022"


def unescape(text: str) -> str:
    """What the reader sees for escaped card text: backslash escapes and invisible defusing gone."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out).replace(WORD_JOINER, "").replace(ONE_DOT_LEADER, ".")


def _pieces(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _pieces(item)
        return
    if not isinstance(node, dict) or node.get("isVisible") is False:
        return
    kind = node.get("type")
    if kind == "TextBlock" and node["text"] != _BULLET:
        yield node["text"]
    elif kind == "RichTextBlock":
        yield " ".join(run["text"] if isinstance(run, dict) else run for run in node["inlines"])
    elif kind == "FactSet":
        for fact in node["facts"]:
            yield f"{fact['title']}: {fact['value']}"
    elif kind == "Input.Text":
        yield from (node[k] for k in ("label", "placeholder") if node.get(k))
    elif str(kind).startswith("Action.") and node.get("title"):
        yield node["title"]
    for key in ("body", "items", "columns", "actions", "card", "inlineAction"):
        if key in node:
            yield from _pieces(node[key])


def visible_pieces(card: dict[str, Any]) -> list[str]:
    """Every visible piece of text on the card, ShowCards included, unescaped, in card order.
    (A button's Action.Submit fallback has the same title, so it is not read twice.)"""
    return [unescape(p) for p in _pieces(card)]


def reading_text(pieces: list[str]) -> str:
    """The pieces as running text, each closed as a sentence."""
    closed = [p if _SENTENCE_END.search(p.strip()) else p.strip() + "." for p in pieces if p.strip()]
    return " ".join(closed)


def flesch(card: dict[str, Any]) -> float:
    """`textstat.flesch_reading_ease` over the card's visible text (English cards)."""
    return float(textstat.flesch_reading_ease(reading_text(visible_pieces(card))))


def sentences(card: dict[str, Any]) -> list[str]:
    """Every sentence of the card's visible text."""
    return [s for piece in visible_pieces(card) for s in _SPLIT.split(piece.strip()) if s]


def word_count(sentence: str) -> int:
    """Words: whitespace-separated tokens with at least one letter or digit."""
    return sum(1 for token in sentence.split() if any(ch.isalnum() for ch in token))


def long_sentences(card: dict[str, Any], limit: int = SENTENCE_MAX_WORDS) -> list[str]:
    """The sentences over `limit` words."""
    return [s for s in sentences(card) if word_count(s) > limit]
