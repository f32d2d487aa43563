"""The service in production's shape: a store of 100,000 claims, then the real service on it.

    python bench/scale.py                          # SQLite, 100,000 claims, a table
    python bench/scale.py --store postgresql       # a throwaway PostgreSQL server on loopback
    python bench/scale.py --claims 2000 --json     # smaller, one JSON object

The store is filled in bulk (bench/scale_fill.py: executemany through the store's own connection,
the rows as the store writes them): N claims with 2N contacts, N conversation references and a sent
notification each (N notifications, 2N deliveries), the measured partner holding half of the claims
and the probe tenant 1 in 100. Then `python app.py` runs as a child process on that database on a
loopback port, authentication off, notification limits off (NOTIFY_PER_MINUTE=0,
NOTIFY_MESSAGES_PER_DAY=0), its Teams replies and sends going to a fake Bot Connector in this process
and its emails to files. Measured, one request at a time after a warm-up, round trip from this
process:

- start: from the process's start to `/healthz` 200 and to `/readyz` 200;
- `GET /api/claims?limit=100`, the first page and a deep one (the cursor of the partner's median
  claim);
- the Teams `claims` command: a "claims" message from a user of the probe tenant, posted to
  /api/messages; answered once the bot has posted its card to the connector;
- `POST /api/claims/{id}/notifications` on a claim of the probe (a new claim each time; its messages
  are queued, and the service's own worker sends them meanwhile);
- `GET /metrics`, a Prometheus scrape (it counts the deliveries waiting, queued, sending and unknown;
  no target);
- the service's peak RSS (VmHWM) after all of that.

The anchor, measured in the same run: the same requests against a second service on a store holding
only the probe (the claims the requests act on, no background). Both services run side by side and
each request goes to both, one after the other, so the machine's other load weighs on both alike.
`ratio` is big over anchor. The hot queries' plans
(bench/scale_plans.py) are printed for the big store; on PostgreSQL after ANALYZE, as autovacuum
would run after a bulk load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import socket
import subprocess  # noqa: S404 - starts this project's own service
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere in the checkout

from scale_fill import TENANT, Filled, fill, help_activity  # noqa: E402 - after the path set-up
from scale_plans import explain  # noqa: E402

from bot.partner_api.routes import _encode_cursor  # noqa: E402
from bot.store import Store, open_store  # noqa: E402
from tests.fakes import FakeConnector, running_connector  # noqa: E402

TARGETS = {
    "start_healthz_s": 1.5,
    "peak_rss_mb": 150.0,
    "list_p99_ms": 50.0,
    "claims_command_p99_ms": 50.0,
    "notify_p99_ms": 20.0,
}
KINDS = ("list_first", "list_deep", "claims_command", "notify", "metrics")
PAGE = 100
WARM_UP = 20
START_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}
    return {key: round(_percentile(values, q), 2) for key, q in (("p50", 0.5), ("p99", 0.99), ("max", 1.0))}


def _memory_mb(pid: int) -> dict[str, float]:
    """VmHWM (peak resident) and VmRSS (now) of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            found[name] = round(int(value.split()[0]) / 1024, 1)
    return {"peak_rss_mb": found.get("VmHWM", 0.0), "rss_mb": found.get("VmRSS", 0.0)}


@contextlib.contextmanager
def _databases(engine: str) -> Iterator[Any]:
    """A function that makes a new, empty database URL each time it is called."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory(prefix="cpor-scale-") as folder:
            made = iter(range(1000))
            yield lambda: f"sqlite:///{folder}/scale-{next(made)}.db"
        return
    from tests.postgres import postgres_server

    with postgres_server() as server:
        yield server.create_database


async def _prepare(
    url: str, engine: str, claims: int, probe: int, service_url: str, plans: bool
) -> tuple[Filled, str, dict[str, Any]]:
    """Fill the database; the deep page's cursor and, when asked, the hot queries' plans."""
    store: Store = await open_store(url)
    try:
        filled = await fill(store, claims=claims, probe=probe, service_url=service_url)
        async with store._tx() as db:  # type: ignore[attr-defined]  # noqa: SLF001 - a benchmark's look inside
            if engine == "postgresql":
                await db.execute("ANALYZE")
            count = (
                await db.rows("SELECT count(*) AS n FROM claims WHERE partner_id = ?", (filled.partner_id,))
            )[0]["n"]
        claims_of_partner = await store.list_claims(filled.partner_id, limit=1 + count // 2)
        cursor = _encode_cursor(claims_of_partner[-1])
        found = await explain(store, engine, filled.partner_id, TENANT) if plans else {}
    finally:
        await store.close()
    return filled, cursor, found


@asynccontextmanager
async def _service(
    url: str, folder: Path
) -> AsyncIterator[tuple[subprocess.Popen[bytes], str, dict[str, float]]]:
    """`python app.py` on a free loopback port; yields with the times to /healthz and /readyz 200."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "SMTP_", "NOTIFY_"))},
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
        "LINK_KEY_FILE": str(folder / "link-key"),
        "NOTIFY_PER_MINUTE": "0",
        "NOTIFY_MESSAGES_PER_DAY": "0",
        "LOG_LEVEL": "WARNING",
    }
    log = open(folder / "service.log", "wb")  # noqa: SIM115, ASYNC230 - closed with the process
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603, ASYNC220 - our own service, fixed arguments
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    times: dict[str, float] = {}
    try:
        async with aiohttp.ClientSession() as session:
            for probe in ("healthz", "readyz"):
                while probe not in times:
                    if process.poll() is not None:
                        raise RuntimeError((folder / "service.log").read_text())
                    if time.perf_counter() - started > START_TIMEOUT_S:
                        raise RuntimeError(f"no /{probe} 200 within {START_TIMEOUT_S} s")
                    try:
                        async with session.get(f"{base}/{probe}") as answer:
                            if answer.status == 200:
                                times[probe] = round(time.perf_counter() - started, 3)
                                continue
                    except aiohttp.ClientConnectionError:
                        pass
                    await asyncio.sleep(0.005)
        yield process, base, times
    finally:
        # Waited for without blocking: the fake connector in this process answers its last sends.
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            deadline = time.perf_counter() + 30
            while process.poll() is None and time.perf_counter() < deadline:  # noqa: ASYNC110 - a child
                await asyncio.sleep(0.02)
            if process.poll() is None:
                process.kill()
        process.wait()
        log.close()


