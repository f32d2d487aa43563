"""The card's content as plain text, wrapped at 72 columns (URLs are never broken)."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence
from typing import Any, assert_never

from bot.mail.blocks import Block, Bullets, Facts, Group, Heading, Links, Para, Quote, Section, read_card
from cards.model import WebLink

TEXT_WIDTH = 72  # plain-text lines wrap at this many characters (URLs are never broken)

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


def _heading_text(block: Heading, width: int) -> list[str]:
    lines = _wrap(block.text, width)
    rule = "=" if block.level <= 2 else "-" if block.level == 3 else "~"
    return [*lines, rule * min(max(_width(line) for line in lines), width)]


def _block_text(block: Block, width: int) -> list[str]:
    """One block as lines at most `width` long; blocks are separated by an empty line."""
    match block:
        case Heading():
            return _heading_text(block, width)
        case Para():
            return _wrap(block.text, width)
        case Facts():
            return [
                line for title, value in block.rows for line in _wrap(f"{title}: {value}", width, "", "  ")
            ]
        case Bullets():
            lines: list[str] = []
            for item in block.items:
                item_lines = _blocks_text(item, width - 2)
                lines += [
                    ("- " if i == 0 else "  ") + line if line else "" for i, line in enumerate(item_lines)
                ]
            return lines
        case Quote():
            return [f"> {line}".rstrip() for line in _blocks_text(block.blocks, width - 2)]
        case Links():
            return [line for title, url in block.links for line in _wrap(f"{title}: {url}", width, "", "  ")]
        case Group():
            return _blocks_text(block.blocks, width)
        case Section():
            return _blocks_text((block.heading, *block.blocks), width)
        case _:
            assert_never(block)


def _blocks_text(blocks: Sequence[Block], width: int) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        lines += _block_text(block, width)
    return lines


def render_text(card: dict[str, Any], *, web_link: WebLink | None = None, locale: str = "en") -> str:
    """The same content as `render_html`, as plain text: underlined headings, "Title: value"
    facts, "- item" bullets, "> " quotes and "Title: https://…" link lines, wrapped at 72; with
    `web_link`, the reader's own link after the card's body, in `locale`."""
    lines = _blocks_text(read_card(card, web_link=web_link, locale=locale), TEXT_WIDTH)
    return "\n".join(line.rstrip() for line in lines) + "\n"
