"""The card's content as an HTML document that reads well without the card, with the card itself in
the head for Outlook. Every string is HTML-escaped; only http(s) links become links."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any, assert_never

from bot.mail.blocks import Block, Bullets, Facts, Group, Heading, Links, Para, Quote, Section, read_card
from cards.markdown import one_line
from cards.model import WebLink

_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")

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


def _heading_html(block: Heading) -> str:
    size = _HEADING_SIZES.get(block.level, "15px")
    style = f"margin:20px 0 8px 0;font-size:{size};line-height:1.3;font-weight:600;"
    if block.separator:
        style += _STYLE["separator"] + "margin-top:24px;"
    return f'<h{block.level} style="{style}">{_esc_lines(block.text)}</h{block.level}>'


def _inner_html(blocks: Sequence[Block]) -> str:
    """Blocks inside a list item or quote: a lone paragraph as bare text, else the blocks."""
    if len(blocks) == 1 and isinstance(blocks[0], Para) and not blocks[0].subtle:
        return _esc_lines(blocks[0].text)
    return "\n".join(_block_html(b, last=i == len(blocks) - 1) for i, b in enumerate(blocks))


def _block_html(block: Block, *, last: bool = False) -> str:
    match block:
        case Heading():
            return _heading_html(block)
        case Para():
            style = _STYLE["p"] if not last else "margin:0;"
            if block.subtle:
                style += _STYLE["subtle"]
            if block.small:
                style += _STYLE["small"]
            if block.separator:
                style += _STYLE["separator"]
            return f'<p style="{style}">{_esc_lines(block.text)}</p>'
        case Facts():
            rows = "\n".join(
                f'<tr><th scope="row" style="{_STYLE["th"]}">{_esc_lines(title)}</th>'
                f'<td style="{_STYLE["td"]}">{_esc_lines(value)}</td></tr>'
                for title, value in block.rows
            )
            return f'<table role="presentation" style="{_STYLE["table"]}">\n{rows}\n</table>'
        case Bullets():
            items = "\n".join(f'<li style="{_STYLE["li"]}">{_inner_html(item)}</li>' for item in block.items)
            return f'<ul style="{_STYLE["ul"]}">\n{items}\n</ul>'
        case Quote():
            return f'<blockquote style="{_STYLE["blockquote"]}">{_inner_html(block.blocks)}</blockquote>'
        case Links():
            link = _STYLE["a"]
            items = "\n".join(
                f'<li style="{_STYLE["li"]}"><a href="{_esc(url)}" style="{link}">{_esc(title)}</a></li>'
                for title, url in block.links
            )
            style = _STYLE["links"] + (_STYLE["separator"] if block.separator else "")
            return f'<ul style="{style}">\n{items}\n</ul>'
        case Group():
            inner = "\n".join(_block_html(b) for b in block.blocks)
            return f'<div style="{_STYLE["separator"] if block.separator else ""}">\n{inner}\n</div>'
        case Section():
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


def language(lang: str) -> str:
    if not isinstance(lang, str) or not _LANGUAGE_TAG.match(lang):
        raise ValueError(f"not a language tag: {lang!r}")
    return lang


def render_html(card: dict[str, Any], *, lang: str, title: str, web_link: WebLink | None = None) -> str:
    """The card as a complete HTML document that reads well without the card: every text, fact,
    list item, heading and http(s) link, ShowCard contents included; the card itself in the head
    (with ``hideOriginalBody``) for Outlook. With `web_link`, the reader's own link after the card's
    body, in the language `lang`."""
    blocks = read_card(card, web_link=web_link, locale=language(lang))
    body = "\n".join(_block_html(b) for b in blocks)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_esc(language(lang))}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(one_line(title))}</title>\n"
        f'<script type="application/adaptivecard+json">{_script_json(card)}</script>\n'
        "</head>\n"
        f'<body style="{_STYLE["body"]}">\n'
        f'<div style="{_STYLE["page"]}">\n{body}\n</div>\n'
        "</body>\n"
        "</html>\n"
    )
