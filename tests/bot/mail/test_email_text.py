"""The email's plain-text part: its shape, and it opens as the card's first view does."""

from __future__ import annotations

import html

import pytest

import cards
from bot.mail.message import render_text
from cards.samples import CONTOSO, OUTLOOK_ORIGINATOR
from tests.bot.mail.support import claim


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
        "Microsoft's page about CPOR: https://aka.ms/about-cpor",
        "No action is required. Microsoft says you can decline, but not how.",
    ]
    flat = " ".join(first_screen.split())
    positions = [flat.index(" ".join(line.split())) for line in order]
    assert positions == sorted(positions) and positions[0] == 0
