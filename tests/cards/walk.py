"""Helpers that read a card dict the way a reader sees it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Inline markdown characters that must reach the renderer escaped.
_INLINE = re.compile(r"[`*_~\[\]<]")
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_BLOCK_START = re.compile(r"^\s*(?:[#>+\-=]|[0-9]+[.)](?=\s|$))")
_URL_SCHEME = re.compile(r"(?i)[a-z][a-z0-9+.\-]*:[/\\]")
# A dot between something and a letter; a dot after a dot (full-width or not) starts no domain label.
_DOMAIN = re.compile(r"[^\s.\uff0e\uff61][.\uff0e\uff61][^\W\d_]")


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def link_hazards(text: str) -> list[str]:
    """Things a client could turn into a link or a date, even in plain text."""
    found = []
    if m := _URL_SCHEME.search(text):
        found.append(f"URL scheme {m.group(0)!r}")
    if m := _DOMAIN.search(text):
        found.append(f"domain-like {m.group(0)!r}")
    if "{{" in text or "${" in text:
        found.append("date function or template opening")
    return found


def markdown_hazards(text: str) -> list[str]:
    """Everything in a TextBlock / Fact string that markdown or the date functions would act on."""
    found = link_hazards(text)
    if "\n" in text or "\r" in text:
        found.append("line break")
    for m in _INLINE.finditer(text):
        if not _escaped(text, m.start()):
            found.append(f"unescaped {m.group(0)!r} at {m.start()}")
    for m in _ENTITY.finditer(text):
        if not _escaped(text, m.start()):
            found.append(f"HTML entity {m.group(0)!r}")
    if m := _BLOCK_START.match(text):
        found.append(f"block markdown at the start: {m.group(0)!r}")
    return found


def markdown_strings(node: Any) -> Iterator[str]:
    """Every string a renderer treats as markdown: TextBlock text, Fact titles and values,
    TextRun text, in the body and inside every ShowCard."""
    if isinstance(node, dict):
        kind = node.get("type")
        if kind in ("TextBlock", "TextRun"):
            yield node["text"]
        if kind == "FactSet":  # facts carry no "type" of their own
            for fact in node["facts"]:
                yield fact["title"]
                yield fact["value"]
        for value in node.values():
            yield from markdown_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from markdown_strings(value)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in the card, ShowCard contents included."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def first_view_text(card: dict[str, Any]) -> list[str]:
    """Text the reader sees before opening anything: the body, without hidden elements, ShowCard
    contents or action titles."""
    out: list[str] = []

    def visit(element: dict[str, Any]) -> None:
        if element.get("isVisible") is False:
            return
        kind = element.get("type")
        if kind == "TextBlock":
            out.append(element["text"])
        elif kind == "RichTextBlock":
            out.extend(run["text"] if isinstance(run, dict) else run for run in element["inlines"])
        elif kind == "FactSet":
            for fact in element["facts"]:
                out.extend([fact["title"], fact["value"]])
        for child in element.get("items", []) + element.get("columns", []):
            visit(child)

    for element in card["body"]:
        visit(element)
    return out


def words(texts: list[str]) -> list[str]:
    """Words: whitespace-separated tokens with at least one letter or digit."""
    return [token for text in texts for token in text.split() if any(ch.isalnum() for ch in token)]


def all_text(card: dict[str, Any]) -> str:
    """Every markdown string in the card, ShowCards included, as one string."""
    return "\n".join(markdown_strings(card))


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action anywhere in the card."""
    return [node for node in walk(card) if str(node.get("type", "")).startswith("Action.")]


def links_in_reading_order(card: dict[str, Any]) -> list[str]:
    """The addresses a reader meets, in order: the body's buttons top to bottom, then the card's own
    buttons, then what each ShowCard reveals (opened one after the other)."""
    out: list[str] = []
    hidden: list[dict[str, Any]] = []

    def visit_action(action: dict[str, Any]) -> None:
        if action.get("type") == "Action.OpenUrl":
            out.append(action["url"])
        elif action.get("type") == "Action.ShowCard":
            hidden.append(action["card"])

    def visit(element: dict[str, Any]) -> None:
        if element.get("isVisible") is False:
            return
        for action in element.get("actions", []):
            visit_action(action)
        if select := element.get("selectAction"):
            visit_action(select)
        for child in element.get("items", []) + element.get("columns", []):
            visit(child)

    def read(one: dict[str, Any]) -> None:
        for element in one.get("body", []):
            visit(element)
        for action in one.get("actions", []):
            visit_action(action)

    read(card)
    while hidden:
        read(hidden.pop(0))
    return out
