"""The partner notifies before the customer has installed the app: the delivery waits for the install,
and the contact, known to the partner only by email, is matched when they install.

A module of its own so that its bot database has never seen an install (each module gets a fresh bot,
SQLite file and Playground).
"""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.e2e

PARTNER = "Contoso Partners"
CUSTOMER = "Fabrikam Ltd"


async def test_notification_waits_for_the_install_then_the_card_arrives(
    pg_client, partner_api, claim_request
):
    # Partners know their customer contacts by email: leave the Entra object id out, so the bot
    # must match the Teams user through the email address the Teams roster gives it on install.
    del claim_request["contacts"][0]["aad_object_id"]
    status, headers, created = await partner_api.request("POST", "/api/claims", claim_request)
    assert status == 201, created
    assert headers.get("Location"), headers
    claim_id = created["id"]
    status, _, body = await partner_api.request(
        "POST", f"/api/claims/{claim_id}/notifications", {"channel": "teams"}
    )
    assert status == 202, body

    # Nobody has installed the bot, so it has no conversation with the customer yet: the delivery waits.
    await asyncio.sleep(1.5)
    claim = await partner_api.get_claim(claim_id)
    assert claim["deliveries"][0]["status"] == "waiting", claim
    assert not [m for m in pg_client.messages if m.card], pg_client.describe(pg_client.messages)

    await pg_client.install()

    card = await pg_client.wait_for_card(
        lambda c: PARTNER in pg_client.card_text(c) and CUSTOMER in pg_client.card_text(c)
    )
    assert pg_client.mentions(card, "teams"), pg_client.card_text(card)
    assert pg_client.mentions(card, "exchange"), pg_client.card_text(card)

    claim = await partner_api.wait_for_delivery(claim_id, "sent", within=10)
    assert claim["deliveries"][0]["status"] == "sent", claim
