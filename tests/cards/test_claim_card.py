"""The claim card: a short first view that says who is speaking, what the partner reports, what the
association gives and does not give, and what to do; the rest behind "More about this"."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest

from cards import LINKS, STATUS_TEXT, ClaimSummary, claim_card
from cards.i18n import EN, SUPPORTED_LOCALES
from cards.samples import CLAIMS, OUTLOOK_ORIGINATOR
from tests.cards.conftest import ALL_WORKLOADS, EXCHANGE, TEAMS, make_claim
from tests.cards.walk import actions, all_text, first_view_text, links_in_reading_order

ALLOWED_LINKS = {
    "https://aka.ms/about-cpor",
    "https://learn.microsoft.com/partner-center/incentives/submit-osa-claim",
    "https://learn.microsoft.com/partner-center/incentives/incentives-customer-association-issues",
    "https://admin.microsoft.com/AdminPortal/Home#/partners",
}
STATUSES = EN.status_codes()
PENDING = ("draft", "submitted", "under_review", "partner_action_required", "rejected", "dispute")
CLOSED = ("rejected_final", "customer_declined")


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


def both_hosts(claim: ClaimSummary, **options: Any) -> list[dict[str, Any]]:
    return [
        claim_card(claim, host="teams", **options),
        claim_card(claim, host="outlook", originator=OUTLOOK_ORIGINATOR, **options),
    ]


# --- 1. who is speaking ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
def test_the_first_line_says_who_sent_it_and_that_microsoft_did_not(status: str) -> None:
    for card in both_hosts(make_claim(status=status)):
        assert card["body"][0]["text"] == "Sent by Contoso Consulting, not by Microsoft."
    for card in both_hosts(make_claim(status=status), sender="Litware Managed Services"):
        assert card["body"][0]["text"] == (
            "Sent by Litware Managed Services for Contoso Consulting, not by Microsoft."
        )
        assert "Litware" in card["fallbackText"] and "not by Microsoft" in card["fallbackText"]


def test_a_sender_that_is_the_partner_is_named_once() -> None:
    card = claim_card(make_claim(), sender="  contoso   consulting ")
    assert card["body"][0]["text"] == "Sent by Contoso Consulting, not by Microsoft."


def test_sender_text_is_escaped_like_partner_text() -> None:
    card = claim_card(make_claim(), sender="[Microsoft](https://evil.example) **Security**")
    line = card["body"][0]["text"]
    assert "\\[Microsoft\\]" in line and "\\*\\*Security\\*\\*" in line and "https://" not in line


# --- 2. what the partner reports, as reported ------------------------------------------------------


def test_headline_is_what_the_partner_says(contoso_claim: ClaimSummary) -> None:
    headline = claim_card(contoso_claim)["body"][1]
    assert headline["text"] == (
        "Contoso Consulting says it told Microsoft it helps your organisation use 3 Microsoft services."
    )
    assert headline["weight"] == "bolder" and headline["style"] == "heading"


def test_headline_names_one_or_two_services() -> None:
    one = claim_card(make_claim(workloads=ALL_WORKLOADS[3:4]))["body"][1]["text"]
    assert one.endswith("says it told Microsoft it helps your organisation use Microsoft Teams.")
    two = claim_card(make_claim(workloads=(TEAMS, EXCHANGE)))["body"][1]["text"]
    assert two.endswith("use Microsoft Teams and Exchange Online.")


@pytest.mark.parametrize("status", STATUSES)
def test_the_status_is_the_partners_report_with_its_date(status: str) -> None:
    claim = make_claim(status=status, reported_on=datetime.date(2026, 4, 2))
    label = STATUS_TEXT[status].label
    reported = f"{label}, reported by Contoso Consulting on 2 April 2026"
    assert first_facts(claim_card(claim))["Status"] == reported


def test_without_a_report_date_the_submission_date_stands() -> None:
    card = claim_card(make_claim(reported_on=None))
    assert first_facts(card)["Status"].endswith("on 12 March 2026")


def test_a_draft_never_reads_as_sent_or_submitted() -> None:
    draft = make_claim(status="draft")
    for card in both_hosts(draft):
        assert card["body"][1]["text"].startswith(
            "Contoso Consulting says it plans to tell Microsoft it helps your organisation"
        )
        assert "Submitted" not in json.dumps(card)
        assert "12 March 2026" not in json.dumps(card)  # the submission date of a claim not submitted
    one = claim_card(make_claim(status="draft", workloads=(ALL_WORKLOADS[0],)))["body"][1]["text"]
    assert one.endswith("plans to tell Microsoft it helps your organisation use Exchange Online.")
    assert claim_card(draft)["speak"].startswith("Contoso Consulting says it plans to tell")


# --- 3 and 4. access in its scope, as the status allows ------------------------------------------


@pytest.mark.parametrize("status", PENDING)
def test_before_approval_what_it_gives_is_a_condition(status: str) -> None:
    first = first_view(claim_card(make_claim(status=status)))
    assert "If approved, the partner gets usage and seat counts, and no other customer data." in first
    assert "The partner gets usage" not in first


def test_once_approved_it_says_what_the_association_gives() -> None:
    first = first_view(claim_card(make_claim(status="approved")))
    assert "The partner gets usage and seat counts for these services, and no other customer data." in first
    assert "If approved" not in first


@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_claim_gives_nothing(status: str) -> None:
    card = claim_card(make_claim(status=status))
    first = first_view(card)
    assert "This claim is closed. Through it, the partner gets no usage data and no recognition." in first
    assert "gets usage and seat counts" not in first
    assert "How do we decline" not in all_text(card)


@pytest.mark.parametrize("status", STATUSES)
def test_access_given_in_other_ways_is_separate_and_unchanged(status: str) -> None:
    first = first_view(claim_card(make_claim(status=status)))
    assert "This claim itself gives no admin roles. Other access you gave stays as it is." in first
    assert "Microsoft says partners get no other customer data" not in first
    where = next(a for a in actions(claim_card(make_claim(status=status))) if a["title"].startswith("Check"))
    assert (where["title"], where["url"]) == ("Check Partner relationships", LINKS["partner_relationships"])


# --- 5. no invented route to decline ------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
def test_no_card_promises_a_way_to_decline_it_cannot_show(status: str) -> None:
    for reported in (False, True):
        text = all_text(claim_card(make_claim(status=status, not_recognised_reported=reported)))
        assert "decline it with Microsoft" not in text
        sentences = re.split(r"(?<=[.!?])\s+", text)
        for sentence in (s for s in sentences if "can decline" in s):
            # Microsoft's word that one may decline, always with what the documentation leaves out
            assert sentence.startswith(("Microsoft says", "Microsoft's documentation says", "It says")), (
                sentence
            )
            assert sentence.endswith("but not how."), sentence


@pytest.mark.parametrize("status", STATUSES)
def test_the_first_view_says_the_reader_may_decline_while_there_is_something_to_decline(status: str) -> None:
    first = first_view(claim_card(make_claim(status=status)))
    says = "No action is required. Microsoft says you can decline, but not how." in first
    assert says == (status not in ("draft", *CLOSED))
    assert says or "No action is required from you." in first
    # and the plain-text version for clients that cannot show the card says the same
    fallback = claim_card(make_claim(status=status))["fallbackText"]
    assert ("you can decline" in fallback) == says


def test_questions_say_what_the_documentation_says_about_declining_and_what_it_does_not() -> None:
    text = all_text(show_card(claim_card(make_claim()), "More about this"))
    assert "How do we decline or end it?" in text
    assert "Microsoft's documentation says customers can decline at any time, but not how." in text
    assert "Microsoft's email about the request may say. The partner can also end it." in text
    assert "The documentation names no other effect." in text


def test_not_recognised_points_to_the_partner_and_microsofts_email() -> None:
    first = first_view(claim_card(make_claim(not_recognised_reported=True)))
    assert "You told the partner you don't recognise them." in first
    assert "To end it, ask the partner. Microsoft's email about the request may say how." in first
    draft = first_view(claim_card(make_claim(status="draft", not_recognised_reported=True)))
    assert "You can ask them not to send it to Microsoft." in draft
    closed = first_view(claim_card(make_claim(status="rejected_final", not_recognised_reported=True)))
    assert "This claim is already closed." in closed


# --- 6. what the buttons do -------------------------------------------------------------------------


def test_the_buttons_say_they_only_tell_the_partner(contoso_claim: ClaimSummary) -> None:
    body = claim_card(contoso_claim)["body"]
    note = next(i for i, el in enumerate(body) if el.get("text", "").startswith("These buttons"))
    assert body[note]["text"] == "These buttons only tell the partner, with your name."
    assert [a["title"] for a in body[note + 1]["actions"]] == ["Got it", "Ask a question"]
    (not_recognised,) = body[note + 2]["actions"]
    assert not_recognised["title"] == "Tell Contoso Consulting I don't recognise them"
    ask = show_card(claim_card(contoso_claim), "Ask a question")
    assert "passes your question and your name on to the partner, not to Microsoft." in all_text(ask)


# --- 7. Microsoft's public page first ---------------------------------------------------------------


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_microsofts_page_about_cpor_is_the_first_link(locale: str) -> None:
    for status in STATUSES:
        for reported in (False, True):
            card = claim_card(make_claim(status=status, not_recognised_reported=reported), locale=locale)
            assert links_in_reading_order(card)[0] == "https://aka.ms/about-cpor"
    assert all("/en-us/" not in a["url"] for a in actions(card) if a["type"] == "Action.OpenUrl")


def test_partner_facing_pages_are_labelled_so(contoso_claim: ClaimSummary) -> None:
    links = [a for a in actions(claim_card(contoso_claim)) if a["type"] == "Action.OpenUrl"]
    titles = {a["url"]: a["title"] for a in links}
    assert titles[LINKS["about_cpor"]] == "Microsoft's page about CPOR"
    assert titles[LINKS["how_it_works"]] == "For partners: how claims work"


def test_links_go_only_to_listed_microsoft_pages(contoso_claim: ClaimSummary) -> None:
    for claim in (contoso_claim, make_claim(not_recognised_reported=True)):
        urls = {a["url"] for a in actions(claim_card(claim)) if a["type"] == "Action.OpenUrl"}
        assert urls <= ALLOWED_LINKS
    assert set(LINKS.values()) == ALLOWED_LINKS


# --- the details and the questions a customer has ---------------------------------------------------


def test_claim_details_hold_every_fact_the_partner_gave(contoso_claim: ClaimSummary) -> None:
    details = show_card(claim_card(contoso_claim), "More about this")
    facts = {f["title"]: f["value"] for el in details["body"] if el["type"] == "FactSet" for f in el["facts"]}
    assert facts["Partner"] == "Contoso Consulting"
    assert facts["Your organisation"] == "Fabrikam Ltd"
    assert (
        facts["Solution area"] == "Microsoft 365 apps, collaboration and security (Modern Work and Security)"
    )
    assert facts["Submitted"] == "12 March 2026"
    assert facts["Reported status"] == "Under review: Microsoft is checking the partner's proof of execution."
    assert facts["Claim number in this app"] == "clm\\_01HV6Q3W2K"
    assert facts["Microsoft Intune"] == "Managing and securing devices"
    text = all_text(details)
    assert "Contoso Consulting gave this app these details." in text
    assert "What happens next\n" + STATUS_TEXT["under_review"].next in text
    assert text.index("What happens next") < text.index("Questions and answers")


def test_questions_and_answers_cover_what_a_customer_still_asks(contoso_claim: ClaimSummary) -> None:
    text = all_text(show_card(claim_card(contoso_claim), "More about this"))
    for expected in (
        "Claiming Partner of Record (CPOR)",
        "Microsoft may pay the partner incentives for your usage after approval.",
        "proof of execution (POE), such as a statement of work signed by your organisation.",
        "How can I check this claim is real?",
        "Microsoft says it emails the customer about each request.",
        "The partner sees totals per service, such as monthly active users.",
        "Partner relationships in the Microsoft 365 admin center lists resellers and admin roles.",
        "Microsoft's documentation does not say that it shows CPOR.",
        "Microsoft recognises one partner per service through CPOR",
        "Microsoft's documentation gives no end date for Microsoft 365 associations.",
        "The documentation names no contact. Start with Microsoft's page about CPOR.",
        "It is what Contoso Consulting last told this app, on 19 March 2026.",
        "This app has no link to Microsoft.",
        "Your name, email address, Teams ID and answers, which the partner sees.",
    ):
        assert expected in text, expected


def test_business_applications_get_their_own_answers() -> None:
    """Business Applications associate a subscription, not a workload, and Dynamics 365 associations
    end with their subscriptions (facts 21, 23): the Microsoft 365 answers would be wrong there."""
    business = CLAIMS["business"]
    text = all_text(show_card(claim_card(business), "More about this"))
    assert "Microsoft recognises one partner per subscription through CPOR" in text
    assert "Dynamics 365 associations last until their subscriptions expire." in text
    assert "one partner per service" not in text and "Microsoft 365 associations" not in text
    details = show_card(claim_card(business), "More about this")
    facts = {f["title"]: f["value"] for el in details["body"] if el["type"] == "FactSet" for f in el["facts"]}
    assert facts["Solution area"] == "Dynamics 365 and Power Platform (Business Applications)"
    for locale in SUPPORTED_LOCALES:  # every language has the area's answers
        modern = all_text(claim_card(make_claim(), locale=locale))
        assert all_text(claim_card(business, locale=locale)) != modern


def test_an_area_the_catalogue_does_not_know_shows_its_name_alone() -> None:
    card = claim_card(make_claim(solution_area="Contoso Area", solution_area_id="contoso_area"))
    details = show_card(card, "More about this")
    facts = {f["title"]: f["value"] for el in details["body"] if el["type"] == "FactSet" for f in el["facts"]}
    assert facts["Solution area"] == "Contoso Area"
    assert "one partner per service" in all_text(details)  # the Microsoft 365 answers, as before


def test_a_workload_without_plain_words_shows_its_name_alone() -> None:
    card = claim_card(make_claim(workloads=(ALL_WORKLOADS[1].__class__("Contoso Cloud", ""),)))
    assert first_facts(card)["Services"] == "Contoso Cloud"


def test_a_german_card_gives_german_plain_words_and_english_product_names() -> None:
    card = claim_card(make_claim(workloads=(TEAMS, EXCHANGE)), locale="de")
    details = show_card(card, "Mehr dazu")
    facts = {f["title"]: f["value"] for el in details["body"] if el["type"] == "FactSet" for f in el["facts"]}
    assert facts["Microsoft Teams"] == "Chat und Teamarbeit"
    assert facts["Exchange Online"] == "E-Mail und Kalender"
    assert "Chat and teamwork" not in json.dumps(card) and "Email and calendars" not in json.dumps(card)
    one = claim_card(make_claim(workloads=(TEAMS,)), locale="de")
    assert "Chat und Teamarbeit (Microsoft Teams)" in first_facts(one).values()


@pytest.mark.parametrize("locale", ["de", "fr", "es", "ja", "pt-BR"])
def test_a_workload_without_a_catalogue_entry_keeps_its_own_words(locale: str) -> None:
    custom = TEAMS.__class__("Contoso Cloud", "Our own hosting", id="contoso_cloud")
    unnamed = TEAMS.__class__("Fabrikam Sync", "File sync")  # no id: the words as given
    card = claim_card(make_claim(workloads=(custom, unnamed)), locale=locale)
    details = card["actions"][0]["card"]  # "More about this", in the card's language
    facts = {f["title"]: f["value"] for el in details["body"] if el["type"] == "FactSet" for f in el["facts"]}
    assert facts["Contoso Cloud"] == "Our own hosting" and facts["Fabrikam Sync"] == "File sync"
    alone = claim_card(make_claim(workloads=(custom,)), locale=locale)
    assert "Our own hosting (Contoso Cloud)" in first_facts(alone).values()


def test_many_workloads_show_three_then_the_rest_in_the_details() -> None:
    card = claim_card(make_claim(workloads=ALL_WORKLOADS))
    assert first_facts(card)["Services"] == (
        "Exchange Online, SharePoint Online, Microsoft 365 Apps and 23 more, listed under More about this"
    )
    details = show_card(card, "More about this")
    listed = [f["title"] for el in details["body"] if el["type"] == "FactSet" for f in el["facts"]]
    assert listed[-26:] == [w.name for w in ALL_WORKLOADS]


def test_partner_words_are_labelled_and_kept_out_of_the_first_view(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    first = first_view(card)
    assert "Thanks for the Teams" not in first
    assert "SOW-2026-014" not in first
    assert "Fabrikam" not in first  # the organisation's name as the partner typed it: in the details
    text = all_text(show_card(card, "What Contoso Consulting wrote"))
    assert "Contoso Consulting wrote this. Microsoft and this app have not checked it." in text
    assert "checked it.\nThanks for the Teams and Intune rollout" in text
    assert "Their reference\nSOW-2026-014" in text


def test_no_partner_words_no_button() -> None:
    card = claim_card(make_claim(partner_message="  \n ", partner_reference=None))
    titles = [a["title"] for a in actions(card)]
    assert not any(t.endswith("wrote") for t in titles)
    assert "Their reference" not in json.dumps(card)


def test_text_with_nothing_to_show_is_left_out_not_shown_empty() -> None:
    # Zero-width spaces, bidi controls, a joiner and a newline: text to the eye, nothing on a card.
    invisible = "\u200b\u202e \u2066\u200d\n"
    custom = TEAMS.__class__("Contoso Cloud", invisible)
    claim = make_claim(partner_message=invisible, partner_reference=invisible, workloads=(custom,))
    for card in both_hosts(claim, sender=invisible):
        assert card["body"][0]["text"] == "Sent by Contoso Consulting, not by Microsoft."
        assert not any(a["title"].endswith("wrote") for a in actions(card))
        assert first_facts(card)["Services"] == "Contoso Cloud"
    named_twice = claim_card(make_claim(), sender="Contoso\u200b Consulting\u2069")
    assert named_twice["body"][0]["text"] == "Sent by Contoso Consulting, not by Microsoft."


def test_reference_alone_still_gets_the_labelled_button() -> None:
    card = claim_card(make_claim(partner_message=None, partner_reference="PO-77"))
    text = all_text(show_card(card, "What Contoso Consulting wrote"))
    assert "Their reference\nPO-77" in text


def test_long_partner_names_are_shortened_in_buttons_and_repeats() -> None:
    card = claim_card(make_claim(partner_name="Contoso Consulting and Managed Services International Ltd"))
    titles = [a["title"] for a in actions(card)]
    assert "What can Contoso Consulting and\u2026 see?" in titles
    first = first_view(card)
    assert "\nContoso Consulting and Managed Services International Ltd says it told" in first
    assert "reported by Contoso Consulting and\u2026 on" in first


def test_card_never_presents_itself_as_microsoft(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    text = json.dumps(card)
    assert "from Microsoft" not in text.replace("not by Microsoft", "")
    assert "Microsoft Security" not in text and "logo" not in text.lower()
    assert not [n for n in card["body"] if n["type"] == "Image"]


def test_speak_is_a_short_summary(contoso_claim: ClaimSummary) -> None:
    speak = claim_card(contoso_claim)["speak"]
    assert speak.startswith("Contoso Consulting says it told Microsoft it helps your organisation")
    assert "No action is required. Microsoft says you can decline, but not how." in speak


def test_a_claim_without_workloads_is_refused() -> None:
    with pytest.raises(ValueError, match="no workloads"):
        claim_card(make_claim(workloads=()))


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown claim status 'pending'"):
        claim_card(make_claim(status="pending"))


def test_buttons_sit_next_to_what_they_expand(contoso_claim: ClaimSummary) -> None:
    body = claim_card(contoso_claim)["body"]
    assert body[2]["type"] == "FactSet"
    assert [a["title"] for a in body[3]["actions"]] == ["What Contoso Consulting wrote"]
    sets = [el for el in body if el["type"] == "ActionSet"]
    assert [a["title"] for a in sets[1]["actions"]] == [
        "Microsoft's page about CPOR",
        "What can Contoso Consulting see?",
    ]
    assert body.index(sets[-1]) == len(body) - 1
    titles = [a["title"] for a in claim_card(contoso_claim)["actions"]]
    assert titles == ["More about this", "Check Partner relationships"]  # a third would be cut
    for row in sets:
        assert len(row["actions"]) <= 2  # at most two short buttons a row, so clients do not cut titles


def test_fallback_text_for_old_clients_is_short_and_true_to_the_status() -> None:
    plain = claim_card(make_claim())["fallbackText"]
    assert plain.startswith("Sent by Contoso Consulting, not by Microsoft. Contoso Consulting says it told")
    assert "Status: Under review, reported by Contoso Consulting on 19 March 2026." in plain
    draft = claim_card(make_claim(status="draft"))["fallbackText"]
    assert "says it plans to tell Microsoft" in draft and "Status: Draft," in draft
    de = claim_card(make_claim(), locale="de")["fallbackText"]
    assert "\\" not in de  # plain text: the date is not markdown-escaped there
