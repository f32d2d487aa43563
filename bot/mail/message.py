"""An Outlook claim card as an email: a plain-text part, an HTML part readable on its own, and the
card itself for Outlook's Actionable Messages. Pure: no network, no store, no clock.

Outlook shows the Adaptive Card found in the HTML's ``<script type="application/adaptivecard+json">``
and hides the HTML body (``hideOriginalBody``); every other client shows the HTML or the plain text,
so both carry everything the card says, including what sits behind its ``Action.ShowCard`` buttons.
Buttons that talk to the bot (``Action.Execute``, ``Action.Submit``) and inputs are left out: they
work only inside the card; so is text the card marks as speaking of them (an id starting with
``card-only-``).

Card text is treated as untrusted throughout. TextBlock, Fact and TextRun text is markdown escaped
by the card builders; the backslash escapes are undone, then every string is HTML-escaped, so text a
partner typed (``<script>``, ``[x](https://…)``) comes out as the same inert characters the card
shows. The word joiners and one-dot leaders the builders put into partner text to stop clients
turning it into links are kept. Only ``Action.OpenUrl`` with an http(s) URL becomes a link.
"""

from __future__ import annotations

import datetime
import html
import json
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any, assert_never
from urllib.parse import urlsplit

from cards.common import CARD_ONLY_PREFIX

__all__ = ["build_message", "render_html", "render_text"]

TEXT_WIDTH = 72  # plain-text lines wrap at this many characters (URLs are never broken)
BULLET = "\u2022"

# CommonMark: a backslash before ASCII punctuation stands for the punctuation itself.
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_MESSAGE_ID = re.compile(r"^<?([^<>@\s]+@[^<>@\s]+)>?$")
_BIG_SIZES = frozenset({"medium", "large", "extralarge"})

# --- the content of a card, host-neutral ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Heading:
    level: int
    text: str
    separator: bool = False


@dataclass(frozen=True, slots=True)
class _Para:
    text: str
    subtle: bool = False
    small: bool = False
    separator: bool = False


@dataclass(frozen=True, slots=True)
class _Facts:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Bullets:
    items: tuple[tuple[_Block, ...], ...]


@dataclass(frozen=True, slots=True)
class _Quote:
    blocks: tuple[_Block, ...]


@dataclass(frozen=True, slots=True)
class _Links:
    links: tuple[tuple[str, str], ...]  # (title, http(s) URL)
    separator: bool = False  # the card's own buttons, set apart from the body


@dataclass(frozen=True, slots=True)
class _Group:
    blocks: tuple[_Block, ...]
    separator: bool = False


def _readable_show_card(action: dict[str, Any]) -> bool:
    """A ShowCard worth a section: not one that only holds a form (the email cannot send it)."""
    if action.get("type") != "Action.ShowCard":
        return False
    body = _items(action.get("card") or {}, "body")
    return not any(str(element.get("type", "")).startswith("Input.") for element in body)


@dataclass(frozen=True, slots=True)
class _Section:
    """What a ShowCard reveals, under the ShowCard's title."""

    heading: _Heading
    blocks: tuple[_Block, ...]


_Block = _Heading | _Para | _Facts | _Bullets | _Quote | _Links | _Group | _Section


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


