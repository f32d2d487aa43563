"""Partner text in the email stays text: no markup, script or link comes of it, in either part."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest

import cards
from bot.mail.message import render_html, render_text
from cards.samples import WORST
from tests.bot.mail.support import (
    ALLOWED_TAGS,
    SCRIPT_OPEN,
    check_html,
    check_text,
    claim,
    expected,
    message,
    parts,
    shown,
)

ALLOWED_LINK_HOSTS = {"aka.ms", "learn.microsoft.com", "admin.microsoft.com"}

# Text aimed at the HTML and the script element rather than at markdown.
HTML_ATTACK = (
    '</script><script>alert(1)</script> <!--<script> <a href="https://evil.example/x">go</a> '
    "<img src=x onerror=alert(2)> \" onmouseover='alert(3)' &lt;b&gt; &amp; "
    "[x](https://evil.example) **bold** <style>body{display:none}</style> </SCRIPT >"
)
SCRIPTED = replace(
    WORST,
    partner_name=HTML_ATTACK[:100],
    customer_name=HTML_ATTACK[:100],
    partner_message=HTML_ATTACK,
    partner_reference="</script><script>alert(4)</script>",
)


def card_links(card: dict[str, Any]) -> set[str]:
    return {url for _, url in expected(card).links}


@pytest.mark.parametrize("summary", [WORST, SCRIPTED], ids=["worst", "scripted"])
def test_partner_text_stays_inert_in_html(summary: cards.ClaimSummary) -> None:
    card = claim(summary)
    document = parts(message(card))[1]
    page = check_html(card, document)
    # One script element: the card. Links: only the card's own, all to Microsoft over https.
    assert document.lower().count("<script") == 1
    assert len(page.scripts) == 1
    hrefs = [href for _, href in page.links]
    assert set(hrefs) == card_links(card)
    assert {urlsplit(h).scheme for h in hrefs} == {"https"}
    assert {urlsplit(h).hostname for h in hrefs} <= ALLOWED_LINK_HOSTS
    assert document.count("<a href") == len(hrefs)
    assert "evil" not in " ".join(hrefs)
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert tag in ALLOWED_TAGS
    # The script element ends where the card ends: no raw "</script>", "</" or "<!--" inside
    # (every "<" of the card is written "\u003c").
    start = document.index(SCRIPT_OPEN) + len(SCRIPT_OPEN)
    block = document[start : document.index("</script>", start)]
    assert "<" not in block
    assert "\\u003c/script>" in block if summary is SCRIPTED else "\\u003cb>" in block
    assert json.loads(block) == {**card, "hideOriginalBody": True}
    # The hostile text is shown, as text.
    body = document[document.index("<body") :]
    assert "[click](https:" in page.text or "[x](https:" in page.text
    assert "**" in page.text
    if summary is SCRIPTED:
        assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "&lt;img src=x onerror=alert(2)&gt;" in body
        assert "</script><script>alert(1)" in page.text  # what the reader sees, as typed
        assert "</script><script>alert(4)</script>" in [value for _, value in page.rows]


def test_partner_text_in_plain_text_is_as_the_card_shows_it() -> None:
    card = claim(SCRIPTED)
    plain = parts(message(card))[0]
    check_text(card, plain)
    assert "</script><script>alert(4)</script>" in plain
    assert "\\<" not in plain and "\\*" not in plain and "\\[" not in plain  # markdown escapes undone
    # The builders' link defusing stays: no client turns partner text into a link.
    assert "https://evil" not in plain and "evil.example" not in plain


def test_markdown_escapes_are_undone_once() -> None:
    card = {
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": r"a \\ b \* c \_ d \[e\] \<f> \&amp; \# 1\. x\y", "wrap": True},
        ],
    }
    page = shown(render_html(card, lang="en", title="t"))
    assert page.text == r"a \ b * c _ d [e] <f> &amp; # 1. x\y"
    assert "a \\ b * c _ d [e] <f> &amp; # 1. x\\y" in render_text(card)


def test_only_http_links_become_links() -> None:
    card = {
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": "Hello", "wrap": True},
            {"type": "Input.Text", "id": "q", "label": "Secret label"},
            {
                "type": "ActionSet",
                "actions": [
                    {"type": "Action.OpenUrl", "title": "JS", "url": "javascript:alert(1)"},
                    {"type": "Action.OpenUrl", "title": "Data", "url": "data:text/html,<b>x</b>"},
                    {"type": "Action.OpenUrl", "title": "Relative", "url": "/path"},
                    {"type": "Action.OpenUrl", "title": "Spaced", "url": "https://a.example/ x"},
                    {"type": "Action.OpenUrl", "title": "Quoted", "url": 'https://a.example/"><b>'},
                    {"type": "Action.Submit", "title": "Submit me", "data": {}},
                    {"type": "Action.Execute", "title": "Execute me", "verb": "v"},
                ],
            },
        ],
        "actions": [{"type": "Action.OpenUrl", "title": "Plain <b>", "url": "http://b.example/?a=1&b=2"}],
    }
    document = render_html(card, lang="en", title="t")
    page = shown(document)
    assert page.links == [("Quoted", 'https://a.example/"><b>'), ("Plain <b>", "http://b.example/?a=1&b=2")]
    assert 'href="https://a.example/&quot;&gt;&lt;b&gt;"' in document
    assert 'href="http://b.example/?a=1&amp;b=2"' in document
    for gone in ("JS", "Data", "Relative", "Spaced", "Submit me", "Execute me", "Secret label"):
        assert gone not in page.text
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    text = render_text(card)
    assert "Plain <b>: http://b.example/?a=1&b=2" in text and "javascript" not in text
