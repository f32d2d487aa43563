"""The loop the background workers share: work while there is work, else sleep until woken or
the next poll, and stop when asked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Poller:
    def __init__(self, name: str, poll_seconds: float) -> None:
        self._name = name
        self._poll = poll_seconds
        self._wakeup = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the current pass, then leave `run` (even if a library swallowed a cancellation)."""
        self._stopping = True
        self._wakeup.set()

    async def run(self, run_once: Callable[[], Awaitable[int]]) -> None:
        while not self._stopping:
            try:
                worked = await run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s pass failed; trying again at the next poll", self._name)
                worked = 0
            if worked:
                continue  # more may be due right away
            if self._stopping:
                # Asked to stop during this pass: another lane may have cleared the wake-up already.
                break
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll)
            except TimeoutError:
                pass
            self._wakeup.clear()
