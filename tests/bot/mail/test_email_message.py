"""The claim card as an email: a plain-text part and an HTML part that each carry everything the
card says (ShowCard contents included), the card itself for Outlook, and no way for partner text
to become markup, a script or a link."""

from __future__ import annotations

import copy
import datetime
import email
import email.policy
import html
import json
import re
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest

import cards
from bot.domain.claims import Status
from bot.mail.message import build_message, render_html, render_text
from cards.samples import (
    ALL_WORKLOADS,
    CLAIMS,
    CONTOSO,
    OUTLOOK_ORIGINATOR,
    SENDERS,
    STATUS_CHANGES,
    WORST,
    variants,
)

ORIGINATOR = "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"
assert ORIGINATOR == OUTLOOK_ORIGINATOR
SUBJECT = "Contoso Consulting tells you about its claim to Microsoft"
DATE = datetime.datetime(2026, 3, 12, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
SCRIPT_OPEN = '<script type="application/adaptivecard+json">'
ALLOWED_LINK_HOSTS = {"aka.ms", "learn.microsoft.com", "admin.microsoft.com"}
# Everything the renderer itself writes; any other tag would have come from card text.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "script", "body", "div", "p", "br", "table", "tr", "th", "td",
    "ul", "li", "blockquote", "a", "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip

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


def check_html(card: dict[str, Any], document: str) -> Shown:
    want = expected(card)
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


def check_text(card: dict[str, Any], text: str) -> None:
    want = expected(card)
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


# --- the message ----------------------------------------------------------------------------


def test_message_is_multipart_alternative_text_then_html_in_utf8() -> None:
    msg = message(claim())
    assert msg.get_content_type() == "multipart/alternative"
    plain, rich = list(msg.iter_parts())
    assert plain.get_content_type() == "text/plain"
    assert rich.get_content_type() == "text/html"
    assert plain.get_content_charset() == "utf-8"
    assert rich.get_content_charset() == "utf-8"
    assert not any(p.is_multipart() for p in (plain, rich))


def test_message_headers() -> None:
    msg = message(claim())
    assert msg["Subject"] == SUBJECT
    sender = msg["From"].addresses
    assert len(sender) == 1
    assert sender[0].display_name == "CPOR erklärt — Benachrichtigung"
    assert sender[0].addr_spec == "notifications@cpor.example"
    (to,) = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Anna Schmidt", "anna.schmidt@fabrikam.example")
    assert msg["Date"].datetime == DATE
    assert msg["Message-ID"] == "<dlv_01HV6Q3W2K@cpor.example>"
    assert msg["Content-Language"] == "en"
    assert msg["MIME-Version"] == "1.0"


def test_raw_headers_are_encoded_for_the_wire() -> None:
    card = claim()
    raw = build_message(
        card,
        subject="Jürgen’s partner — Ärger?",
        sender="notifications@cpor.example",
        sender_name="CPOR erklärt",
        to="anna@fabrikam.example",
        to_name="Zoë Müller",
        locale="de",
        message_id="<abc@cpor.example>",
        date=DATE,
    ).as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # RFC 2047 encoded words, no raw UTF-8 in headers
    assert b"\r\nMessage-ID: <abc@cpor.example>\r\n" in head
    assert b"Date: Thu, 12 Mar 2026 09:30:00 +0100" in head
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))  # folded and quoted-printable
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "Jürgen’s partner — Ärger?"
    assert parsed["To"].addresses[0].display_name == "Zoë Müller"


def test_parts_are_the_renderings() -> None:
    card = claim()
    plain, rich = parts(message(card))
    assert plain.replace("\r\n", "\n") == render_text(card)
    assert rich.replace("\r\n", "\n") == render_html(card, lang="en", title=SUBJECT)


def test_german_card_sets_lang_and_content_language() -> None:
    card = claim(locale="de")
    assert card["lang"] == "de"
    msg = message(card, locale="de")
    assert msg["Content-Language"] == "de"
    assert all(part["Content-Language"] == "de" for part in msg.iter_parts())
    plain, rich = parts(msg)
    assert re.search(r'<html lang="de">', rich)
    check_html(card, rich)
    check_text(card, plain)


@pytest.mark.parametrize("locale", cards.SUPPORTED_LOCALES)
def test_every_language(locale: str) -> None:
    card = claim(locale=locale)
    plain, rich = parts(message(card, locale=locale))
    assert f'<html lang="{locale}">' in rich
    check_html(card, rich)
    check_text(card, plain)


