"""The loop the background workers share: work while there is work, else sleep until woken or
the next poll, and stop when asked.

Several lanes can share one poller. A wake-up wakes one sleeping lane, not all of them: a single
notification is one pass's work, and every lane leasing at once for it only queues transactions in
front of the requests. A pass that finds more work than it takes wakes another lane itself (the
workers do, when a lease comes back full), so a big outbox still gets every lane at once. A wake-up
while every lane is busy is kept for the next lane that would sleep.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Poller:
    def __init__(self, name: str, poll_seconds: float) -> None:
        self._name = name
        self._poll = poll_seconds
        self._sleepers: deque[asyncio.Future[None]] = deque()
        self._pending = False  # a wake-up no lane was asleep for
        self._stopping = False

    def wake(self) -> None:
        """Wake one sleeping lane, or the next one to go to sleep."""
        while self._sleepers:
            sleeper = self._sleepers.popleft()
            if not sleeper.done():
                sleeper.set_result(None)
                return
        self._pending = True

    def stop(self) -> None:
        """Finish the current pass, then leave `run` (even if a library swallowed a cancellation)."""
        self._stopping = True
        while self._sleepers:
            sleeper = self._sleepers.popleft()
            if not sleeper.done():
                sleeper.set_result(None)

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
                break
            await self._sleep()

    async def _sleep(self) -> None:
        if self._pending:
            self._pending = False
            return
        sleeper = asyncio.get_running_loop().create_future()
        self._sleepers.append(sleeper)
        try:
            await asyncio.wait_for(sleeper, timeout=self._poll)
        except TimeoutError:
            pass
        finally:
            if sleeper in self._sleepers:  # timed out or cancelled: no longer asleep
                self._sleepers.remove(sleeper)
