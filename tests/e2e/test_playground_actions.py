"""The customer acts on the card in the Playground, and the partner's status change reaches the card.

Every button is pressed as the Teams client presses it: the test finds the Action.Execute in the
card the bot sent, and the Playground sends it to the bot as an `adaptiveCard/action` invoke.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PARTNER = "Contoso Partners"
CARD = "application/vnd.microsoft.card.adaptive"


def find_action(node: Any, verb: str) -> dict[str, Any] | None:
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute" and node.get("verb") == verb:
            return node
        for value in node.values():
            found = find_action(value, verb)
            if found:
                return found
    elif isinstance(node, list):
        for value in node:
            found = find_action(value, verb)
            if found:
                return found
    return None


async def press(
    pg_client: Any, message_id: str, card: dict[str, Any], verb: str, **inputs: str
) -> dict[str, Any]:
    action = find_action(card, verb)
    assert action is not None, f"no {verb} button on the card"
    pressed = {"type": "Action.Execute", "verb": action["verb"], "data": {**action.get("data", {}), **inputs}}
    answer = await pg_client.invoke(message_id, pressed)
    assert answer["type"] == CARD, answer
    shown: dict[str, Any] = answer["value"]
    assert shown["type"] == "AdaptiveCard"
    return shown


async def notified_card(
    pg_client: Any, partner_api: Any, claim_request: dict[str, Any]
) -> tuple[str, str, dict[str, Any]]:
    await pg_client.install()
    status, _, created = await partner_api.request("POST", "/api/claims", claim_request)
    assert status == 201, created
    status, _, body = await partner_api.request(
        "POST", f"/api/claims/{created['id']}/notifications", {"channel": "teams"}
    )
    assert status == 202, body
    message = await pg_client.wait_for_card_message(
        lambda c: created["id"] in str(c) and PARTNER in pg_client.card_text(c)
    )
    card = message.card
    assert card is not None
    return created["id"], message.message_id, card


async def test_every_verb_answers_with_a_card_and_the_partner_sees_the_responses(
    pg_client: Any, partner_api: Any, claim_request: dict[str, Any]
) -> None:
    claim_id, message_id, card = await notified_card(pg_client, partner_api, claim_request)

    access = await press(pg_client, message_id, card, "claim.access")
    assert "GDAP" in str(access)
    back = await press(pg_client, message_id, access, "claim.show")
    assert find_action(back, "claim.access") is not None

    refreshed = await press(pg_client, message_id, card, "claim.refresh")
    assert find_action(refreshed, "claim.acknowledge") is not None

    acknowledged = await press(pg_client, message_id, card, "claim.acknowledge")
    assert find_action(acknowledged, "claim.acknowledge") is None
    assert (
        find_action(await press(pg_client, message_id, card, "claim.acknowledge"), "claim.acknowledge")
        is None
    )

    reported = await press(pg_client, message_id, card, "claim.not_recognised")
    assert find_action(reported, "claim.not_recognised") is None

    asked = await press(pg_client, message_id, card, "claim.ask", question="Which project is this about?")
    assert asked != acknowledged

    claim = await partner_api.get_claim(claim_id)
    kinds = sorted(r["kind"] for r in claim["responses"])
    assert kinds == ["acknowledged", "not_recognised", "question"], claim["responses"]
    question = next(r for r in claim["responses"] if r["kind"] == "question")
    assert question["text"] == "Which project is this about?"
    assert all(r["created_at"] for r in claim["responses"])


async def test_a_status_change_updates_the_card_already_shown(
    pg_client: Any, partner_api: Any, claim_request: dict[str, Any]
) -> None:
    claim_id, message_id, card = await notified_card(pg_client, partner_api, claim_request)
    assert "Submitted" in pg_client.card_text(card)
    status, _, body = await partner_api.request(
        "PATCH", f"/api/claims/{claim_id}", {"status": "under_review"}
    )
    assert status == 200, body
    updated = await pg_client.wait_for_message(
        lambda m: (
            m.message_id == message_id
            and m.card is not None
            and "Under review" in pg_client.card_text(m.card)
        ),
        updates=True,
    )
    assert updated.card is not None

    status, _, body = await partner_api.request("PATCH", f"/api/claims/{claim_id}", {"status": "approved"})
    assert status == 200, body
    # The card already shown is updated in place, and, because an approval needs the customer's
    # attention, a short new message arrives too; in either order.
    seen: set[str] = set()
    while seen != {"update", "notice"}:
        message = await pg_client.wait_for_message(
            lambda m: m.card is not None and "Approved" in pg_client.card_text(m.card), updates=True
        )
        seen.add("update" if message.message_id == message_id else "notice")

    status, _, problem = await partner_api.request("PATCH", f"/api/claims/{claim_id}", {"status": "draft"})
    assert status == 409, problem
