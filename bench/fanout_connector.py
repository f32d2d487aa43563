"""The fan-out benchmark's fake Bot Connector, run in a process of its own.

It enforces Teams' per-conversation limits (7/1 s, 8/2 s, 60/30 s) and 50 requests/s per tenant
(429 with Retry-After when exceeded) and answers each accepted post after 50 ms. It also records, for
the report: every request's arrival per tenant (the most any tenant sent in one second), accepted
posts per conversation (lost, doubled) and per client port (which worker process sent them), and a
few of the bodies it accepted, which the bare loop posts again to conversations `bare-…`: those are
answered after the same 50 ms but never limited.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict, deque
from typing import Any

from aiohttp import web

LATENCY = 0.05
CONVERSATION_LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0))
TENANT_LIMIT = (50, 1.0)
BARE = "bare"  # the tenant of the bare loop's conversations: never limited
SAMPLES = 200  # bodies kept for the bare loop


def most_in_one_second(arrivals: list[float]) -> int:
    """The most arrivals in any window of one second (`arrivals` in order)."""
    most, first = 0, 0
    for last, at in enumerate(arrivals):
        while arrivals[first] <= at - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


class LimitedConnector:
    """Counts posts per conversation and answers 429 when Teams would."""

    def __init__(self) -> None:
        self.posts: Counter[str] = Counter()
        self.peers: Counter[int] = Counter()  # accepted posts per client port
        self.arrivals: dict[str, list[float]] = defaultdict(list)  # every request, per tenant
        self.samples: list[str] = []
        self.bare = 0
        self.throttled = 0
        self.accepted = 0
        self.first: float | None = None
        self.last: float | None = None
        self._conversations: dict[str, deque[float]] = defaultdict(deque)
        self._tenants: dict[str, deque[float]] = defaultdict(deque)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self.post)
        app.router.add_post("/v3/conversations/{cid}/activities", self.post)
        app.router.add_get("/stats", self.stats)
        app.router.add_get("/samples", self.get_samples)
        app.router.add_post("/reset", self.reset)
        return app

    @staticmethod
    def _over(used: deque[float], limits: tuple[tuple[int, float], ...], now: float) -> float | None:
        """Seconds until one more would fit, or None if it fits now (`used` is in arrival order)."""
        longest = max(seconds for _, seconds in limits)
        while used and used[0] <= now - longest:
            used.popleft()
        for limit, seconds in limits:
            if len(used) >= limit and used[-limit] > now - seconds:
                return used[-limit] + seconds - now
        return None

    async def post(self, request: web.Request) -> web.Response:
        conversation = request.match_info["cid"]
        tenant = conversation.split("-", 1)[0]
        if tenant == BARE:
            await request.read()
            await asyncio.sleep(LATENCY)
            self.bare += 1
            return web.json_response({"id": f"bare-{self.bare}"})
        now = time.monotonic()
        self.arrivals[tenant].append(now)
        wait = self._over(self._conversations[conversation], CONVERSATION_LIMITS, now)
        if wait is None:
            wait = self._over(self._tenants[tenant], (TENANT_LIMIT,), now)
        if wait is not None:
            self.throttled += 1
            return web.json_response(
                {"error": {"code": "Throttled", "message": "slow down"}},
                status=429,
                headers={"Retry-After": f"{max(wait, 0.05):.2f}"},
            )
        self._conversations[conversation].append(now)
        self._tenants[tenant].append(now)
        body = await request.read()
        if len(self.samples) < SAMPLES:
            self.samples.append(body.decode())
        peer = request.transport.get_extra_info("peername") if request.transport else None
        await asyncio.sleep(LATENCY)
        self.posts[conversation] += 1
        self.accepted += 1
        if peer:
            self.peers[int(peer[1])] += 1
        self.first = now if self.first is None else self.first
        self.last = now
        return web.json_response({"id": f"act-{self.accepted}"})

    async def stats(self, request: web.Request) -> web.Response:
        busiest = {tenant: most_in_one_second(times) for tenant, times in self.arrivals.items()}
        answer: dict[str, Any] = {
            "posts": self.posts,
            "peers": {str(port): n for port, n in self.peers.items()},
            "throttled": self.throttled,
            "accepted": self.accepted,
            "bare": self.bare,
            "sending_seconds": (self.last - self.first) if self.first and self.last else 0.0,
            "max_tenant_per_s": max(busiest.values(), default=0),
        }
        return web.json_response(answer)

    async def get_samples(self, request: web.Request) -> web.Response:
        return web.json_response(self.samples)

    async def reset(self, request: web.Request) -> web.Response:
        self.__init__()  # type: ignore[misc]  # every count from zero
        return web.json_response({})


def serve_connector(port: int) -> None:
    """The fake connector's process: its own CPU, as the real one is on its own machines."""
    web.run_app(LimitedConnector().app(), host="127.0.0.1", port=port, print=None, access_log=None)