class _Reader:
    """Turns one card (or a ShowCard's card) into blocks. Headings are numbered from `level`: the
    card's big headings (size medium and up) get `level + 1`, its other headings one deeper when it
    has big ones; ShowCard sections sit at the level of the card's ordinary headings."""

    def __init__(self, card: dict[str, Any], level: int) -> None:
        self.card = card
        headings = list(_headings(_items(card, "body")))
        has_big = any(_is_big(h) for h in headings)
        self.big = min(level + 1, 6)
        self.normal = min(level + 2 if has_big else level + 1, 6)

    def read(self) -> tuple[_Block, ...]:
        blocks = self.elements(_items(self.card, "body"))
        actions = _items(self.card, "actions")
        # The card's own buttons: its links first, then what each ShowCard reveals.
        links = self.links(actions)
        if links is not None:
            blocks.append(_Links(links.links, separator=bool(blocks)))
        blocks += [self.section(a) for a in actions if _readable_show_card(a)]
        return tuple(blocks)

    def elements(self, elements: Sequence[dict[str, Any]]) -> list[_Block]:
        out: list[_Block] = []
        bullets: list[tuple[_Block, ...]] = []
        for element in elements:
            if _is_bullet(element):
                columns = _items(element, "columns")[1:]
                bullets.append(tuple(self.elements([i for c in columns for i in _items(c, "items")])))
                continue
            if bullets:
                out.append(_Bullets(tuple(bullets)))
                bullets = []
            out += self.element(element)
        if bullets:
            out.append(_Bullets(tuple(bullets)))
        return out

    def element(self, element: dict[str, Any]) -> list[_Block]:
        if str(element.get("id", "")).startswith(CARD_ONLY_PREFIX):
            return []  # speaks of the card's buttons, which the email does not have
        kind = element.get("type")
        separator = element.get("separator") is True
        if kind == "TextBlock":
            text = _unescape(element.get("text"))
            if not text.strip():
                return []
            if _is_heading(element):
                return [_Heading(self.big if _is_big(element) else self.normal, text, separator)]
            return [
                _Para(
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
            return [_Para(text, separator=separator)] if text.strip() else []
        if kind == "FactSet":
            rows = tuple(
                (_unescape(fact.get("title")), _unescape(fact.get("value")))
                for fact in _items(element, "facts")
            )
            return [_Facts(rows)] if rows else []
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
            return [_Quote(tuple(children))]
        if separator:
            return [_Group(tuple(children), separator=True)]
        return children

    def actions(self, actions: Sequence[dict[str, Any]]) -> list[_Block]:
        """Buttons in the body, in order: runs of links, and ShowCard sections where they are."""
        out: list[_Block] = []
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
    def links(actions: Sequence[dict[str, Any]]) -> _Links | None:
        """The OpenUrl buttons with an http(s) URL; Execute, Submit and other buttons only work in
        the card and are left out."""
        found = []
        for action in actions:
            url = _safe_url(action.get("url")) if action.get("type") == "Action.OpenUrl" else None
            if url is not None:
                found.append((_plain(action.get("title")).strip() or url, url))
        return _Links(tuple(found)) if found else None

    def section(self, action: dict[str, Any]) -> _Section:
        card = action.get("card")
        blocks = _Reader(card, self.normal).read() if isinstance(card, dict) else ()
        return _Section(_Heading(self.normal, _plain(action.get("title"))), blocks)


def _read(card: dict[str, Any]) -> tuple[_Block, ...]:
    if not isinstance(card, dict):
        raise TypeError(f"a card is a dict, got {type(card).__name__}")
    return _Reader(card, 0).read()


# --- HTML --------------------------------------------------------------------------------------

_FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_INK = "#242424"
_SUBTLE = "#616161"
_RULE = "#e0e0e0"
_LINK = "#0f6cbd"
_HEADING_SIZES = {1: "21px", 2: "18px", 3: "16px"}
_STYLE = {
    "body": f"margin:0;padding:0;background:#f5f5f5;color:{_INK};",
    "page": f"max-width:600px;margin:0 auto;padding:24px 28px;background:#ffffff;font-family:{_FONT};"
    "font-size:15px;line-height:1.5;",
    "p": "margin:0 0 10px 0;",
    "subtle": f"color:{_SUBTLE};",
    "small": "font-size:13px;",
    "separator": f"border-top:1px solid {_RULE};padding-top:12px;margin-top:16px;",
    "table": "border-collapse:collapse;width:100%;margin:0 0 14px 0;font-size:15px;line-height:1.45;",
    "th": f"text-align:left;vertical-align:top;font-weight:600;width:34%;padding:6px 14px 6px 0;"
    f"border-bottom:1px solid {_RULE};",
    "td": f"text-align:left;vertical-align:top;padding:6px 0;border-bottom:1px solid {_RULE};",
    "ul": "margin:0 0 12px 0;padding:0 0 0 22px;",
    "li": "margin:0 0 4px 0;",
    "blockquote": "margin:0 0 12px 0;padding:10px 14px;background:#f3f3f3;border-left:4px solid #c7c7c7;",
    "links": "margin:16px 0 12px 0;padding:0;list-style:none;",
    "a": f"color:{_LINK};text-decoration:underline;",
    "section": f"margin:24px 0 0 0;padding-top:4px;border-top:2px solid {_RULE};",
}


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _esc_lines(text: str) -> str:
    return "<br>".join(_esc(line) for line in text.split("\n"))


def _heading_html(block: _Heading) -> str:
    size = _HEADING_SIZES.get(block.level, "15px")
    style = f"margin:20px 0 8px 0;font-size:{size};line-height:1.3;font-weight:600;"
    if block.separator:
        style += _STYLE["separator"] + "margin-top:24px;"
    return f'<h{block.level} style="{style}">{_esc_lines(block.text)}</h{block.level}>'


def _inner_html(blocks: Sequence[_Block]) -> str:
    """Blocks inside a list item or quote: a lone paragraph as bare text, else the blocks."""
    if len(blocks) == 1 and isinstance(blocks[0], _Para) and not blocks[0].subtle:
        return _esc_lines(blocks[0].text)
    return "\n".join(_block_html(b, last=i == len(blocks) - 1) for i, b in enumerate(blocks))


def _block_html(block: _Block, *, last: bool = False) -> str:
    match block:
        case _Heading():
            return _heading_html(block)
        case _Para():
            style = _STYLE["p"] if not last else "margin:0;"
            if block.subtle:
                style += _STYLE["subtle"]
            if block.small:
                style += _STYLE["small"]
            if block.separator:
                style += _STYLE["separator"]
            return f'<p style="{style}">{_esc_lines(block.text)}</p>'
        case _Facts():
            rows = "\n".join(
                f'<tr><th scope="row" style="{_STYLE["th"]}">{_esc_lines(title)}</th>'
                f'<td style="{_STYLE["td"]}">{_esc_lines(value)}</td></tr>'
                for title, value in block.rows
            )
            return f'<table role="presentation" style="{_STYLE["table"]}">\n{rows}\n</table>'
        case _Bullets():
            items = "\n".join(f'<li style="{_STYLE["li"]}">{_inner_html(item)}</li>' for item in block.items)
            return f'<ul style="{_STYLE["ul"]}">\n{items}\n</ul>'
        case _Quote():
            return f'<blockquote style="{_STYLE["blockquote"]}">{_inner_html(block.blocks)}</blockquote>'
        case _Links():
            link = _STYLE["a"]
            items = "\n".join(
                f'<li style="{_STYLE["li"]}"><a href="{_esc(url)}" style="{link}">{_esc(title)}</a></li>'
                for title, url in block.links
            )
            style = _STYLE["links"] + (_STYLE["separator"] if block.separator else "")
            return f'<ul style="{style}">\n{items}\n</ul>'
        case _Group():
            inner = "\n".join(_block_html(b) for b in block.blocks)
            return f'<div style="{_STYLE["separator"] if block.separator else ""}">\n{inner}\n</div>'
        case _Section():
            inner = "\n".join(_block_html(b) for b in block.blocks)
            return f'<div style="{_STYLE["section"]}">\n{_heading_html(block.heading)}\n{inner}\n</div>'
        case _:
            assert_never(block)


def _script_json(card: dict[str, Any]) -> str:
    """The card for Outlook, safe inside a ``<script>`` element. Every ``<`` is written as the JSON
    escape ``\\u003c``: that covers ``</`` (no text can close the element) and also ``<!--`` and
    ``<script``, which would put the HTML parser into the states where ``</script>`` no longer
    closes it; and the raw HTML then holds no ``<a href`` or ``<script`` of partner text for a
    filter to trip over. JSON parsers read the escape back as ``<``."""
    text = json.dumps({**card, "hideOriginalBody": True}, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


def _language(lang: str) -> str:
    if not isinstance(lang, str) or not _LANGUAGE_TAG.match(lang):
        raise ValueError(f"not a language tag: {lang!r}")
    return lang


def render_html(card: dict[str, Any], *, lang: str, title: str) -> str:
    """The card as a complete HTML document that reads well without the card: every text, fact,
    list item, heading and http(s) link, ShowCard contents included; the card itself in the head
    (with ``hideOriginalBody``) for Outlook."""
    blocks = _read(card)
    body = "\n".join(_block_html(b) for b in blocks)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_esc(_language(lang))}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(' '.join(title.split()))}</title>\n"
        f'<script type="application/adaptivecard+json">{_script_json(card)}</script>\n'
        "</head>\n"
        f'<body style="{_STYLE["body"]}">\n'
        f'<div style="{_STYLE["page"]}">\n{body}\n</div>\n'
        "</body>\n"
        "</html>\n"
    )


