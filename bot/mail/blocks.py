"""A card's content, host-neutral: headings, paragraphs, facts, lists, quotes, links and the sections
its ShowCards reveal, read from the card JSON with markdown escapes undone (see `bot.mail.message`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cards.common import CARD_ONLY_PREFIX, web_link_words
from cards.model import WebLink

BULLET = "\u2022"
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_BIG_SIZES = frozenset({"medium", "large", "extralarge"})

# --- the content of a card, host-neutral ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    separator: bool = False


@dataclass(frozen=True, slots=True)
class Para:
    text: str
    subtle: bool = False
    small: bool = False
    separator: bool = False


@dataclass(frozen=True, slots=True)
class Facts:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True, slots=True)
class Quote:
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Links:
    links: tuple[tuple[str, str], ...]  # (title, http(s) URL)
    separator: bool = False  # the card's own buttons, set apart from the body


@dataclass(frozen=True, slots=True)
class Group:
    blocks: tuple[Block, ...]
    separator: bool = False


def _readable_show_card(action: dict[str, Any]) -> bool:
    """A ShowCard worth a section: not one that only holds a form (the email cannot send it)."""
    if action.get("type") != "Action.ShowCard":
        return False
    body = _items(action.get("card") or {}, "body")
    return not any(str(element.get("type", "")).startswith("Input.") for element in body)


@dataclass(frozen=True, slots=True)
class Section:
    """What a ShowCard reveals, under the ShowCard's title."""

    heading: Heading
    blocks: tuple[Block, ...]


Block = Heading | Para | Facts | Bullets | Quote | Links | Group | Section


def _unescape(text: object) -> str:
    """Markdown text from the card as the reader sees it: backslash escapes undone."""
    return _MARKDOWN_ESCAPE.sub(r"\1", text if isinstance(text, str) else "")


def _plain(text: object) -> str:
    """A plain-text property (an action title): shown as is."""
    return text if isinstance(text, str) else ""