class _Client:
    """The measured requests against one running service, and their round trips."""

    def __init__(
        self, session: aiohttp.ClientSession, base: str, filled: Filled, cursor: str, connector: FakeConnector
    ) -> None:
        self.session, self.base, self.cursor, self.connector = session, base, cursor, connector
        self.headers = {"Authorization": f"Bearer {filled.key}"}
        self.targets = iter(filled.probe_claim_ids)
        self.activity = help_activity(connector.url)
        self.activity["text"] = "claims"
        self.times: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.failures = dict.fromkeys(KINDS, 0)

    async def timed(self, kind: str, n: int, *, record: bool) -> None:
        began = time.perf_counter()
        ok = await self.one(kind, n)
        if record:
            self.times[kind].append((time.perf_counter() - began) * 1000)
            self.failures[kind] += 0 if ok else 1

    async def one(self, kind: str, n: int) -> bool:
        session, base, headers = self.session, self.base, self.headers
        if kind in ("list_first", "list_deep"):
            query = f"limit={PAGE}" + (f"&cursor={self.cursor}" if kind == "list_deep" else "")
            async with session.get(f"{base}/api/claims?{query}", headers=headers) as answer:
                body = await answer.json()
                return answer.status == 200 and len(body["items"]) > 0
        if kind == "metrics":
            async with session.get(f"{base}/metrics") as answer:
                text = await answer.text()
                return answer.status == 200 and "cpor_outbox_deliveries" in text
        if kind == "claims_command":
            conversation = self.activity["conversation"]["id"]
            posted = sum(1 for path, _, _ in self.connector.posts if conversation in path)
            self.activity["id"] = f"scale-claims-{n}"
            async with session.post(f"{base}/api/messages", json=self.activity) as answer:
                await answer.read()
                ok = answer.status in (200, 201)
            now = [body for path, body, _ in self.connector.posts if conversation in path]
            card = now[-1]["attachments"][0]["contentType"] if now else ""
            return ok and len(now) == posted + 1 and card.endswith("adaptive")
        async with session.post(
            f"{base}/api/claims/{next(self.targets)}/notifications", json={}, headers=headers
        ) as answer:
            body = await answer.json()
            return answer.status == 202 and len(body["deliveries"]) == 2


async def _measure(
    stores: dict[str, tuple[str, Filled, str]], folder: Path, connector: FakeConnector, requests: int
) -> dict[str, Any]:
    """Both services run side by side; each request goes to one and then the other (in alternating
    order), so whatever else loads the machine weighs on the big store and the anchor alike."""
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        clients: dict[str, _Client] = {}
        services: dict[str, tuple[subprocess.Popen[bytes], dict[str, float]]] = {}
        for label, (url, filled, cursor) in stores.items():  # started one after the other
            (folder / label).mkdir()
            process, base, start = await stack.enter_async_context(_service(url, folder / label))
            services[label] = (process, start)
            clients[label] = _Client(session, base, filled, cursor, connector)
        order = list(clients.values())
        for n in range(WARM_UP + requests):
            for kind in KINDS:  # in turn, so the worker's sends behind the notifications weigh on each alike
                for client in order if n % 2 else reversed(order):
                    await client.timed(kind, n, record=n >= WARM_UP)
        runs = {
            label: {
                "start_s": {"healthz": start["healthz"], "readyz": start["readyz"]},
                **_memory_mb(process.pid),
                "ms": {kind: _summary(values) for kind, values in clients[label].times.items()},
                "failures": clients[label].failures,
            }
            for label, (process, start) in services.items()
        }
    return runs


