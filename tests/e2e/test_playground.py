"""The bot as a customer sees it in Teams, with Microsoft's Agents Playground as the Teams client.

One bot (fresh SQLite file) and one Playground serve the whole module; every test gets its own
WebSocket (`pg_client`). Here the customer installs the app before the partner notifies; the
reverse order is in test_playground_pending.py (it needs a database where nobody has installed).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

COMMANDS = ("help", "about", "claims")
PARTNER = "Contoso Partners"
CUSTOMER = "Fabrikam Ltd"


async def test_install_sends_a_welcome_card_that_points_to_help(pg_client):
    await pg_client.install()

    card = await pg_client.next_card()

    assert card.get("type") == "AdaptiveCard", card
    assert pg_client.mentions(card, "help"), pg_client.card_text(card)


async def test_help_lists_the_commands(pg_client):
    await pg_client.send_text("help")

    card = await pg_client.wait_for_card(lambda c: all(pg_client.mentions(c, cmd) for cmd in COMMANDS))

    assert card.get("type") == "AdaptiveCard", card


async def test_partner_notifies_an_installed_customer_and_the_card_arrives(
    pg_client, partner_api, claim_request
):
    await pg_client.install()

    status, headers, created = await partner_api.request("POST", "/api/claims", claim_request)
    assert status == 201, created
    assert headers.get("Location"), headers
    claim_id = created["id"]
    status, _, body = await partner_api.request(
        "POST", f"/api/claims/{claim_id}/notifications", {"channel": "teams"}
    )
    assert status == 202, body

    card = await pg_client.wait_for_card(
        lambda c: PARTNER in pg_client.card_text(c) and CUSTOMER in pg_client.card_text(c)
    )
    assert card.get("type") == "AdaptiveCard", card
    assert pg_client.mentions(card, "teams"), pg_client.card_text(card)
    assert pg_client.mentions(card, "exchange"), pg_client.card_text(card)

    claim = await partner_api.wait_for_delivery(claim_id, "sent", within=10)
    assert claim["deliveries"][0]["status"] == "sent", claim
