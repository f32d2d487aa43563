"""Scale-out on a real PostgreSQL: four `cpor-bot work` processes share one outbox of 2,000 cards,
one of them is killed with SIGKILL mid-run, and still nothing is lost and nothing is sent twice
(a send the killed worker may have made is marked `unknown`, never repeated)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess  # noqa: S404 - starts this project's own worker command
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bot.store import open_store
from tests.fakes import running_connector
from tests.outbox_seed import notify_installed_contacts

CLAIMS = 400
CONTACTS = 5  # 400 claims x 5 contacts = 2,000 deliveries
TENANTS = [f"{n:08x}-1111-4111-8111-111111111111" for n in range(10)]
ROOT = Path(__file__).resolve().parent.parent


async def seed(url: str, service_url: str, claims: int = CLAIMS) -> None:
    store = await open_store(url)
    try:
        await notify_installed_contacts(
            store,
            service_url,
            claims,
            tenant_of=lambda n: TENANTS[n % len(TENANTS)],
            contacts_per_claim=CONTACTS,
        )
    finally:
        await store.close()


async def outbox(store: Any) -> dict[str, str]:
    async with store._tx() as db:  # test-only: one query over the whole outbox  # noqa: SLF001
        rows = await db.rows("SELECT contact_id, status FROM deliveries")
    return {str(r["contact_id"]): str(r["status"]) for r in rows}


async def test_four_workers_one_killed_lose_nothing_and_send_nothing_twice(
    postgres: Any, tmp_path: Path
) -> None:
    url = postgres.create_database()
    async with running_connector() as connector:
        await seed(url, connector.url)
        watcher = await open_store(url)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "SMTP_"))},
            "DATABASE_URL": url,
            "DELIVERY_POLL_SECONDS": "0.2",
            "DELIVERY_LEASE_SECONDS": "5",
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            "LOG_LEVEL": "WARNING",
        }
        workers = [
            subprocess.Popen(  # noqa: S603, ASYNC220 - our own command; the loop must keep serving
                [sys.executable, "-m", "bot.ops.cli", "work"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(tmp_path / f"worker{i}.log", "wb"),  # noqa: SIM115, ASYNC230 - closed with the process
            )
            for i in range(4)
        ]
        try:
            deadline = asyncio.get_running_loop().time() + 120
            while len(connector.posts) < 300:
                assert asyncio.get_running_loop().time() < deadline, "the workers did not start sending"
                await asyncio.sleep(0.05)
            workers[0].send_signal(signal.SIGKILL)
            while True:
                statuses = Counter((await outbox(watcher)).values())
                if statuses["queued"] == 0 and statuses["sending"] == 0:
                    break
                assert asyncio.get_running_loop().time() < deadline, f"not done: {statuses}"
                await asyncio.sleep(0.5)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

        final = await outbox(watcher)
        await watcher.close()
        posts = Counter(path.split("/")[3] for path, _, _ in connector.posts)  # /v3/conversations/{id}/...
    statuses = Counter(final.values())
    unknown = [contact for contact, status in final.items() if status == "unknown"]
    print(
        f"\n2,000 deliveries, 4 workers, one killed: {statuses['sent']} sent, {len(unknown)} unknown "
        f"(the killed worker may or may not have sent those), {len(connector.posts)} posts"
    )
    assert len(final) == CLAIMS * CONTACTS
    assert set(statuses) <= {"sent", "unknown"}, statuses
    assert max(posts.values()) == 1, "a card was sent twice"
    for contact, status in final.items():
        if status == "sent":
            assert posts[f"a:{contact}"] == 1, contact
    assert workers[0].returncode == -signal.SIGKILL
