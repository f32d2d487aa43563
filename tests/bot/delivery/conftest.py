"""Fixtures for delivery: a fake Bot Connector on loopback, the SDK's card sender, a mailer and a worker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.delivery.worker import DeliveryWorker
from bot.ops.config import Settings
from bot.store import Store
from bot.teams.adapter import create_adapter
from bot.teams.connector import ConnectorCardSender
from tests.bot.delivery.support import MAIL
from tests.fakes import FakeConnector, RecordingMailer, running_connector


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as fake:
        yield fake


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


# The SDK's sender, to the fake connector: in this folder it stands in for the root conftest's `sender`.
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
        mail=MAIL,
    )
