"""The Microsoft 365 Agents SDK anchor for `bench/invoke.py`: a minimal echo agent that answers the
`adaptiveCard/action` invoke with a small card, as the SDK's samples build one (an `AgentApplication`
on `MemoryStorage`, the aiohttp `CloudAdapter`, `start_agent_process`), without authentication: no
JWT middleware, so the `Authorization` header the benchmark sends is not read.

It runs in its own environment (bench/agents-requirements.txt, built by bench/invoke.py) and talks to
the benchmark over stdin/stdout: it prints its URL, then answers each `cpu` line with its CPU time in
seconds, until `stop` or the end of stdin.

    python bench/agents_echo.py
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from typing import Any

from aiohttp import web
from microsoft_agents.activity import AdaptiveCardInvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter, start_agent_process
from microsoft_agents.hosting.core import (
    AgentApplication,
    AnonymousTokenProvider,
    ConnectionManager,
    MemoryStorage,
    TurnContext,
    TurnState,
)

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "ok"}]}


def echo_agent() -> web.Application:
    # One service connection and no credentials: the SDK's anonymous token provider, no MSAL.
    connections = ConnectionManager(
        provider_factory=lambda _config: AnonymousTokenProvider(),
        CONNECTIONS={"SERVICE_CONNECTION": {"SETTINGS": {}}},
    )
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](
        storage=MemoryStorage(), adapter=adapter, connection_manager=connections
    )

    @agent.adaptive_card.action_execute(re.compile(r"^claim\."))  # every verb the benchmark clicks
    async def on_action(context: TurnContext, state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
        return AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=CARD
        )

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response if response is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


async def serve() -> None:
    # Its warnings on every turn (no app id for a user-token client) would be the benchmark's noise.
    logging.getLogger("microsoft_agents").setLevel(logging.ERROR)
    runner = web.AppRunner(echo_agent(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"http://127.0.0.1:{port}/api/messages", flush=True)
    loop = asyncio.get_running_loop()
    try:
        while (line := await loop.run_in_executor(None, sys.stdin.readline)) not in ("", "stop\n"):
            if line == "cpu\n":
                print(time.process_time(), flush=True)
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(serve())
