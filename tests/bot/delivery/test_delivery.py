"""Proactive delivery, with the SDK's credentials, to a fake Bot Connector on loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.delivery.limits import TeamsLimits
from bot.delivery.retries import MAX_ATTEMPTS, backoff
from bot.delivery.worker import DeliveryWorker
from bot.domain.claims import Claim, Contact, Status
from bot.mail.identity import MailIdentity
from bot.ops.config import Settings
from bot.store import Store, StoredReference
from bot.teams.adapter import create_adapter
from bot.teams.connector import ConnectorCardSender
from tests.changes import Changes
from tests.fakes import FakeConnector, RecordingMailer, running_connector

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CONVERSATION = "a:1Hx9sQ0vT5bKc3Zr8mP2yLw7Nf4Dj6Ge1Ua0Ok5Ri9Vt3Xs8Yq2Wp7Mn4Lb6Jh"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as fake:
        yield fake


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
async def sender() -> AsyncIterator[ConnectorCardSender]:
    card_sender = ConnectorCardSender(create_adapter(Settings()), "")
    yield card_sender
    await card_sender.close()


@pytest.fixture
def worker(sqlite_store: Store, mailer: RecordingMailer, sender: ConnectorCardSender) -> DeliveryWorker:
    return DeliveryWorker(
        sqlite_store,
        sender,
        poll_seconds=3600,
        mailer=mailer,
        mail=MailIdentity(
            "cpor@contoso.example", "Contoso via CPOR explained", "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"
        ),
    )


async def setup_claim(store: Store, connector: FakeConnector, *, installed: bool = True) -> Claim:
    now = dt.datetime.now(dt.UTC)
    partner = await store.create_partner("Contoso Partners")
    claim = Claim(
        id="claim-1",
        partner_id=partner.id,
        customer_tenant_id=TENANT,
        customer_name="Fabrikam Ltd",
        solution_area="modern_work_security",
        workloads=("teams", "exchange"),
        status=Status.UNDER_REVIEW,
        submitted_on=now.date(),
        created_at=now,
        updated_at=now,
        contacts=(Contact(id="c1", name="Megan Bowen", email="megan.bowen@fabrikam.example"),),
    )
    await store.create_claim(claim)
    if installed:
        await install(store, connector)
    return claim


async def install(store: Store, connector: FakeConnector) -> None:
    await store.save_reference(
        StoredReference(
            conversation_id=CONVERSATION,
            tenant_id=TENANT,
            aad_object_id="6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
            user_id="29:megan",
            email="megan.bowen@fabrikam.example",
            conversation_type="personal",
            channel_id="msteams",
            service_url=connector.url,
            reference={
                "activityId": None,
                "user": {"id": "29:megan", "aadObjectId": "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"},
                "bot": {"id": "28:9e0b9a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b", "name": "CPOR explained"},
                "conversation": {"id": CONVERSATION, "conversationType": "personal", "tenantId": TENANT},
                "channelId": "msteams",
                "locale": "en-GB",
                "serviceUrl": connector.url,
            },
            updated_at=dt.datetime.now(dt.UTC),
        )
    )


async def only_delivery(store: Store) -> Any:
    (delivery,) = await store.deliveries_for_claim("claim-1")
    return delivery


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


async def test_429_is_retried_after_retry_after(
    sqlite_store: Store, connector: FakeConnector, worker: DeliveryWorker
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))
    connector.fail_next(CONVERSATION, 429, code="Throttled", headers={"Retry-After": "30"})

    before = dt.datetime.now(dt.UTC)
    assert await worker.run_once() == 1
    delivery = await only_delivery(sqlite_store)
    assert delivery.status == "queued"
    assert "429" in (delivery.last_error or "")
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 29 <= wait <= 32
    assert await worker.run_once() == 0  # not due yet
    assert connector.posts == []


@pytest.mark.parametrize("status", [403, 404])
async def test_403_and_404_drop_the_reference_and_fall_back_to_email(
    sqlite_store: Store,
    connector: FakeConnector,
    worker: DeliveryWorker,
    mailer: RecordingMailer,
    status: int,
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))
    connector.fail_next(CONVERSATION, status, code="ConversationBlockedByUser")

    await worker.run_once()
    teams, email = await sqlite_store.deliveries_for_claim("claim-1")
    assert (teams.channel, teams.status) == ("teams", "failed")
    assert str(status) in (teams.last_error or "") and "email instead" in (teams.last_error or "")
    assert (email.channel, email.status) == ("email", "queued")
    assert "fallback" in (email.last_error or "")
    assert await sqlite_store.get_reference(CONVERSATION) is None

    await worker.run_once()
    email = (await sqlite_store.deliveries_for_claim("claim-1"))[1]
    assert email.status == "sent"
    (message,) = mailer.sent
    assert message["To"] == "Megan Bowen <megan.bowen@fabrikam.example>"
    assert connector.posts == []


@pytest.mark.parametrize("status", [400, 401, 413, 500])
async def test_other_errors_are_not_retried(
    sqlite_store: Store, connector: FakeConnector, worker: DeliveryWorker, status: int
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))
    connector.fail_next(CONVERSATION, status)
    await worker.run_once()
    delivery = await only_delivery(sqlite_store)
    assert delivery.status == "failed"
    assert str(status) in (delivery.last_error or "")
    assert await sqlite_store.get_reference(CONVERSATION) is not None


async def test_transient_errors_give_up_after_the_attempt_cap(
    sqlite_store: Store, connector: FakeConnector, worker: DeliveryWorker
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))
    for _ in range(MAX_ATTEMPTS):
        connector.fail_next(CONVERSATION, 503, headers={"Retry-After": "0"})
    for _ in range(MAX_ATTEMPTS):
        assert await worker.run_once() == 1
    delivery = await only_delivery(sqlite_store)
    assert delivery.status == "failed"
    assert delivery.attempts == MAX_ATTEMPTS
    assert await worker.run_once() == 0


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
        worker = DeliveryWorker(second, sender, poll_seconds=3600)
        assert await worker.run_once() == 1
        (delivery,) = await second.deliveries_for_claim("claim-1")
        assert delivery.status == "sent"
    finally:
        await second.close()


def test_backoff_grows_and_honours_retry_after() -> None:
    assert backoff(3, 12.0) == dt.timedelta(seconds=12)
    first, third = backoff(1, None), backoff(3, None)
    assert dt.timedelta(seconds=4) <= first <= dt.timedelta(seconds=6)
    assert dt.timedelta(seconds=16) <= third <= dt.timedelta(seconds=24)
    assert backoff(30, None) <= dt.timedelta(seconds=720)


async def test_a_status_change_during_the_send_still_updates_the_card(
    sqlite_store: Store, connector: FakeConnector, worker: DeliveryWorker
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    now = dt.datetime.now(dt.UTC)
    (leased,) = await sqlite_store.lease_deliveries("in-flight", now, dt.timedelta(minutes=5), 10)
    # The partner approves while the card is on its way: no sent card exists to update yet.
    _, queued = await sqlite_store.change_status(
        claim.id,
        claim.partner_id,
        expected=Status.UNDER_REVIEW,
        wanted=Status.APPROVED,
        at=now,
        change_id="c1",
        message=False,
    )
    assert queued == []
    await sqlite_store.finish_delivery(
        leased.delivery.id, "in-flight", status="sent", at=now, activity_id="act-1"
    )
    assert await sqlite_store.enqueue_card_update(leased.delivery.id, now)
    assert not await sqlite_store.enqueue_card_update(leased.delivery.id, now)  # once per status
    await worker.run_once()
    ((activity_id, update),) = connector.updates
    assert activity_id == "act-1" and "Approved" in str(update)


async def test_the_worker_notices_a_status_change_that_raced_its_send(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    inner = sender

    class RacingSender:
        async def send_card(self, reference: dict[str, Any], card: dict[str, Any]) -> str | None:
            sent = await inner.send_card(reference, card)
            await sqlite_store.change_status(
                claim.id,
                claim.partner_id,
                expected=Status.UNDER_REVIEW,
                wanted=Status.APPROVED,
                at=dt.datetime.now(dt.UTC),
                change_id="c1",
                message=False,
            )
            return sent

        async def update_card(
            self, reference: dict[str, Any], activity_id: str, card: dict[str, Any]
        ) -> None:
            await inner.update_card(reference, activity_id, card)

    worker = DeliveryWorker(sqlite_store, RacingSender(), poll_seconds=3600)
    await worker.run_once()  # sends the card (built while under review) and queues its update
    await worker.run_once()  # the update
    ((activity_id, update),) = connector.updates
    assert activity_id == "reply-1" and "Approved" in str(update)


async def test_throttling_and_retries_are_counted(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    from bot.ops.metrics import Metrics

    metrics = Metrics()
    worker = DeliveryWorker(sqlite_store, sender, poll_seconds=3600, metrics=metrics)
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    connector.fail_next(CONVERSATION, 429, code="Throttled", headers={"Retry-After": "0"})
    await worker.run_once()
    await worker.run_once()
    assert metrics.registry.get_sample_value("cpor_teams_throttled_total") == 1
    labels = {"channel": "teams", "kind": "claim"}
    assert metrics.registry.get_sample_value("cpor_deliveries_total", {**labels, "outcome": "retry"}) == 1
    assert metrics.registry.get_sample_value("cpor_deliveries_total", {**labels, "outcome": "sent"}) == 1


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
    worker = DeliveryWorker(sqlite_store, sender, poll_seconds=3600)
    assert await worker.run_once() == 12
    assert connector.most_in_flight > 1  # not one after another
    assert len({path for path, _, _ in connector.posts}) == 12
    counts = await sqlite_store.delivery_counts()
    assert counts["sent"] == 12 and counts["sending"] == 0


async def test_a_send_the_limits_hold_back_for_long_goes_back_to_the_queue_uncounted(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    from bot.delivery.limits import TeamsLimits
    from bot.ops.metrics import Metrics

    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    limits = TeamsLimits()
    for _ in range(60):  # 60 messages into this chat in the last moments: the 30 s window is full
        limits.reserve(CONVERSATION, TENANT)
    metrics = Metrics()
    worker = DeliveryWorker(sqlite_store, sender, poll_seconds=3600, limits=limits, metrics=metrics)
    before = dt.datetime.now(dt.UTC)
    assert await worker.run_once() == 1
    assert connector.posts == []
    delivery = await only_delivery(sqlite_store)
    assert delivery.status == "queued" and delivery.attempts == 0
    assert delivery.next_attempt_at > before + dt.timedelta(seconds=20)
    assert "rate limits" in (delivery.last_error or "")
    labels = {"channel": "teams", "kind": "claim", "outcome": "deferred"}
    assert metrics.registry.get_sample_value("cpor_deliveries_total", labels) == 1


class CountedLimits(TeamsLimits):
    """The worker's limits, announcing each new count of the workers alive."""

    def __init__(self) -> None:
        super().__init__()
        self.changes = Changes()
        self.shares: list[int] = []

    def share_with(self, workers: int) -> None:
        super().share_with(workers)
        self.shares.append(workers)
        self.changes.changed()


