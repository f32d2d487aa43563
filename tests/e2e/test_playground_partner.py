"""A partner user in the Playground: links the chat with a code from the API, fills in the claim form,
and hears about the customer's response. (The Playground has one user, who plays both sides here.)
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e


async def test_link_compose_and_hear_about_the_response(
    pg_client: Any, partner_api: Any, claim_request: dict[str, Any]
) -> None:
    await pg_client.install()
    status, _, link = await partner_api.request("POST", "/api/teams-links", {})
    assert status == 201, link
    await pg_client.send_text(f"link {link['code']}")
    await pg_client.wait_for_card(lambda c: "linked to Contoso Partners" in pg_client.card_text(c))

    await pg_client.send_text("new claim")
    form = await pg_client.wait_for_card_message(lambda c: "compose.send" in str(c))
    assert form.card is not None
    send = next(a for el in form.card["body"] if el.get("type") == "ActionSet" for a in el["actions"])
    contact = claim_request["contacts"][0]
    values = {
        "customer_tenant_id": claim_request["customer_tenant_id"],
        "customer_name": "Fabrikam Ltd",
        "solution_area": "modern_work_security",
        "workloads": "teams,intune",
        "contact_name": contact["name"],
        "contact_email": contact["email"],
    }
    answer = await pg_client.invoke(
        form.message_id, {"type": "Action.Execute", "verb": send["verb"], "data": {**send["data"], **values}}
    )
    assert "created and sent" in str(answer["value"]), answer

    # The contact is this same Playground user: the claim card arrives, and they press Got it.
    claim_message = await pg_client.wait_for_card_message(
        lambda c: "Microsoft Intune" in str(c) and "claim.acknowledge" in str(c)
    )
    assert claim_message.card is not None
    ack = next(
        a
        for el in claim_message.card["body"]
        if el.get("type") == "ActionSet"
        for a in el["actions"]
        if a.get("verb") == "claim.acknowledge"
    )
    await pg_client.invoke(
        claim_message.message_id, {"type": "Action.Execute", "verb": ack["verb"], "data": ack["data"]}
    )

    # The linked partner chat is told.
    await pg_client.wait_for_card(lambda c: "selected Got it on your claim card" in pg_client.card_text(c))
