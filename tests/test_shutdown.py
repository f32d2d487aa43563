"""SIGTERM: the service stops taking work, finishes what it holds and exits 0, losing nothing.

The real service (`python app.py`) runs as a child process on a SQLite file. During a fan-out it gets
SIGTERM with sends in flight (the connector answers each after 300 ms): every delivery ends either
`sent`, posted exactly once, or back in the queue, never posted; a second start sends the rest.
During a burst of card clicks it gets SIGTERM with requests half received: each of those is
answered, and every click the service took is both answered and recorded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import socket
import subprocess  # noqa: S404 - starts this project's own service
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.domain.claims import Contact, Status
from bot.store import open_store
from tests.bot.store.support import make_claim
from tests.fakes import running_connector
from tests.support import load_fixture
from tests.test_scale_out import outbox, seed

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def service(
    database_url: str, tmp_path: Path, name: str
) -> AsyncIterator[tuple[subprocess.Popen[bytes], str]]:
    """`python app.py` on a free loopback port, ready (GET /readyz 200) when this yields."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "SMTP_"))},
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DELIVERY_POLL_SECONDS": "0.2",
        "SHUTDOWN_GRACE_SECONDS": "20",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
    }
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115, ASYNC230 - closed with the process
    process = subprocess.Popen(  # noqa: S603, ASYNC220 - our own service; the loop keeps serving
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            deadline = asyncio.get_running_loop().time() + 30
            while True:
                assert process.poll() is None, (tmp_path / f"{name}.log").read_text()
                try:
                    async with session.get(f"{url}/readyz") as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert asyncio.get_running_loop().time() < deadline, "the service did not become ready"
                await asyncio.sleep(0.1)
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        log.close()


async def exit_code(process: subprocess.Popen[bytes], within: float) -> int:
    deadline = asyncio.get_running_loop().time() + within
    while process.poll() is None:
        assert asyncio.get_running_loop().time() < deadline, "the service did not exit in time"
        await asyncio.sleep(0.05)
    return process.returncode


async def test_sigterm_during_a_fan_out_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    async with running_connector() as connector:
        connector.latency = 0.3  # each send is in flight for a while
        await seed(url, connector.url, claims=120)  # 600 deliveries in 10 tenants
        async with service(url, tmp_path, "first") as (process, _):
            while len(connector.posts) < 50:
                assert process.poll() is None
                await asyncio.sleep(0.01)
            in_flight_at_signal = connector.in_flight
            signalled = asyncio.get_running_loop().time()
            process.send_signal(signal.SIGTERM)
            assert await exit_code(process, within=30) == 0
            stopped_in = asyncio.get_running_loop().time() - signalled
        watcher = await open_store(url)
        try:
            after_stop = await outbox(watcher)
        finally:
            await watcher.close()
        posted = Counter(path.split("/")[3] for path, _, _ in connector.posts)
        statuses = Counter(after_stop.values())
        print(
            f"\nSIGTERM with {in_flight_at_signal} sends in flight: exit 0 after {stopped_in:.2f} s, "
            f"{statuses['sent']} sent, {statuses['queued']} still queued, none unknown"
        )
        assert in_flight_at_signal > 0, "nothing was in flight when the signal came: the test proves nothing"
        assert set(statuses) <= {"sent", "queued"}, statuses  # nothing unknown, nothing held
        assert statuses["queued"] > 0, "everything went out before the signal: the test proves nothing"
        for contact, status in after_stop.items():
            assert posted[f"a:{contact}"] == (1 if status == "sent" else 0), (contact, status)

        # The next start sends what was left, once.
        async with service(url, tmp_path, "second") as (process, _):
            deadline = asyncio.get_running_loop().time() + 60
            while len(connector.posts) < len(after_stop):
                assert asyncio.get_running_loop().time() < deadline, len(connector.posts)
                await asyncio.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            assert await exit_code(process, within=30) == 0
        watcher = await open_store(url)
        try:
            final = await outbox(watcher)
        finally:
            await watcher.close()
    assert Counter(final.values()) == {"sent": len(after_stop)}
    assert Counter(path.split("/")[3] for path, _, _ in connector.posts) == {f"a:{c}": 1 for c in final}


CLICKS = 160
# Turns in hand at the signal. The SDK sends replies from a thread pool (min(32, CPUs + 4) threads),
# so at most that many replies are in flight at once: keep under it on a 2-core machine.
HELD = 4


async def seed_claims(url: str) -> None:
    store = await open_store(url)
    try:
        partner = await store.create_partner("Contoso Partners")
        now = dt.datetime.now(dt.UTC)
        for n in range(CLICKS):
            contact = Contact(
                id=f"c{n}", name=f"Contact {n}", email=f"c{n}@fabrikam.example", aad_object_id=None
            )
            await store.create_claim(
                make_claim(
                    partner.id,
                    f"claim-{n}",
                    customer_tenant_id=TENANT,
                    status=Status.UNDER_REVIEW,
                    created_at=now,
                    updated_at=now,
                    contacts=(contact,),
                )
            )
    finally:
        await store.close()


def click(n: int) -> bytes:
    """Contact n's "Got it" on claim n, as Teams posts it (each from a user of their own)."""
    activity: dict[str, Any] = load_fixture("activities/invoke_card_action.json")
    activity["value"]["action"]["data"]["claim_id"] = f"claim-{n}"
    activity["from"]["aadObjectId"] = f"6f1e2d3c-4b5a-4968-8776-{n:012x}"
    activity["from"]["id"] = f"29:user-{n}"
    activity["id"] = f"f:click-{n}"
    return json.dumps(activity).encode()


def help_message(n: int, service_url: str) -> bytes:
    """A "help" message: the bot answers it through the connector, so the turn is in hand while the
    connector takes its time."""
    activity: dict[str, Any] = load_fixture("activities/message_help.json")
    activity["serviceUrl"] = service_url
    activity["id"] = f"help-{n}"
    activity["conversation"]["id"] = f"a:help-{n}"  # a chat each: Teams' per-chat pace holds no one up
    return json.dumps(activity).encode()


async def responders(url: str) -> set[str]:
    store = await open_store(url)
    try:
        async with store._tx() as db:  # test-only: which claims got a response  # noqa: SLF001
            rows = await db.rows("SELECT claim_id FROM responses")
    finally:
        await store.close()
    return {str(row["claim_id"]) for row in rows}


async def test_sigterm_during_a_burst_of_clicks_answers_every_click_it_took(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    await seed_claims(url)
    answered: dict[int, int] = {}
    refused: list[int] = []
    async with running_connector() as connector, service(url, tmp_path, "clicks") as (process, base):
        connector.latency = 1.0  # the bot's replies to "help" wait this long: turns in hand
        under_way = asyncio.Event()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(CLICKS):
            queue.put_nowait(n)
        json_type = {"Content-Type": "application/json"}

        async def clicker(session: aiohttp.ClientSession) -> None:
            while not queue.empty():
                n = queue.get_nowait()
                try:
                    async with session.post(
                        f"{base}/api/messages", data=click(n), headers=json_type
                    ) as answer:
                        answered[n] = answer.status
                    if len(answered) >= 30:
                        under_way.set()
                except aiohttp.ClientError:
                    refused.append(n)

        async def ask_for_help(session: aiohttp.ClientSession, n: int) -> int:
            data = help_message(n, connector.url)
            async with session.post(f"{base}/api/messages", data=data, headers=json_type) as answer:
                return answer.status

        # One connection per request: a request is either taken by the service or refused.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
            helps = [asyncio.create_task(ask_for_help(session, n)) for n in range(HELD)]
            await connector.changes.until(lambda: connector.in_flight >= HELD, within=10)
            clickers = [asyncio.create_task(clicker(session)) for _ in range(8)]
            await asyncio.wait_for(under_way.wait(), 10)
            process.send_signal(signal.SIGTERM)
            help_answers = await asyncio.gather(*helps)
            await asyncio.gather(*clickers)
        assert await exit_code(process, within=30) == 0
        replied_to = {path.split("/")[3] for path, _, _ in connector.posts}
    recorded = await responders(url)
    print(
        f"\nSIGTERM during {CLICKS} clicks: {len(answered)} answered and recorded, {len(refused)} refused "
        f"at the closed listener; {HELD} turns in hand answered"
    )
    # The turns in hand when the signal came finished: answered, and the bot's replies went out.
    assert all(status in (200, 201) for status in help_answers), help_answers
    assert replied_to == {f"a:help-{n}" for n in range(HELD)}
    assert all(status == 200 for status in answered.values()), answered
    taken = {int(claim.removeprefix("claim-")) for claim in recorded}
    # Every click the service took was answered, and every answered click was recorded.
    assert taken == set(answered), (sorted(taken ^ set(answered)), refused)
    assert len(answered) + len(refused) == CLICKS
    assert refused, "every click went through before the signal: the test proves nothing"
