"""Failed sends: what is retried and when, what fails at once, when retrying stops, and the counts."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.delivery.retries import MAX_ATTEMPTS, backoff
from bot.delivery.worker import DeliveryWorker
from bot.store import Store
from bot.teams.connector import ConnectorCardSender
from tests.bot.delivery.support import CONVERSATION, MAIL, only_delivery, setup_claim
from tests.fakes import FakeConnector


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


def test_backoff_grows_and_honours_retry_after() -> None:
    assert backoff(3, 12.0) == dt.timedelta(seconds=12)
    first, third = backoff(1, None), backoff(3, None)
    assert dt.timedelta(seconds=4) <= first <= dt.timedelta(seconds=6)
    assert dt.timedelta(seconds=16) <= third <= dt.timedelta(seconds=24)
    assert backoff(30, None) <= dt.timedelta(seconds=720)


async def test_throttling_and_retries_are_counted(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    from bot.ops.metrics import Metrics

    metrics = Metrics()
    worker = DeliveryWorker(sqlite_store, sender, poll_seconds=3600, mail=MAIL, metrics=metrics)
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    connector.fail_next(CONVERSATION, 429, code="Throttled", headers={"Retry-After": "0"})
    await worker.run_once()
    await worker.run_once()
    assert metrics.registry.get_sample_value("cpor_teams_throttled_total") == 1
    labels = {"channel": "teams", "kind": "claim"}
    assert metrics.registry.get_sample_value("cpor_deliveries_total", {**labels, "outcome": "retry"}) == 1
    assert metrics.registry.get_sample_value("cpor_deliveries_total", {**labels, "outcome": "sent"}) == 1