async def run(engine: str, claims: int, requests: int) -> dict[str, Any]:
    probe = WARM_UP + requests
    result: dict[str, Any] = {"store": engine, "claims": claims, "requests": requests, "page": PAGE}
    fills: dict[str, Any] = {}
    stores: dict[str, tuple[str, Filled, str]] = {}
    async with running_connector() as connector:
        with _databases(engine) as new_database, tempfile.TemporaryDirectory(prefix="cpor-scale-run-") as tmp:
            for label, size in (("anchor", probe), ("big", max(claims, probe))):
                url = new_database()
                filled, cursor, plans = await _prepare(
                    url, engine, size, probe, connector.url, label == "big"
                )
                fills[label] = {
                    "claims": filled.claims,
                    "contacts": filled.contacts,
                    "references": filled.references,
                    "deliveries": filled.deliveries,
                    "seconds": filled.seconds,
                }
                stores[label] = (url, filled, cursor)
                if plans:
                    result["plans"] = plans
            runs = await _measure(stores, Path(tmp), connector, requests)
    big, anchor = runs["big"], runs["anchor"]
    result["fill"] = fills
    result["runs"] = runs
    result["ratio"] = {
        **{
            f"{kind}_p99": round(big["ms"][kind]["p99"] / max(anchor["ms"][kind]["p99"], 0.01), 2)
            for kind in KINDS
        },
        "start_healthz": round(big["start_s"]["healthz"] / anchor["start_s"]["healthz"], 2),
        "start_readyz": round(big["start_s"]["readyz"] / anchor["start_s"]["readyz"], 2),
        "peak_rss": round(big["peak_rss_mb"] / anchor["peak_rss_mb"], 2),
    }
    result["targets"] = TARGETS
    result["met"] = {
        "start_healthz": big["start_s"]["healthz"] <= TARGETS["start_healthz_s"],
        "peak_rss": big["peak_rss_mb"] <= TARGETS["peak_rss_mb"],
        "list_first": big["ms"]["list_first"]["p99"] < TARGETS["list_p99_ms"],
        "list_deep": big["ms"]["list_deep"]["p99"] < TARGETS["list_p99_ms"],
        "claims_command": big["ms"]["claims_command"]["p99"] < TARGETS["claims_command_p99_ms"],
        "notify": big["ms"]["notify"]["p99"] < TARGETS["notify_p99_ms"],
        "plans_use_indexes": not any(plan["full_scans"] for plan in result.get("plans", {}).values()),
    }
    result["python"] = platform.python_version()
    result["machine"] = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return result


def _print(result: dict[str, Any]) -> None:
    big, anchor, fills = result["runs"]["big"], result["runs"]["anchor"], result["fill"]
    print(
        f"{result['store']}: {fills['big']['claims']:,} claims, {fills['big']['contacts']:,} contacts, "
        f"{fills['big']['references']:,} references, {fills['big']['deliveries']:,} deliveries, filled in "
        f"{fills['big']['seconds']} s; anchor {fills['anchor']['claims']} claims; {result['requests']} "
        f"requests of each, one at a time"
    )
    row = "{:<18} {:>12} {:>12} {:>12} {:>8} {:>8}"
    print(row.format("", "big p50 ms", "big p99 ms", "anchor p99", "ratio", "failed"))
    for kind in KINDS:
        print(
            row.format(
                kind, big["ms"][kind]["p50"], big["ms"][kind]["p99"], anchor["ms"][kind]["p99"],
                result["ratio"][f"{kind}_p99"], big["failures"][kind],
            )
        )  # fmt: skip
    print(
        f"start: /healthz {big['start_s']['healthz']} s, /readyz {big['start_s']['readyz']} s "
        f"(anchor {anchor['start_s']['healthz']} s, {anchor['start_s']['readyz']} s)"
    )
    print(
        f"peak RSS {big['peak_rss_mb']} MB (anchor {anchor['peak_rss_mb']} MB); load {result['load_average']}"
    )
    print("targets met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in result["met"].items()))
    for name, plan in result.get("plans", {}).items():
        flag = f"  FULL SCAN of {', '.join(plan['full_scans'])}" if plan["full_scans"] else ""
        print(f"\n-- {name}{flag}")
        for line in plan["plan"]:
            print(f"   {line}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--claims", type=int, default=100_000, help="claims in the big store")
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind, after a warm-up")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.claims < 1 or args.requests < 1:
        parser.error("--claims and --requests must be at least 1")
    result = asyncio.run(run(args.store, args.claims, args.requests))
    if args.json:
        print(json.dumps(result))
    else:
        _print(result)


if __name__ == "__main__":
    main()
