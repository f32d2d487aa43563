"""The email's HTML part: the card for Outlook in its head, its sections, headings and links in the body."""

from __future__ import annotations

import copy
import json

import cards
from bot.mail.message import render_html, render_text
from cards.samples import CONTOSO, WORST
from tests.bot.mail.support import (
    ORIGINATOR,
    SCRIPT_OPEN,
    SUBJECT,
    check_html,
    claim,
    message,
    script_json,
    shown,
    unescape,
)


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


def test_about_card_showcard_and_links() -> None:
    card = cards.about_card(host="outlook", originator=ORIGINATOR)
    page = check_html(card, render_html(card, lang="en", title="About"))
    assert len(page.links) == 4  # 3 card links and the admin centre link behind the ShowCard
    assert page.links[0] == ("Microsoft's page about CPOR", "https://aka.ms/about-cpor")
    assert (2, "Other partner links") in page.headings


def test_a_form_only_show_card_is_left_out_of_the_email() -> None:
    card = claim()
    document = render_html(card, lang="en", title="t")
    assert "Ask a question" in json.dumps(card)
    visible = document.split("</head>", 1)[1]
    assert "Ask a question" not in visible
    assert "passes your question on" not in visible