async def test_running_workers_share_the_tenant_limits_and_sign_off(
    sqlite_store: Store, sender: ConnectorCardSender
) -> None:
    import asyncio

    beat = dt.timedelta(milliseconds=20)
    first_limits, second_limits = CountedLimits(), CountedLimits()
    first = DeliveryWorker(sqlite_store, sender, poll_seconds=3600, heartbeat_every=beat, limits=first_limits)
    second = DeliveryWorker(
        sqlite_store, sender, poll_seconds=3600, heartbeat_every=beat, limits=second_limits
    )
    runs = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
    await first_limits.changes.until(lambda: first_limits.workers == 2)
    await second_limits.changes.until(lambda: second_limits.workers == 2)
    second.stop()
    await runs[1]
    # Signed off on stop: the first counts one worker at its next beat, not when the other goes silent
    # (that takes five beats).
    beats_before = len(first_limits.shares)
    await first_limits.changes.until(lambda: first_limits.workers == 1)
    assert len(first_limits.shares) - beats_before < 5
    first.stop()
    await runs[0]


async def test_a_worker_joining_others_waits_until_they_have_counted_it(
    sqlite_store: Store,
    connector: FakeConnector,
    sender: ConnectorCardSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    import bot.delivery.worker

    monkeypatch.setattr(bot.delivery.worker, "DEFER_AFTER_SECONDS", 0.3)
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    # Another worker is alive and may have sends booked at its old, larger share.
    await sqlite_store.worker_heartbeat(
        "other", dt.datetime.now(dt.UTC), alive_within=dt.timedelta(seconds=10)
    )
    limits = CountedLimits()
    beat = dt.timedelta(seconds=0.2)
    worker = DeliveryWorker(sqlite_store, sender, poll_seconds=3600, heartbeat_every=beat, limits=limits)
    loop = asyncio.get_running_loop()
    started = loop.time()
    running = asyncio.create_task(worker.run())
    await connector.changes.until(lambda: bool(connector.posts))
    waited = loop.time() - started
    shares_at_post = list(limits.shares)
    # It counted the others, waited for their next beat and for the sends they booked, and counted
    # again before its first send.
    assert shares_at_post[:2] == [2, 2]
    assert waited >= beat.total_seconds() + 0.3
    assert len(connector.posts) == 1
    assert limits.workers == 2
    worker.stop()
    await running


def test_the_emails_from_name_is_the_partners_never_the_apps() -> None:
    own = MailIdentity("cpor@contoso.example", "", "o")
    assert own.from_name("Contoso Partners") == "Contoso Partners"
    operated = MailIdentity("cpor@litware.example", "", "o", organisation="Litware Managed Services")
    assert operated.from_name("Contoso Partners") == "Contoso Partners via Litware Managed Services"
    assert operated.from_name("litware  managed services") == "litware managed services"  # the same
    assert MailIdentity("a@b.example", "Contoso Mail", "o", "Litware").from_name("X") == "Contoso Mail"
    # A name that looks like a link is defused, as everywhere partner text is shown.
    assert "evil.example" not in operated.from_name("evil.example")
