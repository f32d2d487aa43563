"""Invoke benchmark: `adaptiveCard/action` clicks with real Bot Framework JWT validation.

The bot runs with authentication on (a local OpenID metadata server and minted RS256 tokens stand in
for login.botframework.com), on SQLite or, with `--store postgresql`, on a throwaway PostgreSQL server
on loopback (started as the tests start one, removed at the end). Each click is "Got it"
(`claim.acknowledge`: the claim read, the answer written, or found already there, in one write
transaction, and the real claim card), or with `--verb refresh` the card's refresh (reads only).
Two anchors answer the same invoke with a small fixed card in the same run: a minimal stock botbuilder
bot (authentication on, as the bot's) and a minimal Microsoft 365 Agents SDK echo agent (without
authentication; bench/agents_echo.py, in its own venv: bench/invoke_agents.py).

Each bot runs alone in its own server process (its own CPU, heap and garbage collector); this process
generates the load, so on a small machine the client does not steal the measured server's CPU. Each
rate is offered open-loop for a few seconds; latency is measured from when each request was due, so a
client or server that falls behind shows up in it. A rate is held when p99 is at most 50 ms, at least
95 % of the offered rate is answered, and nothing fails. Rates are offered in order; once a bot misses
two in a row it gets no higher ones. `server_cpu_ms` is the server process's CPU time per answer,
from its CPU time read before and after each rate.

    python bench/invoke.py [--rates 25,50,100,200,300,400,500,600,700,800,1000] [--seconds 3]
                           [--store sqlite|postgresql] [--verb acknowledge|refresh] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, web
from aiohttp.test_utils import TestServer
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import AdaptiveCardInvokeResponse, InvokeResponse
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from invoke_agents import AgentsEcho  # noqa: E402 - bench/ is on the path: this script's folder
from invoke_store import bot_database  # noqa: E402

from app import create_app  # noqa: E402 - after the path set-up
from bot.domain.claims import Claim, Contact, Status  # noqa: E402
from bot.ops.config import Settings  # noqa: E402
from bot.ops.heap import freeze_startup_objects  # noqa: E402
from bot.ops.state import STORE  # noqa: E402
from tests.bot.teams.test_auth import APP_ID, APP_TENANT_ID, OpenIdServer, local_auth, mint  # noqa: E402
from tests.support import load_fixture  # noqa: E402

SERVICE_URL = "https://smba.trafficmanager.net/emea/"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
DEFAULT_RATES = "25,50,100,200,300,400,500,600,700,800,1000"
P99_LIMIT_MS = 50.0
ANSWERED_SHARE = 0.95
MISSES_TO_STOP = 2
SERVER_START_SECONDS = 60.0
SERVERS = ("echo", "agents", "bot")  # measured one after the other, each alone
VERBS = {"acknowledge": "claim.acknowledge", "refresh": "claim.refresh"}


class EchoBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type information
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "ok"}]}
        return InvokeResponse(
            status=200,
            body=AdaptiveCardInvokeResponse(
                status_code=200, type="application/vnd.microsoft.card.adaptive", value=card
            ),
        )


def echo_app(auth: ConfigurationBotFrameworkAuthentication) -> web.Application:
    adapter, bot = CloudAdapter(auth), EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


async def seed(store: Any) -> None:
    partner = await store.create_partner("Contoso Partners")
    now = dt.datetime.now(dt.UTC)
    contact = Contact(id="c1", name="Megan Bowen", email="megan@fabrikam.example", aad_object_id=None)
    await store.create_claim(
        Claim(
            id="claim-1",
            partner_id=partner.id,
            customer_tenant_id=TENANT,
            customer_name="Fabrikam Ltd",
            solution_area="modern_work_security",
            workloads=("teams", "exchange"),
            status=Status.UNDER_REVIEW,
            submitted_on=now.date(),
            created_at=now,
            updated_at=now,
            contacts=(contact,),
        )
    )


def serve(which: str, openid_base: str, database_url: str, conn: Connection) -> None:
    """A server process: sends its URL, then answers "cpu" with its CPU time until told "stop"."""
    asyncio.run(_serve(which, openid_base, database_url, conn))


async def _serve(which: str, openid_base: str, database_url: str, conn: Connection) -> None:
    if which == "bot":
        settings = Settings(
            app_id=APP_ID, app_password="x", app_tenant_id=APP_TENANT_ID, database_url=database_url
        )
        server = TestServer(create_app(settings, bot_auth=local_auth(openid_base)), host="127.0.0.1")
    else:
        server = TestServer(echo_app(local_auth(openid_base)), host="127.0.0.1")
    await server.start_server()
    try:
        if which == "bot":
            await seed(server.app[STORE])
            freeze_startup_objects()  # as the service's main() does once it is up
        conn.send(str(server.make_url("/api/messages")))
        loop = asyncio.get_running_loop()
        while (command := await loop.run_in_executor(None, conn.recv)) != "stop":
            if command == "cpu":
                conn.send(time.process_time())
    finally:
        await server.close()


async def offer(url: str, payload: bytes, token: str, rate: int, seconds: float) -> dict[str, Any]:
    """Send `rate` requests a second for `seconds`, each on time whatever the earlier ones are doing."""
    latencies: list[float] = []
    failures = 0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    # Past 512 open connections requests wait in the client; they are late, and that counts.
    connector = TCPConnector(limit=512)
    async with ClientSession(connector=connector, timeout=ClientTimeout(total=30)) as session:

        async def one(due: float) -> None:
            nonlocal failures
            try:
                async with session.post(url, data=payload, headers=headers) as resp:
                    await resp.read()
                    ok = resp.status == 200
            except (ClientError, TimeoutError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - due)
            else:
                failures += 1

        tasks = []
        begin = time.perf_counter()
        for n in range(int(rate * seconds)):
            due = begin + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - begin
    return {"latencies": latencies, "failures": failures, "elapsed": elapsed}


def summary(
    measured: dict[str, Any], rate: int, seconds: float, cpu_seconds: float, db_seconds: float | None = None
) -> dict[str, Any]:
    ordered = sorted(measured["latencies"])
    failures = measured["failures"]
    # Answers per second of wall time until the last one: a server that falls behind takes longer.
    answered = len(ordered) / max(measured["elapsed"], seconds)
    if not ordered:  # nothing answered: no latency to report, and certainly not held
        p50 = p99 = cpu_ms = db_ms = None
    else:
        p50 = round(statistics.median(ordered) * 1000, 1)
        p99 = round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1)
        cpu_ms = round(cpu_seconds * 1000 / len(ordered), 2)
        db_ms = None if db_seconds is None else round(db_seconds * 1000 / len(ordered), 2)
    row = {
        "rate": rate,
        "p50_ms": p50,
        "p99_ms": p99,
        "answered_per_s": round(answered, 1),
        "failures": failures,
        "server_cpu_ms": cpu_ms,
        "held": p99 is not None
        and p99 <= P99_LIMIT_MS
        and answered >= ANSWERED_SHARE * rate
        and failures == 0,
    }
    if db_seconds is not None:
        row["database_cpu_ms"] = db_ms
    return row


def ask(conn: Connection, command: str) -> Any:
    conn.send(command)
    return conn.recv()


async def measure(
    conn: Connection,
    url: str,
    payload: bytes,
    token: str,
    rates: list[int],
    seconds: float,
    db_cpu: Callable[[], float] | None = None,
) -> list[dict[str, Any]]:
    await offer(url, payload, token, 5, 1.0)  # warm: metadata fetch, first turn
    rows: list[dict[str, Any]] = []
    misses = 0
    for rate in rates:
        cpu, db = ask(conn, "cpu"), db_cpu() if db_cpu else 0.0
        # This process imported the whole app: a full collection here would pause the client for tens
        # of milliseconds and count against the server. Nothing it allocates while offering is cyclic.
        gc.collect()
        gc.disable()
        try:
            measured = await offer(url, payload, token, rate, seconds)
        finally:
            gc.enable()
        db_seconds = db_cpu() - db if db_cpu else None
        rows.append(summary(measured, rate, seconds, ask(conn, "cpu") - cpu, db_seconds))
        misses = 0 if rows[-1]["held"] else misses + 1
        if misses >= MISSES_TO_STOP:
            break
        await asyncio.sleep(0.5)  # let the server settle
    return rows


@contextmanager
def started(name: str, openid_base: str, database_url: str) -> Iterator[Any]:
    """A server in a process of its own; yields its connection once it has sent its URL."""
    if name == "agents":
        agent = AgentsEcho()
        try:
            if not agent.poll(SERVER_START_SECONDS):
                raise RuntimeError("the agents server did not start")
            yield agent
        finally:
            agent.close()
        return
    # "spawn": a fresh interpreter, not a copy of this process's threads.
    context = multiprocessing.get_context("spawn")
    conn, child_conn = context.Pipe()
    process = context.Process(
        target=serve,
        args=(name, openid_base, database_url, child_conn),
        name=f"bench-{name}",
        daemon=True,
    )
    process.start()
    try:
        if not conn.poll(SERVER_START_SECONDS):
            raise RuntimeError(f"the {name} server did not start")
        yield conn
    finally:
        if process.is_alive():
            conn.send("stop")
            process.join(10)
        if process.is_alive():
            process.terminate()
            process.join()


def highest_held(rows: list[dict[str, Any]]) -> int:
    return max((r["rate"] for r in rows if r["held"]), default=0)


def cpu_at_highest(rows: list[dict[str, Any]]) -> float | None:
    """CPU ms per answer at the highest rate held (or at the first rate when none was)."""
    held = [r for r in rows if r["held"]]
    return (held[-1] if held else rows[0])["server_cpu_ms"]


async def run(
    rates: list[int], seconds: float, store: str = "sqlite", verb: str = "acknowledge"
) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="endorsed-key", use="sig", endorsements=["msteams"])
    token = mint(key, SERVICE_URL, exp=int(time.time()) + 3600)
    invoke = load_fixture("invoke_card_action.json")
    invoke["serviceUrl"] = SERVICE_URL
    invoke["value"]["action"].update(verb=VERBS[verb], data={"claim_id": "claim-1"})
    payload = json.dumps(invoke).encode()
    results: dict[str, list[dict[str, Any]]] = {}
    with ExitStack() as stack:
        openid = stack.enter_context(OpenIdServer({"keys": [jwk]}))
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        database_url, db_cpu = bot_database(store, stack, folder)
        for name in SERVERS:
            with started(name, openid.base, database_url) as conn:
                url = conn.recv()
                reader = db_cpu if name == "bot" else None
                results[name] = await measure(conn, url, payload, token, rates, seconds, reader)
    held = {name: highest_held(rows) for name, rows in results.items()}
    # The figures at 200/s, or at the highest rate offered when the bot stopped before 200/s.
    at_200 = next((r for r in results["bot"] if r["rate"] == 200), results["bot"][-1])
    return {
        "rates": results,
        "p50_ms": at_200["p50_ms"],
        "p99_ms": at_200["p99_ms"],
        "p_at_rate": at_200["rate"],
        "max_rate": held["bot"],
        "echo_max_rate": held["echo"],
        "agents_max_rate": held["agents"],
        "ratio_to_echo": round(held["bot"] / held["echo"], 2) if held["echo"] else None,
        "ratio_to_agents": round(held["bot"] / held["agents"], 2) if held["agents"] else None,
        "cpu_ms_per_invoke": {name: cpu_at_highest(rows) for name, rows in results.items()},
        "store": store,
        "verb": VERBS[verb],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default=DEFAULT_RATES, help="invokes per second to offer, in order")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per rate")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite", help="the bot's store")
    parser.add_argument("--verb", choices=tuple(VERBS), default="acknowledge", help="the card action clicked")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    result = asyncio.run(run(rates, args.seconds, args.store, args.verb))
    if args.json:
        print(json.dumps(result))
        return
    row = "{:<6} {:>7} {:>8} {:>8} {:>11} {:>7} {:>10}  {}"
    print(row.format("who", "rate/s", "p50 ms", "p99 ms", "answered/s", "failed", "cpu ms", "held"))
    for name, rows in result["rates"].items():
        for r in rows:
            cpu = r["server_cpu_ms"]
            if "database_cpu_ms" in r:  # the PostgreSQL server's share, added
                cpu = f"{cpu}+{r['database_cpu_ms']}"
            cells = (
                r["rate"],
                r["p50_ms"],
                r["p99_ms"],
                r["answered_per_s"],
                r["failures"],
                cpu,
            )
            print(row.format(name, *(str(c) for c in cells), r["held"]))
    held = (
        f"bot {result['max_rate']}/s, echo {result['echo_max_rate']}/s, agents {result['agents_max_rate']}/s"
    )
    ratios = f"ratio to echo {result['ratio_to_echo']}, to agents {result['ratio_to_agents']}"
    cpu = ", ".join(f"{name} {ms}" for name, ms in result["cpu_ms_per_invoke"].items())
    print(f"{result['verb']} on {result['store']}; highest rate held: {held}; {ratios}")
    print(f"CPU ms per invoke at the highest rate held: {cpu}")


if __name__ == "__main__":
    main()
