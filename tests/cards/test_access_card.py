"""The access card: what the partner gets, what it does not, and who sees the proof of execution."""

from __future__ import annotations

from cards import LINKS, access_card
from tests.cards.conftest import ALL_WORKLOADS, EXCHANGE, INTUNE, TEAMS
from tests.cards.walk import actions, all_text


def test_says_what_the_partner_gets_for_which_workloads() -> None:
    text = all_text(access_card("Contoso Consulting", (TEAMS, EXCHANGE, INTUNE)))
    assert "What Contoso Consulting can see" in text
    assert (
        "Usage and seat counts for Microsoft Teams, Exchange Online and Microsoft Intune, "
        "in Microsoft's partner reporting." in text
    )
    assert "monthly active users" in text and "paid seats" in text


def test_separates_what_microsoft_states_from_what_follows_from_the_design() -> None:
    text = all_text(access_card("Contoso Consulting", (TEAMS,)))
    assert "Microsoft says the association gives the partner no other customer data." in text
    assert "CPOR itself grants none." in text  # admin roles: not a Microsoft statement
    assert "CPOR itself changes none of these." in text  # billing, licences, contracts
    assert "granular delegated admin privileges (GDAP)" in text
    assert "Admin roles need a separate grant" in text
    assert "gives a partner once Microsoft approves it" in text  # not current before approval


def test_access_given_in_other_ways_is_separate() -> None:
    text = all_text(access_card("Contoso Consulting", (TEAMS,)))
    assert "Access given in other ways" in text
    assert (
        "Admin roles through GDAP or older delegated admin privileges (DAP), and accounts in your tenant, "
        "are separate. The association does not change them." in text
    )


def test_says_who_sent_it_and_links_microsofts_page_first() -> None:
    card = access_card("Contoso Consulting", (TEAMS,), sender="Litware Managed Services")
    sent_by = "Sent by Litware Managed Services for Contoso Consulting, not by Microsoft."
    assert card["body"][0]["text"] == sent_by
    assert card["actions"][0]["url"] == LINKS["about_cpor"]


def test_explains_proof_of_execution_and_who_sees_it() -> None:
    text = all_text(access_card("Contoso Consulting", (TEAMS,)))
    assert "proof of execution (POE)" in text
    assert "statement of work signed by your organisation" in text
    assert "Microsoft's reviewers see that document." in text


def test_points_to_partner_relationships_in_the_admin_center() -> None:
    card = access_card("Contoso Consulting", (TEAMS,))
    urls = {a["url"] for a in actions(card) if a["type"] == "Action.OpenUrl"}
    assert LINKS["partner_relationships"] in urls
    assert "Partner relationships in the Microsoft 365 admin center" in all_text(card)


def test_never_repeats_the_loose_data_access_sentence() -> None:
    # Microsoft's partner page once said customers "give you access to some of their data so you can
    # provide management services"; the usage-report facts contradict it, so the card must not say it.
    text = all_text(access_card("Contoso Consulting", ALL_WORKLOADS)).lower()
    assert "some of their data" not in text and "management services" not in text
    assert "some of your data" not in text


def test_lists_every_workload_even_when_there_are_many() -> None:
    text = all_text(access_card("Contoso Consulting", ALL_WORKLOADS))
    for workload in ALL_WORKLOADS:
        assert workload.name in text


def test_for_a_claim_with_many_workloads_it_points_to_the_claims_list() -> None:
    text = all_text(access_card("Contoso Consulting", ALL_WORKLOADS, claim_id="clm_1"))
    assert (
        "Usage and seat counts for the 26 services in this claim, in Microsoft's partner reporting." in text
    )
    assert "The claim card lists them under More about this." in text
    assert "Microsoft Defender for Identity" not in text
