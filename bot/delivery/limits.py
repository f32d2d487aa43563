"""Client-side rate limits that keep the bot under Teams' throttling thresholds.

Teams allows a bot, per conversation, 7 messages in 1 s, 8 in 2 s, 60 in 30 s and 1,800 in an hour,
and an app 50 requests a second per tenant. Staying under them means 429s are rare; the delivery
worker still honours Retry-After when one comes.

Each send reserves a moment for itself and then sleeps until it, without holding a lock, so many
sends can wait at once: a conversation that must wait does not hold up the rest of its tenant.
"""

from __future__ import annotations

import asyncio
import math
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Awaitable, Callable, Sequence

Window = tuple[int, float]  # (how many, in how many seconds)

CONVERSATION_WINDOWS: tuple[Window, ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
TENANT_WINDOWS: tuple[Window, ...] = ((50, 1.0),)
# Teams counts a message when it arrives, which is a little after we send it, and not always in the
# order we sent them. Windows this much wider keep that jitter from turning into a 429.
SAFETY_MARGIN_SECONDS = 0.05
# Not a Teams limit: a tenant's 50 a second go out as 5 every 100 ms, not 50 at once. A burst takes
# a while to leave this process and to arrive; spread out, no send eats into the margin of another.
TENANT_PACE: Window = (5, 0.1)
# A send woken this much after its booked moment books again (at most so many times, then it goes).
LATE_TOLERANCE_SECONDS = 0.025
MAX_REBOOKINGS = 5


class SlidingWindows:
    """The moments each key was (or will be) used, and when one more use would fit."""

    def __init__(self, windows: Sequence[Window], *, margin: float = 0.0, pace: Window | None = None) -> None:
        self._used: dict[str, list[float]] = {}
        self.set_windows(windows, margin=margin, pace=pace)

    def set_windows(
        self, windows: Sequence[Window], *, margin: float = 0.0, pace: Window | None = None
    ) -> None:
        """Change the limits; what was booked so far counts against the new ones."""
        self._windows = tuple((limit, seconds + margin) for limit, seconds in windows)
        if pace is not None:
            self._windows += (pace,)
        self._horizon = max(seconds for _, seconds in self._windows)

    def later_than(self, key: str, at: float) -> float | None:
        """None if one more use of `key` at `at` keeps every window within its limit; otherwise a
        later moment to try (the end of the fullest window that would be broken)."""
        used = self._used.get(key)
        if not used:
            return None
        later: float | None = None
        if used[-1] <= at:
            # Nothing booked after `at` (the usual case): only the window ending at `at` matters.
            for limit, seconds in self._windows:
                if len(used) >= limit and used[-limit] + seconds > at:
                    later = max(later or at, used[-limit] + seconds)
            return later
        for limit, seconds in self._windows:
            # Quick answer: fewer than `limit` uses within `seconds` either side cannot break it.
            if bisect_left(used, at + seconds) - bisect_right(used, at - seconds) < limit:
                continue
            # Every window [start, start + seconds) that holds `at` holds no more uses than one
            # starting at an earlier use inside it, or at `at` itself: check just those.
            first = bisect_right(used, at - seconds)
            last = bisect_right(used, at)
            for start in (*used[first:last], at):
                if bisect_left(used, start + seconds) - bisect_left(used, start) >= limit:
                    later = max(later or at, start + seconds)
        # Rounding can make `start + seconds` land on `at` itself; always move on.
        return None if later is None else max(later, math.nextafter(at, math.inf))

    def record(self, key: str, at: float) -> None:
        insort(self._used.setdefault(key, []), at)

    def forget(self, key: str, at: float) -> None:
        """Drop one use of `key` at `at` (a booking given up: nothing was sent then)."""
        used = self._used.get(key)
        if used:
            index = bisect_left(used, at)
            if index < len(used) and used[index] == at:
                del used[index]

    def delay(self, key: str, now: float) -> float:
        """Seconds from `now` until one more use of `key` fits (0 if it fits now)."""
        at = now
        while (later := self.later_than(key, at)) is not None:
            at = later
        return at - now

    def forget_idle(self, now: float) -> None:
        """Drop uses older than the longest window, and keys left with none (keeps memory flat)."""
        for key in list(self._used):
            used = self._used[key]
            del used[: bisect_right(used, now - self._horizon)]
            if not used:
                del self._used[key]


class TeamsLimits:
    """Waits, when it must, before a send to a conversation in a tenant."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        margin: float = SAFETY_MARGIN_SECONDS,
        pace: bool = True,
        on_rebook: Callable[[], None] = lambda: None,
    ) -> None:
        self._on_rebook = on_rebook
        self._margin = margin
        self._pace = pace
        self._conversations = SlidingWindows(CONVERSATION_WINDOWS, margin=margin)
        self._tenants = SlidingWindows(TENANT_WINDOWS, margin=margin, pace=TENANT_PACE if pace else None)
        self.workers = 1
        self._clock = clock
        self._sleep = sleep
        self._sends = 0

    def share_with(self, workers: int) -> None:
        """Take a 1/`workers` share of each tenant's limit: Teams counts the app's requests per
        tenant, whichever process sends them."""
        workers = max(1, workers)
        if workers == self.workers:
            return
        self.workers = workers
        windows = tuple((max(1, limit // workers), seconds) for limit, seconds in TENANT_WINDOWS)
        pace: Window | None = None
        if self._pace:
            # The same even spread at the smaller rate: `count` sends per `count / rate` seconds.
            count, seconds = TENANT_PACE
            count = max(1, count // workers)
            pace = (count, count * seconds * workers / TENANT_PACE[0])
        self._tenants.set_windows(windows, margin=self._margin, pace=pace)

    def _earliest(self, conversation_id: str, tenant_id: str, now: float) -> float:
        at = now
        while True:
            later = max(
                self._conversations.later_than(conversation_id, at) or at,
                self._tenants.later_than(tenant_id, at) or at,
            )
            if later <= at:
                return at
            at = later

    def delay(self, conversation_id: str, tenant_id: str) -> float:
        """Seconds until a send would be allowed (books nothing)."""
        now = self._clock()
        return self._earliest(conversation_id, tenant_id, now) - now

    def reserve(self, conversation_id: str, tenant_id: str, *, at_most: float | None = None) -> float | None:
        """Book the earliest moment both limits allow a send; return how long to wait for it, or
        None (booking nothing) when that would be more than `at_most` seconds."""
        now = self._clock()
        at = self._book(conversation_id, tenant_id, now, at_most)
        return None if at is None else at - now

    def _book(
        self, conversation_id: str, tenant_id: str, now: float, at_most: float | None, *, after: float = 0.0
    ) -> float | None:
        """Book the earliest moment at least `after` seconds from `now` (None, booking nothing, if
        that is more than `at_most` seconds away)."""
        at = self._earliest(conversation_id, tenant_id, now + after)
        if at_most is not None and at - now > at_most:
            return None
        # No await between the check and the booking: nothing else can book in between.
        self._conversations.record(conversation_id, at)
        self._tenants.record(tenant_id, at)
        self._sends += 1
        if self._sends % 1000 == 0:
            self._conversations.forget_idle(now)
            self._tenants.forget_idle(now)
        return at

    async def wait(
        self,
        conversation_id: str,
        tenant_id: str,
        *,
        at_most: float | None = None,
        ready: Callable[[], Awaitable[None]] | None = None,
        lead: float = 0.0,
    ) -> float | None:
        """Book a moment for a send and sleep until it; return how long that was, or None (having
        waited for nothing, or only for `ready`) when the limits allow no send within `at_most`
        seconds. `ready`, the send's last step before it leaves, is awaited once, `lead` seconds
        before the moment, so that it is done by then: the moment booked is at least `lead` away.

        A sleeper woken late (a busy moment in this process, or a slow `ready`) books again rather
        than go late: a late send and the next on-time one can be closer than Teams allows. The
        moment it missed is given back (nothing was sent then), and the new one is booked among
        the others as they stand now.
        """
        started = self._clock()
        for _ in range(MAX_REBOOKINGS):
            due = self._book(conversation_id, tenant_id, self._clock(), at_most, after=lead if ready else 0.0)
            if due is None:
                return None
            if ready is not None:
                if due - self._clock() > lead:
                    await self._sleep(due - self._clock() - lead)
                await ready()
                ready = None
            remaining = due - self._clock()
            if remaining > 0:
                await self._sleep(remaining)
            if self._clock() - due <= LATE_TOLERANCE_SECONDS:
                break
            self._conversations.forget(conversation_id, due)
            self._tenants.forget(tenant_id, due)
            self._on_rebook()
        return self._clock() - started
