"""Proactive delivery, with the SDK's credentials, to a fake Bot Connector on loopback: each card once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.delivery.worker import DeliveryWorker
from bot.domain.claims import Claim, Contact, Status
from bot.store import Store, StoredReference
from bot.teams.connector import ConnectorCardSender
from tests.bot.delivery.support import CONVERSATION, MAIL, TENANT, install, only_delivery, setup_claim
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


async def add_installed_contacts(store: Store, connector: FakeConnector, count: int) -> None:
    now = dt.datetime.now(dt.UTC)
    partner = await store.create_partner("Contoso Partners")
    for n in range(count):
        conversation = f"a:conversation-{n}"
        await store.save_reference(
            StoredReference(
                conversation_id=conversation,
                tenant_id=TENANT,
                aad_object_id=None,
                user_id=f"29:user-{n}",
                email=f"user{n}@fabrikam.example",
                conversation_type="personal",
                channel_id="msteams",
                service_url=connector.url,
                reference={
                    "user": {"id": f"29:user-{n}"},
                    "bot": {"id": "28:9e0b9a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b", "name": "CPOR explained"},
                    "conversation": {"id": conversation, "conversationType": "personal", "tenantId": TENANT},
                    "channelId": "msteams",
                    "serviceUrl": connector.url,
                },
                updated_at=now,
            )
        )
        claim = Claim(
            id=f"claim-{n}",
            partner_id=partner.id,
            customer_tenant_id=TENANT,
            customer_name=f"Customer {n}",
            solution_area="modern_work_security",
            workloads=("teams",),
            status=Status.UNDER_REVIEW,
            submitted_on=now.date(),
            created_at=now,
            updated_at=now,
            contacts=(Contact(id=f"c{n}", name=f"User {n}", email=f"user{n}@fabrikam.example"),),
        )
        await store.create_claim(claim)
        await store.create_notification(claim, f"n{n}", now, "teams")


async def test_a_batch_is_sent_concurrently_and_recorded_together(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    await add_installed_contacts(sqlite_store, connector, 12)
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
