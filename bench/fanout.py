"""Fan-out benchmark: how fast, and at what CPU cost, the delivery worker empties an outbox against
Teams' limits.

A local fake Bot Connector, in a process of its own (`bench/fanout_connector.py`), enforces Teams'
per-conversation limits (7/1 s, 8/2 s, 60/30 s) and 50 requests/s per tenant (429 with Retry-After
when exceeded) and answers after 50 ms. N notifications go to N conversations in `--tenants`
tenants, so the limits allow at most 50 sends/s per tenant (the ceiling). The worker is the
service's own (`DeliveryWorker` with `ConnectorCardSender`), run as the service runs it, on SQLite or
on a PostgreSQL server started here on loopback (`--store`); with `--workers N`, N `cpor-bot work`
processes share one PostgreSQL database.

Anchors, measured in the same run: the naive way (one `continue_conversation` after another, as the
SDK's proactive sample does), and a bare loop that posts the same bodies to the same connector with
one aiohttp session (the CPU floor for a Python sender here), once as fast as it can and once paced
at the rate the workers delivered.

    python bench/fanout.py [--store sqlite|postgresql] [--tenants 10] [--count 10000]
                           [--workers 1] [--naive 200] [--bare 5000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, TCPConnector

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fanout_connector import serve_connector  # noqa: E402
from fanout_support import (  # noqa: E402
    connector_stats,
    fill_outbox,
    free_port,
    naive,
    opened_database,
    wait_until_up,
)
from fanout_workers import run_in_process, run_processes  # noqa: E402

MAX_CONNECTIONS = 256  # as ConnectorCardSender's session


async def bare_loop(service_url: str, count: int, rate: float | None = None) -> dict[str, float]:
    """The floor: the bodies the worker posted, posted again on one session, 256 at a time; with
    `rate`, each post waits for its moment so that they go out at that rate (as the worker's do)."""
    async with ClientSession() as session, session.get(service_url + "samples") as response:
        samples: list[str] = await response.json()
    bodies = [body.encode() for body in samples] or [b"{}"]
    headers = {"Content-Type": "application/json; charset=utf-8"}
    next_n = iter(range(count))
    start = time.perf_counter()  # set again just before the first post

    async def lane(session: ClientSession) -> None:
        for n in next_n:
            if rate:
                await asyncio.sleep(start + n / rate - time.perf_counter())
            url = f"{service_url}v3/conversations/bare-{n}/activities"
            async with session.post(url, data=bodies[n % len(bodies)], headers=headers) as answer:
                json.loads(await answer.read())

    async with ClientSession(connector=TCPConnector(limit=MAX_CONNECTIONS)) as session:
        cpu, start = time.process_time(), time.perf_counter()
        await asyncio.gather(*(lane(session) for _ in range(MAX_CONNECTIONS)))
        cpu, elapsed = time.process_time() - cpu, time.perf_counter() - start
    return {"posts": count, "cpu_ms_per_post": 1000 * cpu / count, "per_s": count / elapsed}


def counts_rate(run: dict[str, Any]) -> float:
    """The worker's delivered cards per second."""
    return float(run["counts"]["sent"]) / run["seconds"]


@asynccontextmanager
async def fake_connector() -> AsyncIterator[str]:
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(target=serve_connector, args=(port,), daemon=True)
    process.start()
    try:
        url = f"http://127.0.0.1:{port}/"
        await wait_until_up(url)
        yield url
    finally:
        process.terminate()
        process.join()


async def fanout(
    *, store: str, tenants: int, count: int, workers: int, naive_count: int, bare_count: int
) -> dict[str, Any]:
    if workers > 1 and store != "postgresql":
        raise SystemExit("--workers needs --store postgresql (SQLite serves one instance)")
    ceiling = 50 * tenants
    async with fake_connector() as service_url, opened_database(store) as database:
        await fill_outbox(database.url, service_url, count, tenants)
        naive_rate = await naive(service_url, naive_count, tenants) if naive_count else 0.0
        await connector_stats(service_url, reset=True)
        if workers > 1:
            run = await run_processes(database, service_url, workers)
        else:
            run = await run_in_process(database.url)
        stats = await connector_stats(service_url)
        # The rate held while sending, first post to last, as for several processes (the worker's
        # start-up and the outbox count's polling left out; `wall_seconds` has them).
        run["seconds"] = stats["sending_seconds"] or run["seconds"]
        bare = await bare_loop(service_url, bare_count)
        paced = await bare_loop(service_url, bare_count, rate=counts_rate(run))
    posts: dict[str, int] = stats["posts"]
    throttled: int = stats["throttled"]
    counts = run.pop("counts")
    delivered = counts["sent"]
    rate = delivered / run["seconds"]
    sends = sum(posts.values()) + throttled
    cpu = run.pop("cpu_ms_per_card")
    result: dict[str, Any] = {
        "store": store,
        "tenants": tenants,
        "workers": workers,
        "notifications": count,
        "delivered": delivered,
        "seconds": round(run.pop("seconds"), 2),
        "delivered_per_s": round(rate, 1),
        "ceiling_per_s": ceiling,
        "ratio_to_ceiling": round(rate / ceiling, 3),
        "naive_per_s": round(naive_rate, 1),
        "speedup_vs_naive": round(rate / naive_rate, 2) if naive_rate else None,
        "cpu_ms_per_card": round(cpu, 3),
        "bare_cpu_ms_per_post": round(bare["cpu_ms_per_post"], 3),
        "cpu_ratio_to_bare": round(cpu / bare["cpu_ms_per_post"], 2),
        "bare_paced_cpu_ms_per_post": round(paced["cpu_ms_per_post"], 3),
        "cpu_ratio_to_bare_paced": round(cpu / paced["cpu_ms_per_post"], 2),
        "bare_posts": bare["posts"],
        "bare_per_s": round(bare["per_s"], 1),
        "throttled": throttled,
        "throttled_pct": round(100 * throttled / max(sends, 1), 3),
        "max_tenant_per_s": stats["max_tenant_per_s"],
        "lost": count - len(posts) - counts["unknown"],
        "duplicates": sum(n - 1 for n in posts.values() if n > 1),
        "unknown": counts["unknown"],
    }
    result.update(run)
    result["peak_rss_mb"] = round(
        max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, run.get("worker_rss_kb", 0)) / 1024, 1
    )
    result.pop("worker_rss_kb", None)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--tenants", type=int, default=10, help="tenants the conversations are in (default 10)"
    )
    parser.add_argument("--count", type=int, default=10_000, help="notifications (default 10000)")
    parser.add_argument("--workers", type=int, default=1, help="`cpor-bot work` processes (PostgreSQL)")
    parser.add_argument("--naive", type=int, default=200, help="sends for the naive baseline (default 200)")
    parser.add_argument("--bare", type=int, default=5000, help="posts for the bare loop (default 5000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = asyncio.run(
        fanout(
            store=args.store,
            tenants=args.tenants,
            count=args.count,
            workers=args.workers,
            naive_count=args.naive,
            bare_count=args.bare,
        )
    )
    if args.json:
        print(json.dumps(result))
        return
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
