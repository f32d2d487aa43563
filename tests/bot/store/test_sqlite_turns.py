"""Turns on SQLite's one shared connection: a send's start (a single statement) goes before the
transactions waiting with it, unless they have waited long enough already."""

from __future__ import annotations

import asyncio

from bot.store.sqlite import Turns


async def settle() -> None:
    """Let every task started so far reach the point where it waits."""
    for _ in range(5):
        await asyncio.sleep(0)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def run_in_turns(turns: Turns, clock: Clock, *, waited: float) -> list[str]:
    """A lease holds the connection; a heartbeat queues, then a start, then (while the first start
    runs) another start. The heartbeat has waited `waited` seconds when its turn first comes."""
    order: list[str] = []
    tasks: list[asyncio.Task[None]] = []

    async def transaction(name: str) -> None:
        async with turns.turn():
            order.append(name)

    async def statement(name: str, then: str | None = None) -> None:
        async with turns.turn(urgent=True):
            if then is not None:
                tasks.append(asyncio.create_task(statement(then)))
                await settle()
            order.append(name)

    async with turns.turn():
        tasks.append(asyncio.create_task(transaction("heartbeat")))
        await settle()
        tasks.append(asyncio.create_task(statement("start-1", then="start-2")))
        await settle()
        clock.now += waited
    await settle()
    await asyncio.gather(*tasks)
    return order


async def test_single_statements_go_before_the_transactions_waiting_with_them() -> None:
    clock = Clock()
    turns = Turns(pass_over=0.25, clock=clock)
    assert await run_in_turns(turns, clock, waited=0.1) == ["start-1", "start-2", "heartbeat"]


async def test_a_transaction_that_waited_long_enough_is_not_passed_over() -> None:
    clock = Clock()
    turns = Turns(pass_over=0.25, clock=clock)
    assert await run_in_turns(turns, clock, waited=0.3) == ["heartbeat", "start-1", "start-2"]


async def test_a_cancelled_waiter_gives_up_its_turn() -> None:
    turns = Turns()
    order: list[str] = []

    async def transaction(name: str) -> None:
        async with turns.turn():
            order.append(name)

    async with turns.turn():
        waiting = asyncio.create_task(transaction("cancelled"))
        behind = asyncio.create_task(transaction("next"))
        await settle()
        waiting.cancel()
    await asyncio.gather(waiting, behind, return_exceptions=True)
    assert order == ["next"]
    async with turns.turn(urgent=True):  # the connection is free again
        order.append("start")
    assert order == ["next", "start"]
