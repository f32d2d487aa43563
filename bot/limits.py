"""Client-side rate limits that keep the bot under Teams' throttling thresholds.

Teams allows a bot, per conversation, 7 messages in 1 s, 8 in 2 s, 60 in 30 s and 1,800 in an hour,
and an app 50 requests a second per tenant. Staying under them means 429s are rare; the delivery
worker still honours Retry-After when one comes.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

Window = tuple[int, float]  # (how many, in how many seconds)

CONVERSATION_WINDOWS: tuple[Window, ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
TENANT_WINDOWS: tuple[Window, ...] = ((50, 1.0),)


class SlidingWindows:
    """Remembers when each key was used and says how long to wait before the next use."""

    def __init__(self, windows: Sequence[Window]) -> None:
        self._windows = tuple(windows)
        self._horizon = max(seconds for _, seconds in self._windows)
        self._used: dict[str, deque[float]] = {}

    def delay(self, key: str, now: float) -> float:
        """Seconds until `key` may be used again without breaking a window (0 if now)."""
        used = self._used.get(key)
        if not used:
            return 0.0
        while used and used[0] <= now - self._horizon:
            used.popleft()
        wait = 0.0
        for limit, seconds in self._windows:
            inside = [t for t in used if t > now - seconds]
            if len(inside) >= limit:
                wait = max(wait, inside[-limit] + seconds - now)
        return wait

    def record(self, key: str, now: float) -> None:
        self._used.setdefault(key, deque()).append(now)

    def forget_idle(self, now: float) -> None:
        """Drop keys with no use inside the longest window (keeps memory flat over time)."""
        for key in [k for k, used in self._used.items() if not used or used[-1] <= now - self._horizon]:
            del self._used[key]


class TeamsLimits:
    """Waits, when it must, before a send to a conversation in a tenant."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._conversations = SlidingWindows(CONVERSATION_WINDOWS)
        self._tenants = SlidingWindows(TENANT_WINDOWS)
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._sends = 0

    async def wait(self, conversation_id: str, tenant_id: str) -> float:
        """Wait until a send is allowed, record it, and return how long it waited."""
        waited = 0.0
        async with self._lock:
            while True:
                now = self._clock()
                delay = max(
                    self._conversations.delay(conversation_id, now), self._tenants.delay(tenant_id, now)
                )
                if delay <= 0:
                    break
                waited += delay
                await self._sleep(delay)
            self._conversations.record(conversation_id, now)
            self._tenants.record(tenant_id, now)
            self._sends += 1
            if self._sends % 1000 == 0:
                self._conversations.forget_idle(now)
                self._tenants.forget_idle(now)
        return waited
