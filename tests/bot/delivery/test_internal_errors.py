"""A fault of the service is not a network error: the delivery fails at once, its traceback goes to
the log and its count to /metrics, and the partner sees a short text without the exception's. Send
failures keep their retry policy."""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage
from typing import Any

import pytest

from bot.delivery.sending import EncodedCard
from bot.delivery.worker import INTERNAL_ERROR, DeliveryWorker
from bot.ops.metrics import Metrics
from bot.store import DeliveryStatus, Store
from bot.teams.connector import ConnectorCardSender
from tests.bot.delivery.support import MAIL, only_delivery, setup_claim
from tests.fakes import FakeConnector, running_connector
from tests.support import RecordingSender

SECRET = "megan.bowen@fabrikam.example"  # what a careless exception message might carry


class FaultySender(RecordingSender):
    """A Teams sender with a bug in it."""

    async def send_card(self, reference: dict[str, Any], card: EncodedCard) -> str | None:
        await super().send_card(reference, card)
        raise KeyError(SECRET)


class FaultyMailer:
    """A mailer with a bug in it."""

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, message: EmailMessage) -> None:
        self.calls += 1
        raise AttributeError(f"'NoneType' object has no attribute 'starttls' ({SECRET})")


def internal_errors(metrics: Metrics) -> float:
    return metrics.registry.get_sample_value("cpor_delivery_internal_errors_total") or 0.0


@pytest.mark.parametrize("channel", ["teams", "email"])
async def test_a_fault_of_the_service_fails_the_delivery_at_once_and_is_logged_and_counted(
    sqlite_store: Store, connector: FakeConnector, caplog: pytest.LogCaptureFixture, channel: str
) -> None:
    sender, mailer, metrics = FaultySender(), FaultyMailer(), Metrics()
    worker = DeliveryWorker(
        sqlite_store, sender, poll_seconds=3600, mail=MAIL, mailer=mailer, metrics=metrics
    )
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), channel)

    with caplog.at_level(logging.ERROR, logger="bot.delivery.worker"):
        assert await worker.run_once() == 1
    delivery = await only_delivery(sqlite_store)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.last_error == INTERNAL_ERROR  # not the exception's text, which may be a customer's
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.levelno == logging.ERROR and delivery.id in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] in (KeyError, AttributeError)
    assert internal_errors(metrics) == 1
    labels = {"channel": channel, "kind": "claim", "outcome": "failed"}
    assert metrics.registry.get_sample_value("cpor_deliveries_total", labels) == 1
    # Not retried: one call, and nothing due any more.
    assert await worker.run_once() == 0
    assert len(sender.sent) + mailer.calls == 1


async def test_a_network_error_is_still_retried_and_is_no_internal_error(
    sqlite_store: Store, sender: ConnectorCardSender
) -> None:
    async with running_connector() as gone:
        claim = await setup_claim(sqlite_store, gone)
    # The connector has stopped: the connection is refused, the sender reports "no response".
    metrics = Metrics()
    worker = DeliveryWorker(sqlite_store, sender, poll_seconds=3600, mail=MAIL, metrics=metrics)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC), "teams")
    assert await worker.run_once() == 1
    delivery = await only_delivery(sqlite_store)
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 1
    assert "no response" in (delivery.last_error or "") and "will retry" in (delivery.last_error or "")
    assert delivery.next_attempt_at > dt.datetime.now(dt.UTC)
    assert internal_errors(metrics) == 0


def test_the_worker_cannot_be_built_without_its_mail_identity(sqlite_store: Store) -> None:
    # Without one every email failed on the empty Actionable Messages originator.
    with pytest.raises(TypeError, match="mail"):
        DeliveryWorker(sqlite_store, RecordingSender(), poll_seconds=1)  # type: ignore[call-arg]  # the point
