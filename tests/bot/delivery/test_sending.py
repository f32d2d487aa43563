"""Proactive delivery, with the SDK's credentials, to a fake Bot Connector on loopback: each card once."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot.delivery.sending import EncodedCard
from bot.delivery.worker import DeliveryWorker
from bot.store import Store
from bot.teams.connector import ConnectorCardSender
from cards import claim_card
from cards.samples import CONTOSO
from tests.bot.delivery.support import (
    CONVERSATION,
    MAIL,
    add_installed_contacts,
    install,
    only_delivery,
    setup_claim,
)
from tests.fakes import FakeConnector


async def test_the_card_reaches_the_conversation_and_the_outcome_is_recorded(
    sqlite_store: Store, connector: FakeConnector, worker: DeliveryWorker
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))

    assert await worker.run_once() == 1
    ((path, activity, _),) = connector.posts
    # Posted as a new message into the user's personal chat.
    assert path == f"/v3/conversations/{CONVERSATION}/activities"
    assert activity["type"] == "message"
    card = activity["attachments"][0]["content"]
    assert "Fabrikam Ltd" in str(card) and "Contoso Partners" in str(card)

    delivery = await only_delivery(sqlite_store)
    assert delivery.status == "sent"
    assert delivery.activity_id == "reply-1"
    assert delivery.attempts == 1
    assert await worker.run_once() == 0
    assert len(connector.posts) == 1


async def test_a_contact_matched_by_email_gets_the_card(
    sqlite_store: Store, connector: FakeConnector, worker: DeliveryWorker
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    (queued,) = await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))
    assert queued.status == "queued"  # the contact has no aad_object_id: matched by email


async def test_a_batch_is_sent_concurrently_and_recorded_together(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    await add_installed_contacts(sqlite_store, connector.url, 12)
    connector.latency = 0.05
    worker = DeliveryWorker(sqlite_store, sender, poll_seconds=3600, mail=MAIL)
    assert await worker.run_once() == 12
    assert connector.most_in_flight > 1  # not one after another
    assert len({path for path, _, _ in connector.posts}) == 12
    counts = await sqlite_store.delivery_counts()
    assert counts["sent"] == 12 and counts["sending"] == 0


async def test_a_lease_that_expired_mid_send_becomes_unknown_not_resent(
    sqlite_store: Store, connector: FakeConnector
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))
    now = dt.datetime.now(dt.UTC)
    (leased,) = await sqlite_store.lease_deliveries("crashed-worker", now, dt.timedelta(seconds=1), 10)
    assert await sqlite_store.start_deliveries("crashed-worker", [leased.delivery.id], now) == {
        leased.delivery.id
    }
    later = now + dt.timedelta(seconds=5)
    assert await sqlite_store.lease_deliveries("other-worker", later, dt.timedelta(minutes=5), 10) == []
    delivery = await only_delivery(sqlite_store)
    assert delivery.status == "unknown"
    # The crashed worker's late completion is fenced off.
    assert not await sqlite_store.finish_delivery(
        leased.delivery.id, "crashed-worker", status="sent", at=later, activity_id="x"
    )
    assert (await only_delivery(sqlite_store)).status == "unknown"


async def test_pending_deliveries_survive_a_restart(
    tmp_path: Any, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    from bot.store.sqlite import SqliteStore

    path = str(tmp_path / "restart.db")
    first = await SqliteStore.open_file(path)
    claim = await setup_claim(first, connector, installed=False)
    await first.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    await first.close()

    second = await SqliteStore.open_file(path)
    try:
        await install(second, connector)
        worker = DeliveryWorker(second, sender, poll_seconds=3600, mail=MAIL)
        assert await worker.run_once() == 1
        (delivery,) = await second.deliveries_for_claim("claim-1")
        assert delivery.status == "sent"
    finally:
        await second.close()


def test_an_encoded_card_is_the_card_as_json_with_its_fallback_text() -> None:
    card = claim_card(CONTOSO, host="teams")
    encoded = EncodedCard.of(card)
    assert encoded.content() == card
    assert json.loads(encoded.json) == card  # plain JSON any reader takes
    assert encoded.fallback_text == card["fallbackText"]
    assert EncodedCard.of({"type": "AdaptiveCard", "fallbackText": 3}).fallback_text is None
    assert EncodedCard.of({"type": "AdaptiveCard"}).fallback_text is None
