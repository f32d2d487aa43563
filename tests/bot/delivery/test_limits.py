"""Client-side Teams rate limits, on a fake clock."""

from __future__ import annotations

import random
from bisect import bisect_left

import pytest

from bot.delivery.limits import CONVERSATION_WINDOWS, TENANT_WINDOWS, SlidingWindows, TeamsLimits


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_seven_a_second_then_the_eighth_waits(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep, margin=0, pace=False)
    for _ in range(7):
        assert await limits.wait("a:1", "t1") == 0
    assert await limits.wait("a:1", "t1") == pytest.approx(1.0)
    assert clock.now == pytest.approx(1001.0)


async def test_eight_in_two_seconds(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep, margin=0, pace=False)
    for _ in range(8):
        await limits.wait("a:1", "t1")
    start = clock.now
    await limits.wait("a:1", "t1")  # the 9th must wait until 2 s after the first
    assert clock.now - 1000.0 >= 2.0 - 1e-9 and clock.now > start


async def test_sixty_in_thirty_seconds_and_other_conversations_are_free(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep, margin=0, pace=False)
    for _ in range(60):
        await limits.wait("a:1", "t1")
    assert clock.now - 1000.0 < 30.0
    assert await limits.wait("a:2", "t2") == 0  # another conversation, another tenant
    await limits.wait("a:1", "t1")
    assert clock.now - 1000.0 >= 30.0 - 1e-9


async def test_fifty_a_second_per_tenant(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep, margin=0, pace=False)
    for n in range(50):
        assert await limits.wait(f"a:{n}", "tenant") == 0
    assert await limits.wait("a:50", "tenant") == pytest.approx(1.0)
    assert await limits.wait("a:51", "other-tenant") == 0


def test_no_window_is_ever_exceeded_over_two_hours() -> None:
    windows = SlidingWindows(CONVERSATION_WINDOWS)
    now, sent = 0.0, []
    while now < 7200.0:
        delay = windows.delay("a:1", now)
        if delay:
            now += delay
            continue
        windows.record("a:1", now)
        sent.append(now)
        now += 0.01  # a sender as fast as it can go
    for limit, seconds in CONVERSATION_WINDOWS:
        most = max(sum(1 for t in sent if start <= t < start + seconds) for start in sent)
        assert most <= limit, (limit, seconds, most)
    assert len(sent) >= 3000  # and it still sends close to the hourly limit
    windows.forget_idle(now + 7200)
    assert windows.delay("a:1", now + 7200) == 0


async def test_the_margin_widens_every_window(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep, margin=0.05, pace=False)
    for _ in range(7):
        await limits.wait("a:1", "t1")
    assert await limits.wait("a:1", "t1") == pytest.approx(1.05)


def test_a_waiting_conversation_does_not_hold_up_its_tenant(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, margin=0, pace=False)
    for _ in range(7):
        assert limits.reserve("busy", "tenant") == 0
    assert limits.reserve("busy", "tenant") > 0.9  # the 8th waits for the 1 s window
    # Others in the same tenant still go now, while the busy conversation is waiting.
    assert [limits.reserve(f"other-{n}", "tenant") for n in range(42)] == [0] * 42
    waited = [limits.reserve(f"more-{n}", "tenant") for n in range(3)]
    assert waited[0] == 0 and min(waited[1:]) > 0.9  # the 50th still fits; then the tenant is full


def _most_in_any_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    return max(bisect_left(times, start + seconds) - i for i, start in enumerate(times))


def test_bookings_made_out_of_order_never_break_a_window() -> None:
    """Many senders booking at once, in random order, for a few conversations in two tenants."""
    chooser = random.Random(7)  # noqa: S311 - a reproducible test schedule, not security
    clock = FakeClock()
    limits = TeamsLimits(clock=clock, margin=0, pace=False)
    booked: dict[tuple[str, str], list[float]] = {}
    for _ in range(3000):
        clock.now += chooser.choice((0.0, 0.0, 0.001, 0.01, 0.2))
        tenant = chooser.choice(("t1", "t2"))
        conversation = f"{tenant}-{chooser.randrange(12)}"
        at = clock.now + limits.reserve(conversation, tenant)
        booked.setdefault(("conversation", conversation), []).append(at)
        booked.setdefault(("tenant", tenant), []).append(at)
    for (kind, _), times in booked.items():
        windows = CONVERSATION_WINDOWS[:3] if kind == "conversation" else TENANT_WINDOWS
        for limit, seconds in windows:
            assert _most_in_any_window(times, seconds) <= limit, (kind, limit, seconds)
    tenant_sends = sorted(booked[("tenant", "t1")])
    span = tenant_sends[-1] - tenant_sends[0]
    assert len(tenant_sends) / span > 5  # and it did not just push everything far away