def test_header_injection_is_flattened() -> None:
    msg = message(
        claim(),
        subject="Hello\r\nBcc: victim@evil.example\r\n\r\n<b>body</b>",
        to_name='Anna "A" <anna@evil.example>, bob@evil.example\r\nBcc: x@evil.example',
        sender_name="Bot\nX-Evil: 1",
    )
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert msg["Subject"] == "Hello Bcc: victim@evil.example <b>body</b>"
    (to,) = msg["To"].addresses
    assert to.addr_spec == "anna.schmidt@fabrikam.example"
    assert "evil.example" in to.display_name  # kept as a name, quoted, not as an address


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"to": "a@fabrikam.example, b@fabrikam.example"}, "one email address"),
        ({"to": "not an address"}, "one email address"),
        ({"sender": "Bot <bot@cpor.example>"}, "one email address"),
        ({"message_id": "no-at-sign"}, "Message-ID"),
        ({"message_id": "a b@c"}, "Message-ID"),
        ({"date": datetime.datetime(2026, 3, 12, 9, 30)}, "time zone"),
        ({"locale": 'en" onload="x'}, "language tag"),
    ],
)
def test_bad_arguments_are_refused(change: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        message(claim(), **change)


# --- the HTML --------------------------------------------------------------------------------


def test_html_document_head() -> None:
    card = claim()
    document = render_html(card, lang="en", title="Fish & <chips>")
    assert document.startswith("<!DOCTYPE html>\n")
    head = document[: document.index("</head>")]
    assert '<html lang="en">' in document
    assert '<meta charset="utf-8">' in head
    assert "<title>Fish &amp; &lt;chips&gt;</title>" in head
    assert SCRIPT_OPEN in head
    assert script_json(document) == {**card, "hideOriginalBody": True}
    assert "max-width:600px" in document


def test_rendering_does_not_change_the_card() -> None:
    card = claim(WORST)
    before = copy.deepcopy(card)
    render_html(card, lang="en", title=SUBJECT)
    render_text(card)
    message(card)
    assert card == before
    assert "hideOriginalBody" not in card


@pytest.mark.parametrize(
    "summary",
    [CONTOSO, WORST, replace(CONTOSO, workloads=ALL_WORKLOADS)],
    ids=["contoso", "worst", "all_workloads"],
)
def test_claim_email_carries_everything_in_the_card(summary: cards.ClaimSummary) -> None:
    card = claim(summary)
    plain, rich = parts(message(card))
    page = check_html(card, rich)
    check_text(card, plain)
    want = expected(card)
    # The expected lists are not empty: ShowCard contents, bullets, facts and links were found.
    assert "More about this" in want.headings and "Questions and answers" in want.headings
    assert len(want.links) == 3 and len(want.facts) >= 10
    # In the email: the first view's link, then Microsoft's page, then the sections' links.
    assert [title for title, _ in page.links] == [
        "Check Partner relationships",
        "Microsoft's page about CPOR",
        "For partners: how claims work",
    ]
    assert len(page.rows) == len(want.facts)
    assert len(page.items) == len(want.bullets) + len(want.links)  # links are a list too
    if summary.workloads == ALL_WORKLOADS:
        for workload in ALL_WORKLOADS:
            assert (workload.name, workload.plain) in page.rows
            assert f"{workload.name}: {workload.plain}" in norm(plain)


def test_claim_email_structure() -> None:
    card = claim()
    page = shown(render_html(card, lang="en", title=SUBJECT))
    assert page.headings[0] == (1, unescape(card["body"][1]["text"]))  # the headline
    assert page.text.lstrip().startswith("Sent by Contoso Consulting, not by Microsoft.")  # above it
    levels = dict((text, level) for level, text in page.headings)
    assert levels["What Contoso Consulting wrote"] == 2  # a ShowCard: a section
    assert levels["More about this"] == 2
    assert levels["Claim details"] == 3 and levels["Services"] == 4
    assert page.quotes == [CONTOSO.partner_message]
    assert ("Their reference", "SOW-2026-014") in page.rows
    # Bot buttons and inputs are not in the email, nor the note about them.
    for title in ("Got it", "recognise them", "Send", "What can Contoso Consulting see?", "These buttons"):
        assert title not in page.text
    assert "Type your question" not in page.text and "Your question for" not in page.text


@pytest.mark.parametrize(
    "variant",
    list(variants(kinds=cards.KINDS, hosts=("outlook",), locales=("en", "de"))),
    ids=lambda v: v.name,
)
def test_every_outlook_card_kind(variant: Any) -> None:
    card = variant.card
    plain, rich = parts(message(card, locale=variant.locale))
    check_html(card, rich)
    check_text(card, plain)


def test_access_and_status_changed_cards() -> None:
    access = cards.access_card(
        CONTOSO.partner_name, CONTOSO.workloads, host="outlook", originator=ORIGINATOR, claim_id="c1"
    )
    claim_now, previous = STATUS_CHANGES["under_review-approved"]
    changed = cards.status_changed_card(claim_now, previous, host="outlook", originator=ORIGINATOR)
    for card in (access, changed):
        plain, rich = parts(message(card))
        page = check_html(card, rich)
        check_text(card, plain)
        assert page.headings and page.links
        assert "Back to the claim" not in page.text and "Open the claim" not in plain
    assert len(shown(render_html(access, lang="en", title="x")).items) == 3 + 2  # 3 bullets, 2 links


def test_about_card_showcard_and_links() -> None:
    card = cards.about_card(host="outlook", originator=ORIGINATOR)
    page = check_html(card, render_html(card, lang="en", title="About"))
    assert len(page.links) == 4  # 3 card links and the admin centre link behind the ShowCard
    assert page.links[0] == ("Microsoft's page about CPOR", "https://aka.ms/about-cpor")
    assert (2, "Other partner links") in page.headings


# --- hostile text ----------------------------------------------------------------------------


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


def test_text_rendering_shape() -> None:
    text = render_text(claim())
    lines = text.splitlines()
    assert lines[0] == "Sent by Contoso Consulting, not by Microsoft."
    headline = "Contoso Consulting says it told Microsoft it helps your organisation use"
    assert lines[2] == headline and lines[4] == "=" * max(len(lines[2]), len(lines[3]))
    assert lines[3] == "3 Microsoft services."
    assert "Claim details\n-------------\n" in text
    assert "If approved, the partner gets usage and seat counts, and no other\ncustomer data.\n" in text
    assert "> Thanks for the Teams and Intune rollout this spring." in text
    assert "Partner: Contoso Consulting\n" in text
    assert "Microsoft's page about CPOR: https://aka.ms/about-cpor\n" in text
    assert "For partners: how claims work:\n  https://learn.microsoft.com/" in text
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert all(line == line.rstrip() for line in lines)
    assert html.escape("<") not in text  # plain text is not HTML-escaped


def test_not_a_card_is_refused() -> None:
    with pytest.raises(TypeError):
        render_text([])  # type: ignore[arg-type]


def test_a_form_only_show_card_is_left_out_of_the_email() -> None:
    card = claim()
    document = render_html(card, lang="en", title="t")
    assert "Ask a question" in json.dumps(card)
    visible = document.split("</head>", 1)[1]
    assert "Ask a question" not in visible
    assert "passes your question on" not in visible


EMAIL_MAX_WORDS = 500


@pytest.mark.parametrize("sample", ["contoso", "single", "operator", *Status])
def test_the_english_claim_email_stays_under_500_words(sample: str) -> None:
    # The email a contact gets when notified (no answers yet), for a claim of up to three services:
    # everything the card says, More about this included. Each further service adds its own line.
    summary = CLAIMS[sample] if sample in CLAIMS else replace(CONTOSO, status=sample)
    card = cards.claim_card(
        summary, host="outlook", originator=OUTLOOK_ORIGINATOR, sender=SENDERS.get(sample)
    )
    plain, rich = parts(message(card))
    for shown_text in (plain, shown(rich).text):
        counted = [w for w in shown_text.split() if any(ch.isalnum() for ch in w)]
        assert len(counted) < EMAIL_MAX_WORDS, len(counted)


def test_the_email_opens_like_the_cards_first_view() -> None:
    card = cards.claim_card(CONTOSO, host="outlook", originator=OUTLOOK_ORIGINATOR)
    text = render_text(card)
    first_screen = text.split("More about this\n", 1)[0]
    # The sender line on top, then the card's first view in order, without the buttons' note.
    order = [
        "Sent by Contoso Consulting, not by Microsoft.",
        "Contoso Consulting says it told Microsoft",
        "Status: Under review, reported by Contoso Consulting on 19 March 2026",
        "If approved, the partner gets usage and seat counts",
        "This claim itself gives no admin roles.",
        "No action is required from you.",
        "Microsoft's page about CPOR: https://aka.ms/about-cpor",
    ]
    flat = " ".join(first_screen.split())
    positions = [flat.index(" ".join(line.split())) for line in order]
    assert positions == sorted(positions) and positions[0] == 0
