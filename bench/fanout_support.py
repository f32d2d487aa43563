"""The fan-out benchmark's set-up: the store (SQLite in a temp folder, or a PostgreSQL server started
as the tests start it, on loopback), the outbox, the naive baseline, the fake connector's counts."""

from __future__ import annotations

import asyncio
import socket
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import ConversationReference

from bot.ops.config import Settings
from bot.store import open_store
from bot.teams.adapter import create_adapter
from tests.outbox_seed import notify_installed_contacts


@dataclass(frozen=True)
class Database:
    url: str
    folder: str  # a temp folder for what the workers write (mail, link key)


@asynccontextmanager
async def opened_database(store: str) -> AsyncIterator[Database]:
    """An empty database of that engine, gone at the end (PostgreSQL: the server stopped, its data
    folder deleted)."""
    with tempfile.TemporaryDirectory(prefix="cpor-bench-") as folder:
        if store == "sqlite":
            yield Database(f"sqlite:///{folder}/bench.db", folder)
            return
        from tests.postgres import pg_bin, postgres_server

        if pg_bin() is None:
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
        with postgres_server() as server:
            yield Database(server.create_database(), folder)


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


def reference_for(service_url: str, n: int, tenants: int) -> tuple[str, str, dict[str, Any]]:
    tenant = f"t{n % tenants}"
    conversation = f"{tenant}-conv{n}"
    tenant_id = f"{n % tenants:08x}-0000-4000-8000-000000000000"
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


async def naive(service_url: str, count: int, tenants: int) -> float:
    """The SDK's proactive sample: `continue_conversation`, then `send_activity`, one by one."""
    adapter = create_adapter(Settings())
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "hi"}]}

    async def send(turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))

    start = time.perf_counter()
    for n in range(count):
        reference = ConversationReference().deserialize(reference_for(service_url, 1_000_000 + n, tenants)[2])
        await adapter.continue_conversation(reference, send, "")
    return count / (time.perf_counter() - start)


async def fill_outbox(url: str, service_url: str, count: int, tenants: int) -> None:
    """One claim per conversation, each with one contact and one Teams notification queued; the
    conversation ids name their tenant (t3-conv12), which the fake connector counts by."""
    store = await open_store(url)
    try:
        await notify_installed_contacts(
            store,
            service_url,
            count,
            tenant_of=lambda n: reference_for(service_url, n, tenants)[1],
            conversation_of=lambda n, _: reference_for(service_url, n, tenants)[0],
        )
    finally:
        await store.close()
