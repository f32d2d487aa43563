"""Welcome, help, about and the claims list."""

from __future__ import annotations

import datetime
from typing import Any

from cards import about_card, claims_list_card, help_card, welcome_card
from tests.cards.conftest import make_claim
from tests.cards.walk import all_text


def commands(card: dict[str, Any]) -> dict[str, str]:
    facts = [el for el in card["body"] if el["type"] == "FactSet"]
    return {f["title"]: f["value"] for f in facts[0]["facts"]}


def test_welcome_is_short_and_lists_the_commands() -> None:
    card = welcome_card()
    assert set(commands(card)) == {"help", "about", "claims"}
    text = all_text(card)
    assert len(text.split()) <= 60
    assert "This app is not from Microsoft." in text


def test_help_lists_the_commands_and_whom_to_ask() -> None:
    card = help_card()
    assert list(commands(card)) == ["help", "about", "claims"]
    assert "Ask the partner that made it" in all_text(card)


def test_about_explains_cpor_in_plain_words() -> None:
    text = all_text(about_card())
    assert "Claiming Partner of Record (CPOR) is a Microsoft programme." in text
    assert "usage and seat counts" in text
    assert "don't get any other customer data" in text
    assert "not the same as buying licences through a partner" in text
    assert "No action is required from you." in text
    assert "Microsoft's Partner Center documentation" in text


def test_claims_list_empty_state() -> None:
    card = claims_list_card([])
    text = all_text(card)
    assert "This app has no partner claims about your organisation." in text
    assert "partner claims about your organisation" in card["fallbackText"]


def test_claims_list_keeps_the_given_order_and_shows_status() -> None:
    claims = [
        make_claim(
            partner_name="Northwind Advisors", status="approved", submitted_on=datetime.date(2026, 4, 2)
        ),
        make_claim(partner_name="Contoso Consulting", status="under_review"),
    ]
    card = claims_list_card(claims)
    text = all_text(card)
    assert text.index("Northwind Advisors") < text.index("Contoso Consulting")
    assert "Approved. Submitted 2 April 2026." in text
    assert "Under review. Submitted 12 March 2026." in text
    assert "Microsoft Teams, Exchange Online and Microsoft Intune" in text
    assert "2 partner claims" in text


def test_claims_list_caps_at_ten_and_says_how_many_more() -> None:
    claims = [make_claim(partner_name=f"Partner {n:02d}") for n in range(12)]
    text = all_text(claims_list_card(claims))
    assert "Partner 09" in text and "Partner 10" not in text
    assert "2 more claims are not shown." in text
    assert "12 partner claims" in text


def test_claims_list_singular_more() -> None:
    text = all_text(claims_list_card([make_claim()] * 11))
    assert "1 more claim is not shown." in text
