"""Fan-out benchmark: how fast the delivery worker empties an outbox against Teams' limits.

A local fake Bot Connector, in a process of its own, enforces Teams' per-conversation limits (7/1 s,
8/2 s, 60/30 s) and 50 requests/s per tenant (429 with Retry-After when exceeded) and answers after
50 ms. N notifications go to N conversations in 10 tenants, so the limits allow at most 500 sends/s
(the ceiling). The worker is the service's own (`DeliveryWorker` with `ConnectorCardSender` on
SQLite), run as the service runs it. The baseline, measured in the same run, is the naive way: one
`continue_conversation` after another, as the SDK's proactive sample does.

    python bench/fanout.py [--count 10000] [--naive 200] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import resource
import socket
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import ConversationReference

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.delivery.worker import DeliveryWorker, mail_identity  # noqa: E402
from bot.domain.claims import Claim, Contact, Status  # noqa: E402
from bot.ops.config import Settings  # noqa: E402
from bot.ops.heap import freeze_startup_objects  # noqa: E402
from bot.ops.metrics import Metrics  # noqa: E402
from bot.store import StoredReference, open_store  # noqa: E402
from bot.teams.adapter import create_adapter  # noqa: E402 - after the path set-up
from bot.teams.connector import ConnectorCardSender  # noqa: E402

TENANTS = 10
CEILING = 50 * TENANTS  # sends/s the tenant limits allow
LATENCY = 0.05
CONVERSATION_LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0))
TENANT_LIMIT = (50, 1.0)


class LimitedConnector:
    """Counts posts per conversation and answers 429 when Teams would."""

    def __init__(self) -> None:
        self.posts: Counter[str] = Counter()
        self.throttled = 0
        self.accepted = 0
        self._conversations: dict[str, deque[float]] = defaultdict(deque)
        self._tenants: dict[str, deque[float]] = defaultdict(deque)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self.post)
        app.router.add_post("/v3/conversations/{cid}/activities", self.post)
        app.router.add_get("/stats", self.stats)
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
        now = time.monotonic()
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
        await request.read()
        await asyncio.sleep(LATENCY)
        self.posts[conversation] += 1
        self.accepted += 1
        return web.json_response({"id": f"act-{self.accepted}"})

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"posts": self.posts, "throttled": self.throttled})

    async def reset(self, request: web.Request) -> web.Response:
        self.posts.clear()
        self.throttled = 0
        self._conversations.clear()
        self._tenants.clear()
        return web.json_response({})


def serve_connector(port: int) -> None:
    """The fake connector's process: its own CPU, as the real one is on its own machines."""
    web.run_app(LimitedConnector().app(), host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_until_up(url: str) -> None:
    async with ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(url + "stats") as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("the fake connector did not start")


async def connector_stats(url: str, reset: bool = False) -> dict[str, Any]:
    async with ClientSession() as session:
        async with session.get(url + "stats") as response:
            stats: dict[str, Any] = await response.json()
        if reset:
            async with session.post(url + "reset"):
                pass
    return stats


def reference_for(service_url: str, n: int) -> tuple[str, str, dict[str, Any]]:
    tenant = f"t{n % TENANTS}"
    conversation = f"{tenant}-conv{n}"
    tenant_id = f"{n % TENANTS:08x}-0000-4000-8000-000000000000"
    return (
        conversation,
        tenant_id,
        {
            "bot": {"id": "28:cpor"},
            "user": {"id": f"29:user{n}"},
            "conversation": {"id": conversation, "conversationType": "personal", "tenantId": tenant_id},
            "channelId": "msteams",
            "serviceUrl": service_url,
        },
    )


async def naive(service_url: str, count: int) -> float:
    """The SDK's proactive sample: `continue_conversation`, then `send_activity`, one by one."""
    adapter = create_adapter(Settings())
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "hi"}]}

    async def send(turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))

    start = time.perf_counter()
    for n in range(count):
        reference = ConversationReference().deserialize(reference_for(service_url, 100_000 + n)[2])
        await adapter.continue_conversation(reference, send, "")
    return count / (time.perf_counter() - start)


async def fill_outbox(store: Any, service_url: str, count: int) -> None:
    now = dt.datetime.now(dt.UTC)
    partner = await store.create_partner("Contoso Partners")
    for n in range(count):
        conversation, tenant_id, ref = reference_for(service_url, n)
        contact = Contact(id=f"c{n}", name=f"Contact {n}", email=f"c{n}@fabrikam.example")
        await store.save_reference(
            StoredReference(
                conversation,
                tenant_id,
                None,
                f"29:user{n}",
                contact.email,
                "personal",
                "msteams",
                service_url,
                ref,
                now,
            )
        )
        claim = Claim(
            id=f"claim-{n}",
            partner_id=partner.id,
            customer_tenant_id=tenant_id,
            customer_name=f"Customer {n}",
            solution_area="modern_work_security",
            workloads=("teams",),
            status=Status.UNDER_REVIEW,
            submitted_on=now.date(),
            created_at=now,
            updated_at=now,
            contacts=(contact,),
        )
        await store.create_claim(claim)
        await store.create_notification(claim, f"n{n}", now, "teams")


async def fanout(count: int, naive_count: int) -> dict[str, Any]:
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(target=serve_connector, args=(port,), daemon=True)
    process.start()
    service_url = f"http://127.0.0.1:{port}/"
    folder = tempfile.TemporaryDirectory(prefix="cpor-bench-")
    store = await open_store(f"sqlite:///{folder.name}/bench.db")
    sender = ConnectorCardSender(create_adapter(Settings()), "")
    try:
        await wait_until_up(service_url)
        await fill_outbox(store, service_url, count)
        naive_rate = await naive(service_url, naive_count)
        await connector_stats(service_url, reset=True)

        freeze_startup_objects()  # as the service does once it is up
        metrics = Metrics()
        worker = DeliveryWorker(
            store, sender, poll_seconds=0.05, mail=mail_identity(Settings()), metrics=metrics
        )
        start = time.perf_counter()
        running = asyncio.create_task(worker.run())
        while True:
            counts = await store.delivery_counts()
            if counts["queued"] == 0 and counts["sending"] == 0:
                break
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - start
        worker.stop()
        await running
        counts = await store.delivery_counts()
        stats = await connector_stats(service_url)
    finally:
        await sender.close()
        await store.close()
        folder.cleanup()
        process.terminate()
        process.join()
    posts: dict[str, int] = stats["posts"]
    throttled: int = stats["throttled"]
    delivered = counts["sent"]
    rate = delivered / elapsed
    sends = sum(posts.values()) + throttled
    return {
        "notifications": count,
        "seconds": round(elapsed, 2),
        "delivered_per_s": round(rate, 1),
        "ceiling_per_s": CEILING,
        "ratio_to_ceiling": round(rate / CEILING, 3),
        "naive_per_s": round(naive_rate, 1),
        "speedup_vs_naive": round(rate / naive_rate, 2),
        "throttled": throttled,
        "throttled_pct": round(100 * throttled / max(sends, 1), 3),
        "lost": count - len(posts) - counts["unknown"],
        "duplicates": sum(n - 1 for n in posts.values() if n > 1),
        "unknown": counts["unknown"],
        "rebooked": int(metrics.registry.get_sample_value("cpor_teams_rebooked_total") or 0),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="notifications (default 10000)")
    parser.add_argument("--naive", type=int, default=200, help="sends for the naive baseline (default 200)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = asyncio.run(fanout(args.count, args.naive))
    if args.json:
        print(json.dumps(result))
        return
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