def _safe_url(url: object) -> str | None:
    """`url` if it is an absolute http(s) URL with a host and nothing odd in it, else None."""
    if not isinstance(url, str) or not url or any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def _items(node: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = node.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _is_heading(element: dict[str, Any]) -> bool:
    return element.get("type") == "TextBlock" and (
        element.get("style") == "heading" or str(element.get("weight", "")).lower() == "bolder"
    )


def _is_big(element: dict[str, Any]) -> bool:
    return str(element.get("size", "")).lower() in _BIG_SIZES


def _headings(elements: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The heading TextBlocks among `elements` and their containers (not inside ShowCards)."""
    for element in elements:
        if _is_heading(element):
            yield element
        yield from _headings(_items(element, "items") + _items(element, "columns"))


def _is_bullet(element: dict[str, Any]) -> bool:
    """A ColumnSet whose first column holds just a "•": one item of `cards.elements.bullets`."""
    if element.get("type") != "ColumnSet":
        return False
    columns = _items(element, "columns")
    if len(columns) < 2:
        return False
    first = _items(columns[0], "items")
    return len(first) == 1 and first[0].get("type") == "TextBlock" and first[0].get("text") == BULLET


class Reader:
    """Turns one card (or a ShowCard's card) into blocks. Headings are numbered from `level`: the
    card's big headings (size medium and up) get `level + 1`, its other headings one deeper when it
    has big ones; ShowCard sections sit at the level of the card's ordinary headings."""

    def __init__(self, card: dict[str, Any], level: int) -> None:
        self.card = card
        headings = list(_headings(_items(card, "body")))
        has_big = any(_is_big(h) for h in headings)
        self.big = min(level + 1, 6)
        self.normal = min(level + 2 if has_big else level + 1, 6)

    def read(self, after_body: Sequence[Block] = ()) -> tuple[Block, ...]:
        blocks = self.elements(_items(self.card, "body"))
        blocks += after_body
        actions = _items(self.card, "actions")
        # The card's own buttons: its links first, then what each ShowCard reveals.
        links = self.links(actions)
        if links is not None:
            blocks.append(Links(links.links, separator=bool(blocks)))
        blocks += [self.section(a) for a in actions if _readable_show_card(a)]
        return tuple(blocks)

    def elements(self, elements: Sequence[dict[str, Any]]) -> list[Block]:
        out: list[Block] = []
        bullets: list[tuple[Block, ...]] = []
        for element in elements:
            if _is_bullet(element):
                columns = _items(element, "columns")[1:]
                bullets.append(tuple(self.elements([i for c in columns for i in _items(c, "items")])))
                continue
            if bullets:
                out.append(Bullets(tuple(bullets)))
                bullets = []
            out += self.element(element)
        if bullets:
            out.append(Bullets(tuple(bullets)))
        return out

    def element(self, element: dict[str, Any]) -> list[Block]:
        if str(element.get("id", "")).startswith(CARD_ONLY_PREFIX):
            return []  # speaks of the card's buttons, which the email does not have
        kind = element.get("type")
        separator = element.get("separator") is True
        if kind == "TextBlock":
            text = _unescape(element.get("text"))
            if not text.strip():
                return []
            if _is_heading(element):
                return [Heading(self.big if _is_big(element) else self.normal, text, separator)]
            return [
                Para(
                    text,
                    subtle=element.get("isSubtle") is True,
                    small=str(element.get("size", "")).lower() == "small",
                    separator=separator,
                )
            ]
        if kind == "RichTextBlock":
            runs = element.get("inlines")
            parts = [
                _unescape(run.get("text")) if isinstance(run, dict) else _unescape(run)
                for run in (runs if isinstance(runs, list) else [])
            ]
            text = "".join(parts)
            return [Para(text, separator=separator)] if text.strip() else []
        if kind == "FactSet":
            rows = tuple(
                (_unescape(fact.get("title")), _unescape(fact.get("value")))
                for fact in _items(element, "facts")
            )
            return [Facts(rows)] if rows else []
        if kind == "ActionSet":
            return self.actions(_items(element, "actions"))
        if isinstance(kind, str) and kind.startswith("Input."):
            return []
        children = self.elements(
            _items(element, "items") + [i for c in _items(element, "columns") for i in _items(c, "items")]
        )
        if not children:
            return []
        if kind == "Container" and element.get("style") == "emphasis":
            return [Quote(tuple(children))]
        if separator:
            return [Group(tuple(children), separator=True)]
        return children

    def actions(self, actions: Sequence[dict[str, Any]]) -> list[Block]:
        """Buttons in the body, in order: runs of links, and ShowCard sections where they are."""
        out: list[Block] = []
        run: list[dict[str, Any]] = []
        for action in actions:
            if action.get("type") == "Action.ShowCard":
                links = self.links(run)
                out += [links] if links is not None else []
                run = []
                if _readable_show_card(action):
                    out.append(self.section(action))
            else:
                run.append(action)
        links = self.links(run)
        return out + ([links] if links is not None else [])

    @staticmethod
    def links(actions: Sequence[dict[str, Any]]) -> Links | None:
        """The OpenUrl buttons with an http(s) URL; Execute, Submit and other buttons only work in
        the card and are left out."""
        found = []
        for action in actions:
            url = _safe_url(action.get("url")) if action.get("type") == "Action.OpenUrl" else None
            if url is not None:
                found.append((_plain(action.get("title")).strip() or url, url))
        return Links(tuple(found)) if found else None

    def section(self, action: dict[str, Any]) -> Section:
        card = action.get("card")
        blocks = Reader(card, self.normal).read() if isinstance(card, dict) else ()
        return Section(Heading(self.normal, _plain(action.get("title"))), blocks)


def web_link_blocks(link: WebLink, locale: str) -> tuple[Block, ...]:
    """The reader's own link to the claim's web page, set apart: where the card's buttons would be,
    the email's way to act (its parts have no buttons), with a note that the link is theirs alone."""
    url = _safe_url(link.url)
    if url is None:
        raise ValueError("a web link is an absolute http(s) address")
    title, note = web_link_words(link, locale)
    return (Group((Links(((title, url),)), Para(note, subtle=True, small=True)), separator=True),)


def read_card(
    card: dict[str, Any], *, web_link: WebLink | None = None, locale: str = "en"
) -> tuple[Block, ...]:
    """The card's content; with `web_link`, the reader's own link after the card's body (in `locale`)."""
    if not isinstance(card, dict):
        raise TypeError(f"a card is a dict, got {type(card).__name__}")
    return Reader(card, 0).read(web_link_blocks(web_link, locale) if web_link is not None else ())
