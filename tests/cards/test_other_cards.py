"""Welcome, help, about, the claims list, the status update and the notices."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from cards import (
    NOTICE_KEYS,
    STATUS_TEXT,
    about_card,
    claims_list_card,
    help_card,
    message_card,
    status_changed_card,
    welcome_card,
)
from cards.partner import partner_notice_card
from tests.cards.conftest import make_claim
from tests.cards.walk import actions, all_text, first_view_text, words


def commands(card: dict[str, Any]) -> dict[str, str]:
    facts = [el for el in card["body"] if el["type"] == "FactSet"]
    return {f["title"]: f["value"] for f in facts[0]["facts"]}


def test_welcome_is_short_and_lists_the_commands() -> None:
    card = welcome_card()
    assert set(commands(card)) == {"help", "about", "claims"}
    text = all_text(card)
    assert len(text.split()) <= 60
    assert "This app is not from Microsoft." in text
    run = all_text(welcome_card(sender="Litware Managed Services"))
    assert "Litware Managed Services runs this app. It is not from Microsoft." in run


def test_help_lists_the_commands_and_whom_to_ask() -> None:
    card = help_card()
    assert list(commands(card)) == ["help", "about", "claims"]
    assert "Ask the partner that made it" in all_text(card)


def test_about_explains_cpor_in_plain_words() -> None:
    text = all_text(about_card())
    assert "Claiming Partner of Record (CPOR) is a Microsoft programme." in text
    assert "usage and seat counts" in text
    assert "Once Microsoft approves an association, the partner gets usage and seat counts" in text
    assert "Microsoft says it gets no other customer data." in text
    assert "not the same as buying licences through a partner" in text
    assert "It says they can decline, but not how." in text
    assert "Microsoft's Partner Center documentation" in text
    links = [a for a in actions(about_card()) if a["type"] == "Action.OpenUrl"]
    assert [a["title"] for a in links[:3]] == [
        "Microsoft's page about CPOR",
        "For partners: how claims work",
        "For partners: association issues",
    ]
    assert links[0]["url"] == "https://aka.ms/about-cpor"


def test_claims_list_empty_state() -> None:
    card = claims_list_card([])
    text = all_text(card)
    assert "This app has no partner claims about your organisation." in text
    assert "partner claims about your organisation" in card["fallbackText"]


def test_claims_list_keeps_the_given_order_and_shows_status() -> None:
    claims = [
        make_claim(
            partner_name="Northwind Advisors",
            status="approved",
            submitted_on=datetime.date(2026, 4, 2),
            reported_on=None,
        ),
        make_claim(partner_name="Contoso Consulting", status="under_review"),
    ]
    card = claims_list_card(claims)
    text = all_text(card)
    assert text.index("Northwind Advisors") < text.index("Contoso Consulting")
    assert "Approved, as the partner reported on 2 April 2026." in text  # no report date: the submission date
    assert "Under review, as the partner reported on 19 March 2026." in text
    draft = all_text(claims_list_card([make_claim(status="draft")]))
    assert "Submitted" not in draft
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


def test_claims_list_says_what_each_partner_claims() -> None:
    text = all_text(claims_list_card([make_claim()]))
    assert (
        "These partners say they have told Microsoft that they help your organisation use Microsoft services."
        in text
    )
    assert "It says it helps you use Microsoft Teams, Exchange Online and Microsoft Intune." in text


def test_status_change_says_what_changed_what_it_means_and_what_next() -> None:
    card = status_changed_card(make_claim(status="approved"), "under_review")
    text = all_text(card)
    assert card["body"][0]["text"] == "Sent by Contoso Consulting, not by Microsoft."
    assert "Contoso Consulting reports a new status for its claim" in text
    changed = "Contoso Consulting says the status changed from Under review to Approved on 19 March 2026."
    assert changed in text
    assert "What this status means\nMicrosoft has accepted the claim." in text
    assert "What happens next\n" + STATUS_TEXT["approved"].next in text
    assert "Contoso Consulting told this app about this change." in text
    assert "This app has no link to Microsoft's systems." in text
    assert card["fallbackText"].startswith(
        "Sent by Contoso Consulting, not by Microsoft. Contoso Consulting says its claim about your "
        "organisation changed from"
    )
    assert card["actions"][0]["url"] == "https://aka.ms/about-cpor"
    assert len(words(first_view_text(card))) <= 90  # short: the claim card has the rest


def test_status_change_needs_two_known_different_statuses() -> None:
    with pytest.raises(ValueError, match="did not change"):
        status_changed_card(make_claim(status="approved"), "approved")
    with pytest.raises(ValueError, match="unknown claim status 'pending'"):
        status_changed_card(make_claim(status="approved"), "pending")


@pytest.mark.parametrize("key", NOTICE_KEYS)
def test_notices_are_one_polite_sentence_or_two(key: str) -> None:
    card = message_card(key)
    text = card["body"][0]["text"]
    assert 5 <= len(text.split()) <= 25 and text.endswith(".")
    assert card["fallbackText"] == f"{text} This app is not from Microsoft."
    assert card["speak"] == text
    assert "This app is not from Microsoft." in all_text(card)


def test_notice_texts() -> None:
    assert message_card("notice.other_tenant")["body"][0]["text"] == (
        "This claim is about another organisation, so this app can't show it to you."
    )
    gone = message_card("notice.unknown_claim")["body"][0]["text"]
    # It cannot tell a claim it never had from one it deleted, and knows nothing of Microsoft's.
    assert gone.startswith("This app doesn't have this claim, or no longer has it.")
    assert "That says nothing about Microsoft's records. Ask the partner that sent it." in gone
    assert "Your question was empty" in message_card("notice.question_empty")["body"][0]["text"]


@pytest.mark.parametrize("key", NOTICE_KEYS)
def test_notices_that_end_the_way_to_the_claim_point_on_to_microsofts_page(key: str) -> None:
    links = [a["url"] for a in actions(message_card(key)) if a["type"] == "Action.OpenUrl"]
    dead_end = key in ("notice.other_tenant", "notice.unknown_claim", "notice.not_a_contact")
    assert links == (["https://aka.ms/about-cpor"] if dead_end else [])


def test_a_notice_with_the_bots_own_text_is_shown_as_given_but_inert() -> None:
    card = message_card("Sorry, **that** didn't work: see [here](https://evil.example).")
    assert (
        card["body"][0]["text"]
        == "Sorry, \\*\\*that\\*\\* didn't work: see \\[here\\](https:\u2060//evil\u2024example)."
    )
    assert "**that**" in card["fallbackText"] and "https://" not in card["fallbackText"]


def test_an_unknown_notice_key_or_empty_text_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown notice 'notice.nope'"):
        message_card("notice.nope")
    with pytest.raises(ValueError, match="needs some text"):
        message_card("   ")
    with pytest.raises(ValueError, match="needs some text"):
        message_card("\u200b\u202e\n")


def test_a_name_or_question_with_nothing_to_show_is_left_out() -> None:
    invisible = "\u200b\u202e \u2066\u200d"
    card = partner_notice_card(
        make_claim(), "question", user_name=invisible, text=invisible, customer_name="Fabrikam Ltd"
    )
    facts = {f["title"]: f["value"] for el in card["body"] if el["type"] == "FactSet" for f in el["facts"]}
    assert facts["From"] == "Someone"
    assert not [el for el in card["body"] if el.get("style") == "emphasis"]  # no empty quote
    footer = welcome_card(sender=invisible)["body"][-1]["text"]
    assert footer == "This app is not from Microsoft."


def test_about_explains_other_partner_links_behind_a_button() -> None:
    card = about_card()
    compare = next(a for a in card["actions"] if a["type"] == "Action.ShowCard")
    assert compare["title"] == "Other partner links"
    assert "granular delegated admin privileges (GDAP)" in all_text(compare["card"])
