"""What the email tests share: a card built into an email and parsed back as a mail client would,
what the card says read from its JSON, what the HTML shows read back with a parser, and the checks
that each part carries everything the card says."""

from __future__ import annotations

import datetime
import email
import email.policy
import json
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

import cards
from bot.mail.message import build_message
from cards.common import web_link_words
from cards.model import WebLink
from cards.samples import (
    CONTOSO,
    OUTLOOK_ORIGINATOR,
)

ORIGINATOR = "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"
assert ORIGINATOR == OUTLOOK_ORIGINATOR
SUBJECT = "Contoso Consulting tells you about its claim to Microsoft"
DATE = datetime.datetime(2026, 3, 12, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
SCRIPT_OPEN = '<script type="application/adaptivecard+json">'
# Everything the renderer itself writes; any other tag would have come from card text.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "script", "body", "div", "p", "br", "table", "tr", "th", "td",
    "ul", "li", "blockquote", "a", "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip


def claim(summary: cards.ClaimSummary = CONTOSO, locale: str = "en") -> dict[str, Any]:
    return cards.claim_card(summary, host="outlook", originator=ORIGINATOR, locale=locale)


def message(card: dict[str, Any], **changes: Any) -> EmailMessage:
    """The card built into an email, sent through bytes and parsed back as a mail client would."""
    args: dict[str, Any] = {
        "subject": SUBJECT,
        "sender": "notifications@cpor.example",
        "sender_name": "CPOR erklärt — Benachrichtigung",
        "to": "anna.schmidt@fabrikam.example",
        "to_name": "Anna Schmidt",
        "locale": "en",
        "message_id": "dlv_01HV6Q3W2K@cpor.example",
        "date": DATE,
        **changes,
    }
    built = build_message(card, **args)
    parsed = email.message_from_bytes(built.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(msg: EmailMessage) -> tuple[str, str]:
    plain, rich = list(msg.iter_parts())
    return plain.get_content(), rich.get_content()


# --- what the card says, read straight from its JSON ---------------------------------------------

_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape(text: str) -> str:
    return _MD_ESCAPE.sub(r"\1", text)


@dataclass
class Expected:
    """Everything a reader of the card can see, unescaped: ShowCard contents included, inputs and
    bot buttons left out."""

    headings: list[str] = field(default_factory=list)  # bold TextBlocks and ShowCard titles
    texts: list[str] = field(default_factory=list)  # other TextBlocks
    facts: list[tuple[str, str]] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # OpenUrl (title, url)


def expected(card: dict[str, Any]) -> Expected:
    out = Expected()

    def visit(node: Any, *, in_bullet: bool = False, in_quote: bool = False) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item, in_bullet=in_bullet, in_quote=in_quote)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type", "")
        if kind.startswith("Input.") or kind in ("Action.Execute", "Action.Submit"):
            return
        if str(node.get("id", "")).startswith("card-only-"):
            return  # speaks of the card's buttons: not in the email
        if kind == "TextBlock":
            text = unescape(node["text"])
            if text == "\u2022":
                return
            if node.get("weight") == "bolder":
                out.headings.append(text)
            elif in_bullet:
                out.bullets.append(text)
            elif in_quote:
                out.quotes.append(text)
            else:
                out.texts.append(text)
            return
        if kind == "FactSet":
            out.facts += [(unescape(f["title"]), unescape(f["value"])) for f in node["facts"]]
            return
        if kind == "Action.OpenUrl":
            out.links.append((node["title"], node["url"]))
            return
        if kind == "Action.ShowCard":
            body = node["card"].get("body", [])
            if any(str(el.get("type", "")).startswith("Input.") for el in body):
                return  # a form: the email cannot send it, so it is left out
            out.headings.append(node["title"])
            visit(node["card"])
            return
        if kind == "ColumnSet":
            columns = node["columns"]
            first = columns[0]["items"]
            if len(first) == 1 and first[0].get("text") == "\u2022":
                visit(columns[1:], in_bullet=True, in_quote=in_quote)
                return
        quote = in_quote or (kind == "Container" and node.get("style") == "emphasis")
        for key in ("body", "items", "columns", "actions"):
            visit(node.get(key, []), in_bullet=in_bullet, in_quote=quote)

    visit(card)
    return out


# --- what the HTML shows, read back with an HTML parser -----------------------------------------


class Shown(HTMLParser):
    """The text of each heading, table row, list item, quote and link, the tags used, and all the
    visible text (the head and its script excluded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[tuple[int, str]] = []
        self.rows: list[tuple[str, str]] = []
        self.items: list[str] = []
        self.quotes: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.scripts: list[str] = []
        self.visible: list[str] = []
        self._open: list[tuple[str, dict[str, str | None], list[str]]] = []
        self._cells: list[str] = []
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "head":
            self._in_head = True
        if tag in ("br", "meta"):
            return
        self._open.append((tag, dict(attrs), []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        while self._open:
            name, attrs, chunks = self._open.pop()
            text = " ".join("".join(chunks).split())
            for _, _, outer in self._open:
                outer.append("".join(chunks))
            if name == tag:
                break
        else:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append((int(tag[1]), text))
        elif tag in ("th", "td"):
            self._cells.append(text)
        elif tag == "tr":
            assert len(self._cells) == 2, self._cells
            self.rows.append((self._cells[0], self._cells[1]))
            self._cells = []
        elif tag == "li":
            self.items.append(text)
        elif tag == "blockquote":
            self.quotes.append(text)
        elif tag == "a":
            self.links.append((text, attrs.get("href") or ""))
        elif tag == "script":
            self.scripts.append("".join(chunks))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2].append(data)
        if not self._in_head:
            self.visible.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.visible).split())


def shown(document: str) -> Shown:
    parser = Shown()
    parser.feed(document)
    parser.close()
    return parser


def norm(text: str) -> str:
    return " ".join(text.split())


def script_json(document: str) -> Any:
    start = document.index(SCRIPT_OPEN) + len(SCRIPT_OPEN)
    end = document.index("</script>", start)
    return json.loads(document[start:end])


# --- the checks, shared by every card ---------------------------------------------------------


def with_link(want: Expected, link: WebLink | None, locale: str) -> Expected:
    """What the reader sees, with the email's own words around the reader's link, if any."""
    if link is not None:
        title, note = web_link_words(link, locale)
        want.links.append((title, link.url))
        want.texts.append(note)
    return want


def check_html(
    card: dict[str, Any], document: str, *, link: WebLink | None = None, locale: str = "en"
) -> Shown:
    want = with_link(expected(card), link, locale)
    page = shown(document)
    headings = [text for _, text in page.headings]
    for heading in want.headings:
        assert norm(heading) in headings, heading
    for fact in want.facts:
        assert (norm(fact[0]), norm(fact[1])) in page.rows, fact
    for bullet in want.bullets:
        assert norm(bullet) in page.items, bullet
    for quoted in want.quotes:
        assert any(norm(quoted) in q for q in page.quotes), quoted
    for text in want.texts:
        assert norm(text) in page.text, text
    for title, url in want.links:
        assert (norm(title), url) in page.links, url
    # Nothing but the card's own links, and nothing that is not in the card.
    assert {href for _, href in page.links} == {url for _, url in want.links}
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    assert [tag for tag, _ in page.tags].count("script") == 1
    assert document.lower().count("<script") == 1
    assert script_json(document) == {**card, "hideOriginalBody": True}
    return page


def text_lines(text: str) -> str:
    """The plain-text part with quote markers taken off, on one line."""
    return norm("\n".join(re.sub(r"^> ?", "", line) for line in text.splitlines()))


def check_text(card: dict[str, Any], text: str, *, link: WebLink | None = None, locale: str = "en") -> None:
    want = with_link(expected(card), link, locale)
    flat = text_lines(text)
    for heading in want.headings:
        assert norm(heading) in flat, heading
    for title, value in want.facts:
        assert norm(f"{title}: {value}") in flat, (title, value)
    for bullet in want.bullets:
        assert norm(f"- {bullet}") in flat, bullet
    for block in want.texts + want.quotes:
        assert norm(block) in flat, block
    for title, url in want.links:
        assert f"{norm(title)}: {url}" in flat, url
        assert any(line.strip().endswith(url) for line in text.splitlines()), url  # never broken
    for line in text.splitlines():  # wrapped, except where a single word or URL is longer
        assert len(line) <= 72 or " " not in line.strip().split(" ", 1)[-1], line
