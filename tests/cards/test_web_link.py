"""The reader's own link on the claim card: an "Open in a browser" button when the data carries one,
a word on why not to pass it on, and nothing at all when it does not."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cards import SUPPORTED_LOCALES, ClaimSummary, claim_card, status_changed_card
from cards.common import CARD_ONLY_PREFIX
from cards.i18n import text_for
from cards.samples import SAMPLE_LINK
from tests.cards.conftest import OUTLOOK_ORIGINATOR, make_claim
from tests.cards.walk import actions, all_text, first_view_text, links_in_reading_order

LINKED = make_claim(web_link=SAMPLE_LINK)


def browser_buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in actions(card) if a.get("url") == SAMPLE_LINK.url]


@pytest.mark.parametrize("host", ["teams", "outlook"])
def test_the_button_opens_the_readers_own_link(host: str) -> None:
    card = claim_card(LINKED, host=host, originator=OUTLOOK_ORIGINATOR if host == "outlook" else None)
    (button,) = browser_buttons(card)
    assert button == {"type": "Action.OpenUrl", "title": "Open in a browser", "url": SAMPLE_LINK.url}
    # On a row of its own, marked as the card's own (the email says it in its own words), just
    # above the note on the buttons that tell the partner, which it is not one of.
    (row,) = [el for el in card["body"] if el["type"] == "ActionSet" and el["actions"] == [button]]
    assert row["id"].startswith(CARD_ONLY_PREFIX)
    after = card["body"][card["body"].index(row) + 1]
    assert after["text"] == "These buttons only tell the partner, with your name."
    # Microsoft's page stays the first link the reader meets.
    assert links_in_reading_order(card)[0] == "https://aka.ms/about-cpor"


def test_more_about_this_says_the_link_is_the_readers_alone_and_until_when() -> None:
    text = all_text(claim_card(LINKED))
    assert "Can I share my link to this claim?" in text
    assert "No. The link is yours alone: anyone with it can see this claim and answer as you." in text
    assert "It works until 17 June 2026." in text
    # Not in the first view, which stays as short as before.
    assert first_view_text(claim_card(LINKED)) == first_view_text(claim_card(make_claim()))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_language_has_the_button(locale: str) -> None:
    (button,) = browser_buttons(claim_card(LINKED, locale=locale))
    assert button["title"] == text_for(locale)("claim.open_web")
    translated = locale == "en" or button["title"] != "Open in a browser"
    assert button["title"].strip() and translated


def test_without_a_link_the_card_is_as_before(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    assert not [a for a in actions(card) if "/c/" in a.get("url", "")]
    assert "yours alone" not in all_text(card)
    assert claim_card(replace(LINKED, web_link=None)) == card


def test_only_the_claim_card_shows_it() -> None:
    # A status message is short, and its email gives the link in its own words.
    assert browser_buttons(status_changed_card(replace(LINKED, status="approved"), "under_review")) == []
