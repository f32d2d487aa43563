"""Client-side Teams rate limits, on a fake clock."""

from __future__ import annotations

import pytest

from bot.limits import CONVERSATION_WINDOWS, SlidingWindows, TeamsLimits


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
    limits = TeamsLimits(clock=clock, sleep=clock.sleep)
    for _ in range(7):
        assert await limits.wait("a:1", "t1") == 0
    assert await limits.wait("a:1", "t1") == pytest.approx(1.0)
    assert clock.now == pytest.approx(1001.0)


async def test_eight_in_two_seconds(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep)
    for _ in range(8):
        await limits.wait("a:1", "t1")
    start = clock.now
    await limits.wait("a:1", "t1")  # the 9th must wait until 2 s after the first
    assert clock.now - 1000.0 >= 2.0 - 1e-9 and clock.now > start


async def test_sixty_in_thirty_seconds_and_other_conversations_are_free(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep)
    for _ in range(60):
        await limits.wait("a:1", "t1")
    assert clock.now - 1000.0 < 30.0
    assert await limits.wait("a:2", "t2") == 0  # another conversation, another tenant
    await limits.wait("a:1", "t1")
    assert clock.now - 1000.0 >= 30.0 - 1e-9


async def test_fifty_a_second_per_tenant(clock: FakeClock) -> None:
    limits = TeamsLimits(clock=clock, sleep=clock.sleep)
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
