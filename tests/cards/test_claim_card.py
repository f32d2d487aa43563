"""The claim card: a short first view that answers who, what, data access and what to do."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cards import LINKS, STATUS_TEXT, ClaimSummary, claim_card
from tests.cards.conftest import ALL_WORKLOADS, EXCHANGE, TEAMS, make_claim
from tests.cards.walk import actions, all_text, first_view_text

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


def first_view(card: dict[str, Any]) -> str:
    return "\n".join(first_view_text(card))


def first_facts(card: dict[str, Any]) -> dict[str, str]:
    facts = next(el for el in card["body"] if el["type"] == "FactSet")["facts"]
    return {f["title"]: f["value"] for f in facts}


def test_headline_says_who_and_how_many_of_your_services(contoso_claim: ClaimSummary) -> None:
    headline = claim_card(contoso_claim)["body"][0]
    assert headline["text"] == (
        "Contoso Consulting has told Microsoft it helps your organisation use 3 Microsoft services."
    )
    assert headline["weight"] == "bolder" and headline["style"] == "heading"


def test_a_draft_is_not_described_as_sent() -> None:
    headline = claim_card(make_claim(status="draft"))["body"][0]["text"]
    assert headline.startswith("Contoso Consulting plans to tell Microsoft it helps your organisation")
    one = claim_card(make_claim(status="draft", workloads=(ALL_WORKLOADS[0],)))["body"][0]["text"]
    assert one.endswith("use Exchange Online.")


def test_headline_names_a_single_workload() -> None:
    card = claim_card(make_claim(workloads=ALL_WORKLOADS[3:4]))
    assert card["body"][0]["text"].endswith("helps your organisation use Microsoft Teams.")


def test_first_view_facts_give_workloads_in_plain_words_date_and_status(contoso_claim: ClaimSummary) -> None:
    assert first_facts(claim_card(contoso_claim)) == {
        "Services": "Chat and teamwork (Microsoft Teams); Email and calendars (Exchange Online); "
        "Managing and securing devices (Microsoft Intune)",
        "Submitted": "12 March 2026",
        "Status": "Under review: Microsoft is checking the partner's proof of work.",
    }


def test_claim_details_hold_every_fact_the_partner_gave(contoso_claim: ClaimSummary) -> None:
    details = show_card(claim_card(contoso_claim), "More about this")
    facts = {f["title"]: f["value"] for el in details["body"] if el["type"] == "FactSet" for f in el["facts"]}
    assert facts["Partner"] == "Contoso Consulting"
    assert facts["Your organisation"] == "Fabrikam Ltd"
    assert facts["Solution area"] == "Modern Work and Security"
    assert facts["Submitted"] == "12 March 2026"
    assert facts["Status"] == "Under review"
    assert facts["Claim number in this app"] == "clm\\_01HV6Q3W2K"
    assert facts["Microsoft Intune"] == "Managing and securing devices"
    text = all_text(details)
    assert "Contoso Consulting gave this app these details, including your organisation's name." in text
    assert "What happens next\n" + STATUS_TEXT["under_review"].next in text
    assert "This app is not from Microsoft." in text
    # What happens next comes first behind the button, right after the claim's facts.
    assert text.index("What happens next") < text.index("Questions and answers")


def test_a_workload_without_plain_words_shows_its_name_alone() -> None:
    card = claim_card(
        make_claim(workloads=(ALL_WORKLOADS[0], ALL_WORKLOADS[1].__class__("Contoso Cloud", "")))
    )
    assert first_facts(card)["Services"] == "Email and calendars (Exchange Online); Contoso Cloud"


def test_a_german_card_gives_german_plain_words_and_english_product_names() -> None:
    card = claim_card(make_claim(workloads=(TEAMS, EXCHANGE)), locale="de")
    assert first_facts(card)["Dienste"] == (
        "Chat und Teamarbeit (Microsoft Teams); E-Mail und Kalender (Exchange Online)"
    )
    details = show_card(card, "Mehr dazu")
    facts = {f["title"]: f["value"] for el in details["body"] if el["type"] == "FactSet" for f in el["facts"]}
    assert facts["Microsoft Teams"] == "Chat und Teamarbeit"
    assert facts["Exchange Online"] == "E-Mail und Kalender"
    assert "Chat and teamwork" not in json.dumps(card) and "Email and calendars" not in json.dumps(card)


@pytest.mark.parametrize("locale", ["de", "fr", "es", "ja", "pt-BR"])
def test_a_workload_without_a_catalogue_entry_keeps_its_own_words(locale: str) -> None:
    custom = TEAMS.__class__("Contoso Cloud", "Our own hosting", id="contoso_cloud")
    unnamed = TEAMS.__class__("Fabrikam Sync", "File sync")  # no id: the words as given
    card = claim_card(make_claim(workloads=(custom, unnamed)), locale=locale)
    services = next(el for el in card["body"] if el["type"] == "FactSet")["facts"][0]["value"]
    assert "Our own hosting (Contoso Cloud)" in services and "File sync (Fabrikam Sync)" in services


def test_many_workloads_show_three_then_the_rest_in_the_details() -> None:
    card = claim_card(make_claim(workloads=ALL_WORKLOADS))
    assert first_facts(card)["Services"] == (
        "Exchange Online, SharePoint Online, Microsoft 365 Apps and 23 more, listed under More about this"
    )
    details = show_card(card, "More about this")
    listed = [f["title"] for el in details["body"] if el["type"] == "FactSet" for f in el["facts"]]
    assert listed[-26:] == [w.name for w in ALL_WORKLOADS]


def test_first_view_answers_access_and_what_to_do(contoso_claim: ClaimSummary) -> None:
    first = first_view(claim_card(contoso_claim))
    assert "What this gives Contoso Consulting\n" in first
    assert "Usage and seat counts for these services" in first
    assert "What it does not give" in first
    for point in ("Your mail, files, chats or other data", "Admin rights", "billing, licences or contracts"):
        assert point in first
    assert "Microsoft says partners get no other customer data." in first
    assert "Do I need to do anything?\nNo. If you disagree, you can decline it at any time." in first


def test_closed_claims_do_not_offer_a_decline() -> None:
    for status in ("customer_declined", "rejected_final"):
        card = claim_card(make_claim(status=status))
        first = first_view(card)
        assert "No. This claim is closed." in first
        assert "you can decline" not in first
        assert STATUS_TEXT[status].label in first
        assert "Can we say no?" not in all_text(card)


def test_partner_words_are_labelled_and_kept_out_of_the_first_view(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    first = first_view(card)
    assert "Thanks for the Teams" not in first
    assert "SOW-2026-014" not in first
    assert "Fabrikam" not in first  # the organisation's name as the partner typed it: in the details
    text = all_text(show_card(card, "What Contoso Consulting wrote"))
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


def test_long_partner_names_are_shortened_in_buttons_and_repeats() -> None:
    card = claim_card(make_claim(partner_name="Contoso Consulting and Managed Services International Ltd"))
    titles = [a["title"] for a in actions(card)]
    assert "What can Contoso Consulting and\u2026 see?" in titles
    first = first_view(card)
    assert first.startswith("Contoso Consulting and Managed Services International Ltd has told")
    assert "What this gives Contoso Consulting and\u2026" in first


def test_questions_and_answers_cover_why_poe_one_partner_and_decline(contoso_claim: ClaimSummary) -> None:
    text = all_text(show_card(claim_card(contoso_claim), "More about this"))
    assert "Questions and answers" in text
    assert "Claiming Partner of Record (CPOR)" in text
    assert "may pay them incentives" in text
    assert "Did we sign something?" in text and "proof of execution (POE)" in text
    assert "statement of work signed by your organisation" in text
    assert "Microsoft's reviewers see that document." in text
    assert "Each service can have only one partner." in text
    assert "Microsoft says customers can decline an association at any time." in text
    assert "ask the partner to end it" in text


def test_other_partner_links_explain_csp_gdap_pal_dpor_and_por(contoso_claim: ClaimSummary) -> None:
    compare = show_card(claim_card(contoso_claim), "More about this")
    text = all_text(compare)
    assert "Other partner links" in text
    for term in (
        "Cloud Solution Provider (CSP)",
        "granular delegated admin privileges (GDAP)",
        "Partner Admin Link (PAL)",
        "Digital Partner of Record (DPOR)",
        "Partner of record in the admin center",
        "transacting partner of record",
    ):
        assert term in text
    assert [a["url"] for a in compare["actions"]] == [LINKS["partner_relationships"]]


def test_links_go_only_to_verified_microsoft_pages(contoso_claim: ClaimSummary) -> None:
    for claim in (contoso_claim, make_claim(not_recognised_reported=True)):
        urls = {a["url"] for a in actions(claim_card(claim)) if a["type"] == "Action.OpenUrl"}
        assert urls <= ALLOWED_LINKS == set(LINKS.values())
    assert claim_card(contoso_claim)["actions"][-1] == {
        "type": "Action.OpenUrl",
        "title": "Microsoft's explanation",
        "url": LINKS["how_it_works"],
    }


def test_card_never_presents_itself_as_microsoft(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    text = json.dumps(card)
    assert "from Microsoft" not in text.replace("not from Microsoft", "")
    assert "Microsoft Security" not in text and "logo" not in text.lower()
    assert not [n for n in card["body"] if n["type"] == "Image"]


def test_speak_is_a_short_summary(contoso_claim: ClaimSummary) -> None:
    speak = claim_card(contoso_claim)["speak"]
    assert speak.startswith("Contoso Consulting has told Microsoft it helps your organisation")
    assert "No action is required from you." in speak


def test_a_claim_without_workloads_is_refused() -> None:
    with pytest.raises(ValueError, match="no workloads"):
        claim_card(make_claim(workloads=()))


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown claim status 'pending'"):
        claim_card(make_claim(status="pending"))


def test_buttons_sit_next_to_what_they_expand(contoso_claim: ClaimSummary) -> None:
    body = claim_card(contoso_claim)["body"]
    assert body[1]["type"] == "FactSet"
    assert [a["title"] for a in body[2]["actions"]] == ["What Contoso Consulting wrote"]
    sets = [el for el in body if el["type"] == "ActionSet"]
    assert [a["title"] for a in sets[1]["actions"]] == ["What can Contoso Consulting see?"]
    # At most two short buttons a row, so clients do not cut the titles.
    assert [a["title"] for a in sets[2]["actions"]] == ["Got it", "Ask a question"]
    assert [a["title"] for a in sets[3]["actions"]] == ["I don't recognise this partner"]
    assert body.index(sets[3]) == len(body) - 1
    titles = [a["title"] for a in claim_card(contoso_claim)["actions"]]
    assert titles == ["More about this", "Microsoft's explanation"]
    for row in sets:
        assert len(row["actions"]) <= 2


def test_fallback_text_for_old_clients_is_short_and_true_to_the_status() -> None:
    many = claim_card(make_claim(workloads=ALL_WORKLOADS))["fallbackText"]
    assert "Exchange Online, SharePoint Online, Microsoft 365 Apps and 23 more." in many
    draft = claim_card(make_claim(status="draft"))["fallbackText"]
    assert draft.startswith("Contoso Consulting plans to tell Microsoft") and "Status: Draft." in draft
    assert claim_card(make_claim(status="draft"))["speak"].startswith("Contoso Consulting plans to tell")