# --- plain text --------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns `text` takes in a monospaced font (wide East Asian characters take two)."""
    return sum(
        0
        if unicodedata.combining(ch) or ch == "\u2060"
        else 2
        if unicodedata.east_asian_width(ch) in "WF"
        else 1
        for ch in text
    )


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """`text` wrapped at spaces only (long words and URLs stay whole), its own line breaks kept."""
    lines: list[str] = []
    prefix = first
    for line in text.split("\n"):
        wrapped = textwrap.wrap(
            line,
            width=max(width, 20),
            initial_indent=prefix,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines += wrapped or [prefix.rstrip()]
        prefix = rest
    return lines


def _heading_text(block: _Heading, width: int) -> list[str]:
    lines = _wrap(block.text, width)
    rule = "=" if block.level <= 2 else "-" if block.level == 3 else "~"
    return [*lines, rule * min(max(_width(line) for line in lines), width)]


def _block_text(block: _Block, width: int) -> list[str]:
    """One block as lines at most `width` long; blocks are separated by an empty line."""
    match block:
        case _Heading():
            return _heading_text(block, width)
        case _Para():
            return _wrap(block.text, width)
        case _Facts():
            return [
                line for title, value in block.rows for line in _wrap(f"{title}: {value}", width, "", "  ")
            ]
        case _Bullets():
            lines: list[str] = []
            for item in block.items:
                item_lines = _blocks_text(item, width - 2)
                lines += [
                    ("- " if i == 0 else "  ") + line if line else "" for i, line in enumerate(item_lines)
                ]
            return lines
        case _Quote():
            return [f"> {line}".rstrip() for line in _blocks_text(block.blocks, width - 2)]
        case _Links():
            return [line for title, url in block.links for line in _wrap(f"{title}: {url}", width, "", "  ")]
        case _Group():
            return _blocks_text(block.blocks, width)
        case _Section():
            return _blocks_text((block.heading, *block.blocks), width)
        case _:
            assert_never(block)


def _blocks_text(blocks: Sequence[_Block], width: int) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        lines += _block_text(block, width)
    return lines


def render_text(card: dict[str, Any]) -> str:
    """The same content as `render_html`, as plain text: underlined headings, "Title: value"
    facts, "- item" bullets, "> " quotes and "Title: https://…" link lines, wrapped at 72."""
    lines = _blocks_text(_read(card), TEXT_WIDTH)
    return "\n".join(line.rstrip() for line in lines) + "\n"


# --- the message -------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    """Header text on one line: control characters and runs of whitespace become one space."""
    return " ".join("".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).split())


