"""The claim card: a short first view that answers who, what, data access and what to do."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cards import LINKS, STATUS_TEXT, ClaimSummary, claim_card
from tests.cards.conftest import ALL_WORKLOADS, make_claim
from tests.cards.walk import actions, all_text, first_view_text, words

ALLOWED_LINKS = {
    "https://learn.microsoft.com/en-us/partner-center/incentives/submit-osa-claim",
    "https://learn.microsoft.com/en-us/partner-center/incentives/incentives-customer-association-issues",
    "https://admin.microsoft.com/AdminPortal/Home#/partners",
}


def show_card(card: dict[str, Any], title_start: str) -> dict[str, Any]:
    for action in actions(card):
        if action["type"] == "Action.ShowCard" and action["title"].startswith(title_start):
            inner: dict[str, Any] = action["card"]
            return inner
    raise AssertionError(f"no ShowCard titled {title_start!r}")


def test_first_view_is_at_most_120_words(contoso_claim: ClaimSummary) -> None:
    count = len(words(first_view_text(claim_card(contoso_claim))))
    assert 60 <= count <= 120


def test_first_view_stays_short_with_every_workload() -> None:
    card = claim_card(make_claim(workloads=ALL_WORKLOADS))
    assert len(words(first_view_text(card))) <= 120


def test_first_view_sentences_are_short(contoso_claim: ClaimSummary) -> None:
    for text in first_view_text(claim_card(contoso_claim)):
        for sentence in re.split(r"(?<=[.?!])\s+", text):
            assert len(sentence.split()) <= 20, sentence


def test_headline_says_who_and_for_which_organisation(contoso_claim: ClaimSummary) -> None:
    headline = claim_card(contoso_claim)["body"][0]
    assert headline["text"] == (
        "Contoso Consulting has told Microsoft it helps Fabrikam Ltd use 3 Microsoft services."
    )
    assert headline["weight"] == "bolder"


def test_a_draft_is_not_described_as_sent() -> None:
    headline = claim_card(make_claim(status="draft"))["body"][0]["text"]
    assert headline.startswith("Contoso Consulting is preparing to tell Microsoft it helps Fabrikam Ltd")
    one = claim_card(make_claim(status="draft", workloads=(ALL_WORKLOADS[0],)))["body"][0]["text"]
    assert one.endswith("use Exchange Online.")


def test_headline_names_a_single_workload() -> None:
    card = claim_card(make_claim(workloads=ALL_WORKLOADS[3:4]))
    assert card["body"][0]["text"].endswith("helps Fabrikam Ltd use Microsoft Teams.")


def test_facts_give_workloads_in_plain_words_date_and_status(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts == {
        "Partner": "Contoso Consulting",
        "Your organisation": "Fabrikam Ltd",
        "Solution area": "Modern Work and Security",
        "Services": "Chat and teamwork (Microsoft Teams); Email and calendars (Exchange Online); "
        "Managing and securing devices (Microsoft Intune)",
        "Submitted": "12 March 2026",
        "Status": "Under review: Microsoft is checking the partner's proof of work.",
    }


def test_many_workloads_show_three_then_the_rest_behind_more() -> None:
    card = claim_card(make_claim(workloads=ALL_WORKLOADS))
    services = next(f["value"] for f in card["body"][2]["facts"] if f["title"] == "Services")
    assert services == (
        "Exchange Online, SharePoint Online, Microsoft 365 Apps and 23 more, listed under More about this"
    )
    more = show_card(card, "More about this")
    listed = [f["title"] for el in more["body"] if el["type"] == "FactSet" for f in el["facts"]]
    assert listed == [w.name for w in ALL_WORKLOADS]


def test_first_view_answers_access_and_what_to_do(contoso_claim: ClaimSummary) -> None:
    first = "\n".join(first_view_text(claim_card(contoso_claim)))
    assert "What this gives Contoso Consulting" in first
    assert "Usage and seat counts for these services" in first
    assert "What it does not give" in first
    for point in ("Your mail, files, chats or other data", "Admin rights", "billing, licences or contracts"):
        assert point in first
    assert "Do I need to do anything?" in first
    assert "No. If you don't agree, you can decline at any time. Questions? Ask Contoso Consulting." in first


def test_closed_claims_do_not_offer_a_decline() -> None:
    for status in ("customer_declined", "rejected_final"):
        first = "\n".join(first_view_text(claim_card(make_claim(status=status))))
        assert "No. This claim is closed." in first
        assert "decline at any time" not in first
        assert STATUS_TEXT[status].label in first


def test_partner_words_are_labelled_and_kept_out_of_the_first_view(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    first = "\n".join(first_view_text(card))
    assert "Thanks for the Teams" not in first
    assert "SOW-2026-014" not in first
    words_card = show_card(card, "What Contoso Consulting wrote")
    text = all_text(words_card)
    assert "Contoso Consulting wrote this. Microsoft and this app have not checked it." in text
    assert "Message from Contoso Consulting\nThanks for the Teams and Intune rollout" in text
    assert "Reference given by Contoso Consulting\nSOW-2026-014" in text


def test_no_partner_words_no_button() -> None:
    card = claim_card(make_claim(partner_message="  \n ", partner_reference=None))
    titles = [a["title"] for a in actions(card)]
    assert not any(t.endswith("wrote") for t in titles)
    assert "Message from" not in json.dumps(card)


def test_reference_alone_still_gets_the_labelled_button() -> None:
    card = claim_card(make_claim(partner_message=None, partner_reference="PO-77"))
    text = all_text(show_card(card, "What Contoso Consulting wrote"))
    assert "Reference given by Contoso Consulting\nPO-77" in text
    assert "Message from" not in text


def test_access_details_sit_behind_what_can_partner_see(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    text = all_text(show_card(card, "What can Contoso Consulting see?"))
    assert "monthly active users" in text and "GDAP" in text and "proof of execution (POE)" in text


def test_long_partner_names_are_shortened_in_buttons() -> None:
    card = claim_card(make_claim(partner_name="Contoso Consulting and Managed Services International Ltd"))
    titles = [a["title"] for a in actions(card)]
    assert "What can Contoso Consulting and\u2026 see?" in titles


def test_more_explains_why_next_step_and_source(contoso_claim: ClaimSummary) -> None:
    text = all_text(show_card(claim_card(contoso_claim), "More about this"))
    assert "Claiming Partner of Record (CPOR)" in text
    assert "may pay them incentives" in text
    assert STATUS_TEXT["under_review"].next in text
    assert "This card is not from Microsoft." in text
    assert "Claim number in this app: clm\\_01HV6Q3W2K" in text


def test_links_go_only_to_verified_microsoft_pages(contoso_claim: ClaimSummary) -> None:
    urls = [a["url"] for a in actions(claim_card(contoso_claim)) if a["type"] == "Action.OpenUrl"]
    assert set(urls) == ALLOWED_LINKS == set(LINKS.values())


def test_card_never_presents_itself_as_microsoft(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    text = json.dumps(card)
    assert "from Microsoft" not in text.replace("not from Microsoft", "")
    assert "Microsoft Security" not in text and "logo" not in text.lower()
    assert not [n for n in card["body"] if n["type"] == "Image"]


def test_speak_is_a_short_summary(contoso_claim: ClaimSummary) -> None:
    speak = claim_card(contoso_claim)["speak"]
    assert speak.startswith("Contoso Consulting has told Microsoft it helps Fabrikam Ltd")
    assert "No action is required from you." in speak


def test_a_claim_without_workloads_is_refused() -> None:
    with pytest.raises(ValueError, match="no workloads"):
        claim_card(make_claim(workloads=()))


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown claim status 'pending'"):
        claim_card(make_claim(status="pending"))


def test_buttons_sit_next_to_what_they_expand(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    body = card["body"]
    assert body[2]["type"] == "FactSet"
    assert body[3]["type"] == "ActionSet"
    assert [a["title"] for a in body[3]["actions"]] == ["What Contoso Consulting wrote"]
    after_list = next(i for i, el in enumerate(body) if el.get("text") == "What it does not give") + 2
    assert [a["title"] for a in body[after_list]["actions"]] == ["What can Contoso Consulting see?"]
    assert [a["title"] for a in card["actions"]] == ["More about this", "Microsoft's explanation"]
