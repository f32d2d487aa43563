"""Liveness, readiness and the service's lifecycle: what a load balancer and an orchestrator ask.

`/healthz` says the process answers (a liveness probe restarts it when it does not; a database
outage is no reason to restart it). `/readyz` says it can do its work: the store answers, its schema
is the one this code needs, and the workers run. While the service drains on SIGTERM it is not ready.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot import __version__
from bot.ops.state import STORE
from bot.store.sql.base import migrations

log = logging.getLogger(__name__)

STORE_TIMEOUT_SECONDS = 5.0


@dataclass
class Lifecycle:
    """The background tasks a running service holds, and whether it is shutting down.

    On SIGTERM the service stops taking new work (`drain`: the workers lease nothing more), lets
    what it holds finish until `deadline`, and only then cancels what is left.
    """

    grace_seconds: float
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    workers: tuple[str, ...] = ()
    stoppers: list[Callable[[], None]] = field(default_factory=list)
    deadline: float | None = None  # set by `drain`

    @property
    def draining(self) -> bool:
        return self.deadline is not None

    def start(self, name: str, work: Coroutine[Any, Any, None], *, worker: bool = False) -> None:
        """Run `work` as a named task; a worker's task must be alive for the service to be ready."""
        self.tasks[name] = asyncio.create_task(work, name=name)
        if worker:
            self.workers = (*self.workers, name)

    def drain(self) -> float:
        """Stop taking work; what is in hand may finish until the deadline, which is returned."""
        if self.deadline is None:
            self.deadline = asyncio.get_running_loop().time() + self.grace_seconds
            for stop in self.stoppers:
                stop()
        return self.deadline

    async def finish(self) -> None:
        """Wait for the workers until the deadline, then cancel every task still running."""
        deadline = self.drain()
        workers = [self.tasks[name] for name in self.workers if not self.tasks[name].done()]
        others = [task for name, task in self.tasks.items() if name not in self.workers]
        for task in others:  # key refreshes and the like: nothing in hand to finish
            task.cancel()
        if workers:
            remaining = max(deadline - asyncio.get_running_loop().time(), 0.0)
            _, late = await asyncio.wait(workers, timeout=remaining)
            for task in late:
                log.warning(
                    "%s did not finish within SHUTDOWN_GRACE_SECONDS (%g s): cancelled; a send it had "
                    "started is marked unknown, one it had not goes back to the queue",
                    task.get_name(),
                    self.grace_seconds,
                )
                task.cancel()
        # Cancelled tasks unwind (roll back, sign off) before the store closes under them.
        await asyncio.wait(list(self.tasks.values()), timeout=5.0)

    def dead_workers(self) -> list[str]:
        return [name for name in self.workers if self.tasks[name].done()]


LIFECYCLE = web.AppKey("lifecycle", Lifecycle)


def latest_migration() -> str:
    return migrations()[-1][0]


async def healthz(request: web.Request) -> web.Response:
    """The process is alive and answering."""
    return web.json_response({"status": "ok", "version": __version__})


async def readyz(request: web.Request) -> web.Response:
    """200 when the service can do its work; 503 naming what is not ready."""
    lifecycle = request.app[LIFECYCLE]
    problems: list[str] = []
    store: dict[str, object] = {"ok": False}
    try:
        store = dict(await asyncio.wait_for(request.app[STORE].health(), STORE_TIMEOUT_SECONDS))
    except Exception as exc:  # noqa: BLE001 - report, do not crash, when the store is down
        log.warning("readiness: store unavailable: %s", type(exc).__name__)
        problems.append("the store does not answer")
    needed = latest_migration()
    schema = store.get("schema_version")
    if store.get("ok") and not (isinstance(schema, str) and schema >= needed):
        problems.append(f"the store's schema is {schema}, this version needs {needed}")
    dead = lifecycle.dead_workers()
    if dead:
        problems.append(f"not running: {', '.join(dead)}")
    if lifecycle.draining:
        problems.append("shutting down")
    body = {
        "status": "unavailable" if problems else "ready",
        "version": __version__,
        "store": store,
        "schema_needed": needed,
        "workers": {name: not lifecycle.tasks[name].done() for name in lifecycle.workers},
        "problems": problems,
    }
    return web.json_response(body, status=503 if problems else 200)