def _address(name: str, addr_spec: str, what: str) -> Address:
    try:
        return Address(display_name=_one_line(name), addr_spec=addr_spec.strip())
    except (ValueError, IndexError) as exc:  # the header parser raises both for bad addresses
        raise ValueError(f"{what} is not one email address: {addr_spec!r}") from exc


def _message_id(message_id: str) -> str:
    match = _MESSAGE_ID.match(message_id.strip())
    if not match:
        raise ValueError(f"not a Message-ID (left@right, no spaces or angle brackets): {message_id!r}")
    return f"<{match.group(1)}>"


def build_message(
    card: dict[str, Any],
    *,
    subject: str,
    sender: str,
    sender_name: str,
    to: str,
    to_name: str,
    locale: str,
    message_id: str,
    date: datetime.datetime,
) -> EmailMessage:
    """The card as an email to one recipient: ``multipart/alternative`` with a UTF-8
    ``text/plain`` part (`render_text`) and then a UTF-8 ``text/html`` part (`render_html`, the
    card embedded for Outlook). `message_id` is ``left@right``, with or without angle brackets;
    `date` must carry a time zone."""
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date needs a time zone (a naive datetime would be sent as -0000)")
    subject = _one_line(subject)
    lang = _language(locale)
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = subject
    msg["From"] = _address(sender_name, sender, "sender")
    msg["To"] = _address(to_name, to, "to")
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = _message_id(message_id)
    msg.set_content(render_text(card), subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(
        render_html(card, lang=lang, title=subject),
        subtype="html",
        charset="utf-8",
        cte="quoted-printable",
    )
    # set_content and add_alternative move Content-* headers into the parts, so the language goes
    # on last: on the message and on each part.
    for part in (msg, *msg.iter_parts()):
        part["Content-Language"] = lang
    if "MIME-Version" not in msg:
        msg["MIME-Version"] = "1.0"
    return msg
