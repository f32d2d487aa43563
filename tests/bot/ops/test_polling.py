"""The loop the background workers share: several lanes on one poller, woken, stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.ops.polling import Poller


async def test_a_lane_mid_pass_when_stop_comes_leaves_at_once_not_at_the_next_poll() -> None:
    poller = Poller("test", poll_seconds=3600)
    in_pass = asyncio.Event()
    finish_pass = asyncio.Event()
    passes = 0

    async def run_once() -> int:
        nonlocal passes
        passes += 1
        if passes == 2:  # the second lane's first pass is still running when stop() comes
            in_pass.set()
            await finish_pass.wait()
        return 0

    lanes = [asyncio.create_task(poller.run(run_once)) for _ in range(2)]
    await in_pass.wait()
    poller.stop()
    await asyncio.sleep(0)  # the idle lane wakes and clears the wake-up before the busy one ends
    finish_pass.set()
    async with asyncio.timeout(5):
        await asyncio.gather(*lanes)
    assert passes == 2


async def test_a_wake_during_a_pass_is_not_lost() -> None:
    poller = Poller("test", poll_seconds=3600)
    passes = 0
    second_pass = asyncio.Event()

    async def run_once() -> int:
        nonlocal passes
        passes += 1
        if passes == 1:
            poller.wake()  # new work arrived while this pass ran
        else:
            second_pass.set()
        return 0

    lane = asyncio.create_task(poller.run(run_once))
    async with asyncio.timeout(5):
        await second_pass.wait()
    poller.stop()
    async with asyncio.timeout(5):
        await lane


async def test_a_failing_pass_is_logged_and_the_lane_keeps_going(caplog: pytest.LogCaptureFixture) -> None:
    poller = Poller("test", poll_seconds=0)
    passes = 0

    async def run_once() -> int:
        nonlocal passes
        passes += 1
        if passes == 1:
            raise RuntimeError("the store went away")
        poller.stop()
        return 0

    async with asyncio.timeout(5):
        await poller.run(run_once)
    assert passes == 2
    assert "test pass failed" in caplog.text


async def test_a_wake_up_wakes_one_sleeping_lane_not_all_of_them() -> None:
    poller = Poller("test", poll_seconds=3600)
    passes: list[int] = []
    lanes_asleep = asyncio.Event()

    def lane(n: int) -> Callable[[], Awaitable[int]]:
        async def run_once() -> int:
            passes.append(n)
            if len(passes) == 3:
                lanes_asleep.set()
            return 0

        return run_once

    lanes = [asyncio.create_task(poller.run(lane(n))) for n in range(3)]
    async with asyncio.timeout(5):
        await lanes_asleep.wait()  # each lane's first pass done; all asleep
    for _ in range(3):
        await asyncio.sleep(0)
    passes.clear()
    poller.wake()
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(passes) == 1
    poller.stop()
    async with asyncio.timeout(5):
        await asyncio.gather(*lanes)


async def test_a_wake_up_while_every_lane_works_is_kept_for_the_next_that_would_sleep() -> None:
    poller = Poller("test", poll_seconds=3600)
    passes = 0
    done = asyncio.Event()

    async def run_once() -> int:
        nonlocal passes
        passes += 1
        if passes == 1:
            poller.wake()  # nobody asleep: kept
        if passes == 2:
            done.set()
        return 0

    lane = asyncio.create_task(poller.run(run_once))
    async with asyncio.timeout(5):
        await done.wait()  # the second pass came without waiting for the hour's poll
    poller.stop()
    async with asyncio.timeout(5):
        await lane


async def test_stop_wakes_every_sleeping_lane() -> None:
    poller = Poller("test", poll_seconds=3600)

    async def run_once() -> int:
        return 0

    lanes = [asyncio.create_task(poller.run(run_once)) for _ in range(4)]
    for _ in range(5):
        await asyncio.sleep(0)
    poller.stop()
    async with asyncio.timeout(5):
        await asyncio.gather(*lanes)
