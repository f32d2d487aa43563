"""A worker that dies mid-batch: what it may have sent is `unknown`, what it leased and never sent is
queued again and sent once by the next worker. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.limits import TeamsLimits
from bot.delivery.sending import EncodedCard
from bot.delivery.worker import DeliveryWorker
from bot.store import DeliveryStatus, Store, open_store
from bot.store.sqlite import SqliteStore
from tests.bot.delivery.support import MAIL, add_installed_contacts
from tests.support import RecordingSender

CARDS = 12
SERVICE_URL = "https://smba.trafficmanager.net/emea/"  # never called: the senders here are fakes


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        opened = await SqliteStore.open_file(str(tmp_path / "crash.db"))
    else:
        opened = await open_store(request.getfixturevalue("postgres").create_database())
    yield opened
    await opened.close()


class StallingSender:
    """Sends `returns` cards, then hangs in every later send, as a worker killed mid-request would."""

    def __init__(self, returns: int, *, reached: int) -> None:
        self.conversations: list[str] = []
        self._returns = returns
        self._reached = reached
        self.all_reached = asyncio.Event()
        self._never = asyncio.Event()

    async def send_card(self, reference: dict[str, Any], card: EncodedCard) -> str | None:
        self.conversations.append(reference["conversation"]["id"])
        if len(self.conversations) >= self._reached:
            self.all_reached.set()
        if len(self.conversations) > self._returns:
            await self._never.wait()
        return f"activity-{len(self.conversations)}"

    async def update_card(self, reference: dict[str, Any], activity_id: str, card: EncodedCard) -> None:
        raise AssertionError("no card is updated here")


async def short_sleeps_only(seconds: float) -> None:
    """The worker's sleeps: a long one (a send waiting for a slot a second away) never ends, as the
    worker dies first."""
    if seconds > 0.5:
        await asyncio.Event().wait()
    await asyncio.sleep(seconds)


async def test_a_killed_worker_leaves_unknown_only_what_it_may_have_sent(store: Store) -> None:
    await add_installed_contacts(store, SERVICE_URL, CARDS)
    # One tenant, of whose limit the worker takes five sends a second (a tenth share): five sends
    # go now, and seven wait for slots a second on. Three of the five return; two hang.
    limits = TeamsLimits(sleep=short_sleeps_only, pace=False)
    limits.share_with(10)
    stalling = StallingSender(3, reached=5)
    killed = DeliveryWorker(
        store,
        stalling,
        poll_seconds=3600,
        mail=MAIL,
        limits=limits,
        # Its leases run out as soon as they are taken: the next pass finds them as it would
        # find a dead worker's five minutes later.
        lease_for=dt.timedelta(0),
    )
    batch = asyncio.create_task(killed.run_once())
    try:
        await asyncio.wait_for(stalling.all_reached.wait(), timeout=10)
        # The worker dies here: it never runs again, nothing of its batch is recorded.
        recorded = await store.delivery_counts()
        assert recorded[DeliveryStatus.SENDING] == CARDS

        sender = RecordingSender()
        successor = DeliveryWorker(
            store, sender, poll_seconds=3600, mail=MAIL, limits=TeamsLimits(pace=False)
        )
        assert await successor.run_once() == CARDS - 5
        assert await successor.run_once() == 0
    finally:
        batch.cancel()
        await asyncio.gather(batch, return_exceptions=True)

    counts = await store.delivery_counts()
    # The five whose requests had started (three answered, two in flight; none recorded) may have
    # arrived: `unknown`. The seven still waiting for a slot were sent by the successor.
    assert len(stalling.conversations) == 5
    assert counts[DeliveryStatus.UNKNOWN] == 5
    assert counts[DeliveryStatus.SENT] == CARDS - 5
    assert counts[DeliveryStatus.QUEUED] == counts[DeliveryStatus.SENDING] == 0
    posts = Counter(stalling.conversations + [ref["conversation"]["id"] for ref, _ in sender.sent])
    assert len(posts) == CARDS and max(posts.values()) == 1  # every card once, none twice
    deliveries = [d for n in range(CARDS) for d in await store.deliveries_for_claim(f"claim-{n}")]
    unknown = {d.conversation_id for d in deliveries if d.status == DeliveryStatus.UNKNOWN}
    assert unknown == set(stalling.conversations)
    # The successor's sends count one attempt each: the dead worker's lease is not held against them.
    assert {d.attempts for d in deliveries if d.status == DeliveryStatus.SENT} == {1}
