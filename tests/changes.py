"""Waiting for background work without sleeping: the thing that changes says so, and a test awaits
the state it wants (`await changes.until(lambda: ...)`), bounded by a timeout that fails loudly."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

Predicate = Callable[[], bool | Awaitable[bool]]


class Changes:
    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def changed(self) -> None:
        self._changed.set()

    async def until(self, predicate: Predicate, *, within: float = 10.0) -> None:
        """Return once `predicate` holds; check it again after every change. The flag is cleared
        before each check, so a change made while an async predicate runs is not missed."""
        async with asyncio.timeout(within):
            while True:
                self._changed.clear()
                held = predicate()
                if inspect.isawaitable(held):
                    held = await held
                if held:
                    return
                await self._changed.wait()


class WatchedStore:
    """A store that announces every call it has finished, so a test can await a write made by a
    background worker. `inner` is the store itself, for checks that must not count as changes."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.changes = Changes()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return await attribute(*args, **kwargs)
            finally:
                self.changes.changed()

        return call
