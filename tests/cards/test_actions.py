"""Universal Actions: the verbs and data each card sends, their fallbacks, refresh, and the reader's state."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from cards import (
    KINDS,
    LINKS,
    ClaimSummary,
    access_card,
    claim_card,
    message_card,
    status_changed_card,
    verbs,
)
from cards.samples import variants
from tests.cards.conftest import OUTLOOK_ORIGINATOR, make_claim
from tests.cards.walk import actions, all_text, first_view_text, link_hazards, walk

CLAIM_ID = "clm_01HV6Q3W2K"
DATA = {"claim_id": CLAIM_ID}


def executes(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Action.Execute by verb, the refresh included."""
    return {a["verb"]: a for a in actions(card) if a["type"] == "Action.Execute"}


def execute_containers(node: Any, parent: str = "") -> list[str]:
    """For every Action.Execute, the type of what holds it ("ActionSet", "AdaptiveCard", "refresh")."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "actions" and isinstance(value, list):
                for action in value:
                    if action.get("type") == "Action.Execute":
                        found.append(str(node.get("type")))
            if key == "refresh":
                found.append("refresh")
                continue
            found += execute_containers(value, key)
    elif isinstance(node, list):
        for value in node:
            found += execute_containers(value, parent)
    return found


def outlook(card_fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = card_fn(*args, host="outlook", originator=OUTLOOK_ORIGINATOR, **kwargs)
    return result


def test_claim_card_sends_every_verb_with_the_claim_id(contoso_claim: ClaimSummary) -> None:
    for card in (claim_card(contoso_claim), outlook(claim_card, contoso_claim)):
        found = executes(card)
        assert set(found) == {
            verbs.ACKNOWLEDGE,
            verbs.ACCESS,
            verbs.NOT_RECOGNISED,
            verbs.ASK,
            verbs.REFRESH,
        }
        for action in found.values():
            assert action["data"] == DATA
        assert found[verbs.ACKNOWLEDGE]["title"] == "Got it"
        assert found[verbs.ACCESS]["title"] == "What can Contoso Consulting see?"
        assert found[verbs.NOT_RECOGNISED]["title"] == "Tell Contoso Consulting I don't recognise them"
        assert found[verbs.ASK]["title"] == "Send"


def test_teams_buttons_sit_in_action_sets_with_a_submit_fallback() -> None:
    for variant in variants(hosts=("teams",), locales=("en",)):
        assert set(execute_containers(variant.card)) <= {"ActionSet", "refresh"}, variant.name
        for action in actions(variant.card):
            if action["type"] != "Action.Execute" or action is variant.card.get("refresh", {}).get("action"):
                continue
            assert action["fallback"] == {
                "type": "Action.Submit",
                "title": action["title"],
                "data": {**action["data"], "verb": action["verb"]},
            }, variant.name


def test_outlook_has_execute_but_never_submit() -> None:
    for variant in variants(hosts=("outlook",), locales=("en",)):
        for node in walk(variant.card):
            assert node.get("type") not in ("Action.Submit", "Input.Time"), variant.name
            if node.get("type") == "Action.Execute":
                assert "fallback" not in node, variant.name


def test_the_refresh_asks_for_the_readers_view(contoso_claim: ClaimSummary) -> None:
    users = [f"29:user-{n}" for n in range(60)]
    teams = claim_card(contoso_claim, refresh_user_ids=users)
    assert teams["refresh"] == {
        "action": {"type": "Action.Execute", "title": "Refresh", "verb": "claim.refresh", "data": DATA},
        "userIds": users,
    }
    assert claim_card(contoso_claim)["refresh"]["userIds"] == []  # a manual refresh only
    mail = outlook(claim_card, contoso_claim, refresh_user_ids=users)
    assert mail["refresh"] == {"action": teams["refresh"]["action"]}  # Outlook ignores userIds


@pytest.mark.parametrize(
    ("ids", "error"),
    [
        ([f"29:{n}" for n in range(61)], ValueError),
        (["29:a", ""], ValueError),
        ("29:a", TypeError),
    ],
)
def test_refresh_users_are_checked(contoso_claim: ClaimSummary, ids: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        claim_card(contoso_claim, refresh_user_ids=ids)


def test_ask_is_a_short_required_text_field_behind_a_button(contoso_claim: ClaimSummary) -> None:
    for card in (claim_card(contoso_claim), outlook(claim_card, contoso_claim)):
        ask = next(
            a for a in actions(card) if a["type"] == "Action.ShowCard" and a["title"].startswith("Ask")
        )
        assert ask["title"] == "Ask a question"
        field = next(el for el in ask["card"]["body"] if el["type"] == "Input.Text")
        assert field["id"] == verbs.QUESTION_INPUT == "question"
        assert field["maxLength"] == verbs.QUESTION_MAX_LENGTH == 500
        assert field["isRequired"] is True and field["label"] == "Your question for Contoso Consulting"
        assert ask["card"]["body"][-1]["type"] == "ActionSet"
        assert ask["card"]["body"][-1]["actions"][0]["verb"] == verbs.ASK


def test_acknowledged_says_who_and_when_and_drops_got_it() -> None:
    claim = make_claim(acknowledged_by="Anna Schmidt", acknowledged_on=datetime.date(2026, 3, 14))
    card = claim_card(claim)
    assert "Anna Schmidt selected Got it on 14 March 2026." in first_view_text(card)
    assert verbs.ACKNOWLEDGE not in executes(card)
    assert "Anna Schmidt selected Got it." in first_view_text(
        claim_card(make_claim(acknowledged_by="Anna Schmidt"))
    )
    dated = claim_card(make_claim(acknowledged_on=datetime.date(2026, 3, 14)))
    assert "Someone selected Got it on 14 March 2026." in first_view_text(dated)
    assert verbs.ACKNOWLEDGE not in executes(dated)
    blank = claim_card(make_claim(acknowledged_by=" \u200b "))
    assert "Someone selected Got it." in first_view_text(blank)


def test_the_readers_name_is_escaped_and_capped() -> None:
    card = claim_card(make_claim(acknowledged_by="**Eve** [x](https://evil.example) " * 10))
    line = next(t for t in first_view_text(card) if "selected Got it" in t)
    assert "\\*\\*Eve\\*\\*" in line and link_hazards(line) == []
    assert len(line) < 160


def test_not_recognised_says_what_to_do_next_and_that_the_partner_was_told() -> None:
    card = claim_card(make_claim(not_recognised_reported=True))
    first = "\n".join(first_view_text(card))
    assert "You told the partner you don't recognise them." in first
    assert "To end it, ask the partner. Microsoft's email about the request may say how." in first
    assert "No action is required" not in first
    assert verbs.NOT_RECOGNISED not in executes(card)
    check = next(a for a in actions(card) if a.get("title") == "Check Partner relationships")
    assert check == {
        "type": "Action.OpenUrl",
        "title": "Check Partner relationships",
        "url": LINKS["partner_relationships"],
    }
    closed = "\n".join(
        first_view_text(claim_card(make_claim(not_recognised_reported=True, status="rejected_final")))
    )
    assert "This claim is already closed." in closed


def test_question_sent_is_confirmed_and_asking_again_stays_possible() -> None:
    card = claim_card(make_claim(question_sent=True))
    assert "Your question was sent to the partner." in first_view_text(card)
    assert verbs.ASK in executes(card)


def test_access_card_for_the_bot_goes_back_to_the_claim(contoso_claim: ClaimSummary) -> None:
    c = contoso_claim
    card = access_card(c.partner_name, c.workloads, claim_id=c.claim_id)
    back = card["body"][-1]
    assert back["type"] == "ActionSet"
    assert back["actions"][0]["verb"] == verbs.SHOW and back["actions"][0]["title"] == "Back to the claim"
    assert back["actions"][0]["data"] == DATA
    assert back["actions"][0]["fallback"]["data"] == {**DATA, "verb": "claim.show"}
    mail = outlook(access_card, c.partner_name, c.workloads, claim_id=c.claim_id)
    assert executes(mail)[verbs.SHOW] == {
        "type": "Action.Execute",
        "title": "Back to the claim",
        "verb": "claim.show",
        "data": DATA,
    }
    assert executes(access_card(c.partner_name, c.workloads)) == {}


def test_status_update_opens_the_claim(contoso_claim: ClaimSummary) -> None:
    card = status_changed_card(make_claim(status="approved"), "under_review")
    assert executes(card)[verbs.SHOW]["title"] == "Open the claim"
    assert executes(card)[verbs.SHOW]["data"] == DATA


def test_notice_can_go_back_to_the_claim() -> None:
    card = message_card("notice.question_empty", claim_id=CLAIM_ID)
    assert executes(card)[verbs.SHOW]["data"] == DATA
    assert executes(message_card("notice.other_tenant")) == {}
    assert "Type your question, then select Send." in all_text(card)


def test_verbs_are_the_ones_the_bot_handles() -> None:
    assert verbs.VERBS == (
        "claim.acknowledge",
        "claim.access",
        "claim.show",
        "claim.not_recognised",
        "claim.ask",
        "claim.refresh",
    )
    sent = {
        a["verb"]
        for v in variants(kinds=KINDS, locales=("en",))
        for a in actions(v.card)
        if a["type"] == "Action.Execute"
    }
    assert sent == set(verbs.VERBS)
