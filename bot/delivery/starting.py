"""Sends noted as started before they leave, a batch at a time: a worker that dies leaves `unknown`
only the deliveries whose requests may have gone out; the store queues the rest again."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.store import DeliveryStore


class LeaseLost(Exception):
    """The lease ran out before the send started; the delivery is no longer this worker's to send."""


class StartNotRecorded(Exception):
    """The store could not note the start; the send must not go."""


class StartMarks:
    """Notes sends as started. Each send waits for the write that covers it; sends that ask while a
    write is under way go together in the next one, so a busy worker writes its starts a batch at
    a time, not one by one."""

    def __init__(self, store: DeliveryStore, owner: str) -> None:
        self._store = store
        self._owner = owner
        self._pending: list[str] = []
        self._batch: asyncio.Future[set[str]] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def start(self, delivery_id: str) -> None:
        """Return once the store has noted this send as started: the caller sends right after.
        LeaseLost if the delivery is no longer ours; StartNotRecorded if the store failed."""
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
            # Every sender of a batch may have been cancelled: the outcome is read here regardless.
            self._batch.add_done_callback(lambda done: done.cancelled() or done.exception())
        batch = self._batch
        self._pending.append(delivery_id)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="delivery-start-marks")
        try:
            # Shielded: a cancelled sender must not cancel the others' batch.
            held = await asyncio.shield(batch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise StartNotRecorded(delivery_id) from exc
        if delivery_id not in held:
            raise LeaseLost(delivery_id)

    async def settle(self) -> None:
        """Wait for the write under way, if any (before the store is closed)."""
        if self._writer is not None:
            await asyncio.wait([self._writer])

    async def _write(self) -> None:
        while self._pending:
            ids, batch = self._pending, self._batch
            self._pending, self._batch = [], None
            assert batch is not None  # noqa: S101 - set whenever an id is pending
            try:
                held = await self._store.start_deliveries(self._owner, ids, dt.datetime.now(dt.UTC))
            except Exception as exc:  # noqa: BLE001 - each sender of the batch hears of it
                batch.set_exception(exc)
            else:
                batch.set_result(held)