def test_bookings_with_the_default_margin_and_pace_keep_every_window_too() -> None:
    chooser = random.Random(11)  # noqa: S311 - a reproducible test schedule, not security
    clock = FakeClock()
    limits = TeamsLimits(clock=clock)
    booked: list[float] = []
    for _ in range(1000):
        clock.now += chooser.choice((0.0, 0.0, 0.004))
        delay = limits.reserve(f"conversation-{chooser.randrange(200)}", "tenant")
        assert delay is not None
        booked.append(clock.now + delay)
    assert _most_in_any_window(booked, 1.0) <= 50
    assert _most_in_any_window(booked, 0.1) <= 5  # paced: no burst of 50 at once
    assert len(booked) / (max(booked) - min(booked)) > 45  # and still close to 50 a second


async def test_a_tenant_sends_five_every_tenth_of_a_second(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep, margin=0)
    for n in range(5):
        assert await limits.wait(f"a:{n}", "tenant") == 0
    assert await limits.wait("a:5", "tenant") == pytest.approx(0.1)


class OversleepingClock(FakeClock):
    """The first sleep ends late, as when the event loop was busy."""

    def __init__(self, late_by: float) -> None:
        super().__init__()
        self.late_by = late_by

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + self.late_by)
        self.late_by = 0.0


async def test_a_sleeper_woken_late_books_again_instead_of_going_late() -> None:
    clock = OversleepingClock(late_by=0.3)
    rebooked: list[bool] = []
    limits = TeamsLimits(
        clock=clock, sleep=clock.sleep, margin=0, pace=False, on_rebook=lambda: rebooked.append(True)
    )
    for _ in range(7):
        await limits.wait("a:1", "t1")
    waited = await limits.wait("a:1", "t1")  # booked for 1.0 s, woken at 1.3 s: too late to go
    assert rebooked == [True]
    # It booked again among the others as they stand at 1.3 s, and the moment it missed was given
    # back (nothing went then): the limits allow it now, and the 9th waits for 2 s after the first.
    assert waited == pytest.approx(1.3)
    assert len(clock.slept) == 1
    assert limits.delay("a:1", "t1") == pytest.approx(0.7)


async def test_the_last_step_before_a_send_is_taken_lead_seconds_ahead(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep, margin=0, pace=False)
    started = clock.now
    readied: list[float] = []

    async def ready() -> None:
        readied.append(clock.now - started)

    # Free now: the send is booked `lead` ahead, so that `ready` is done in time.
    assert await limits.wait("a:1", "t1", ready=ready, lead=0.1) == pytest.approx(0.1)
    assert readied == [0.0]
    for _ in range(6):
        await limits.wait("a:1", "t1")
    # The window is full until 1.1 s: ready at 1.0 s, sent at 1.1 s.
    assert await limits.wait("a:1", "t1", ready=ready, lead=0.1) == pytest.approx(1.0)
    assert readied == [0.0, pytest.approx(1.0)]


async def test_a_slow_last_step_books_again_and_is_not_taken_twice(clock: FakeClock) -> None:
    rebooked: list[bool] = []
    limits = TeamsLimits(
        clock=clock, sleep=clock.sleep, margin=0, pace=False, on_rebook=lambda: rebooked.append(True)
    )
    calls: list[float] = []

    async def slow() -> None:
        calls.append(clock.now)
        clock.now += 0.5  # far beyond its lead: the send would leave late

    waited = await limits.wait("a:1", "t1", ready=slow, lead=0.1)
    assert len(calls) == 1 and rebooked == [True]
    assert waited == pytest.approx(0.5)  # booked again for the moment it was ready
    # The missed moment was given back: one use is booked, not two.
    for _ in range(6):
        assert await limits.wait("a:1", "t1") == 0
    assert limits.delay("a:1", "t1") > 0


async def test_a_send_too_far_off_books_nothing(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep, margin=0, pace=False)
    for _ in range(60):
        await limits.wait("a:1", "t1")  # the 30-second window is full now
    before = limits.delay("a:1", "t1")
    assert before > 10
    assert await limits.wait("a:1", "t1", at_most=10) is None
    assert limits.delay("a:1", "t1") == pytest.approx(before)  # nothing was booked


async def test_with_four_workers_each_takes_a_quarter_of_a_tenant(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep, margin=0)
    limits.share_with(4)
    booked = [clock.now + (limits.reserve(f"a:{n}", "tenant") or 0.0) for n in range(100)]
    assert _most_in_any_window(booked, 1.0) <= 12  # 4 x 12 stays under Teams' 50
    assert 10 < len(booked) / (max(booked) - min(booked)) <= 12.5
    limits.share_with(1)  # the others stopped: the whole limit again
    assert limits.delay("a:new", "other-tenant") == 0
