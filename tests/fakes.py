"""A local fake Bot Connector: records what the bot posts and answers with scripted faults."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.changes import Changes


class FakeConnector:
    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any], str]] = []
        self.updates: list[tuple[str, dict[str, Any]]] = []
        self.url = ""
        self.latency = 0.0  # seconds before each accepted post or member lookup is answered
        self.in_flight = 0
        self.most_in_flight = 0
        self.member_lookups: list[str] = []  # the member id of each roster GET
        self.members_in_flight = 0
        self.most_members_in_flight = 0
        self.changes = Changes()  # after each post or update it records
        self._faults: defaultdict[str, deque[tuple[int, dict[str, str], str]]] = defaultdict(deque)

    def fail_next(
        self, conversation_id: str, status: int, *, code: str = "", headers: dict[str, str] | None = None
    ) -> None:
        """The next post into `conversation_id` gets this status (queued: several may be set)."""
        self._faults[conversation_id].append((status, headers or {}, code))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._post)
        app.router.add_post("/v3/conversations/{cid}/activities", self._post)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._put)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        return app

    async def _post(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["cid"]
        body = await request.json()
        faults = self._faults[conversation_id]
        if faults:
            status, headers, code = faults.popleft()
            error = {"error": {"code": code or "Error", "message": f"scripted {status}"}}
            return web.json_response(error, status=status, headers=headers)
        self.posts.append((request.path, body, request.headers.get("Authorization", "")))
        self.changes.changed()
        answer = {"id": f"reply-{len(self.posts)}"}
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency)
        finally:
            self.in_flight -= 1
        return web.json_response(answer)

    async def _put(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["cid"]
        faults = self._faults[conversation_id]
        if faults:
            status, headers, code = faults.popleft()
            error = {"error": {"code": code or "Error", "message": f"scripted {status}"}}
            return web.json_response(error, status=status, headers=headers)
        self.updates.append((request.match_info["aid"], await request.json()))
        self.changes.changed()
        return web.json_response({"id": request.match_info["aid"]})

    async def _member(self, request: web.Request) -> web.Response:
        self.member_lookups.append(request.match_info["mid"])
        self.members_in_flight += 1
        self.most_members_in_flight = max(self.most_members_in_flight, self.members_in_flight)
        try:
            await asyncio.sleep(self.latency)
        finally:
            self.members_in_flight -= 1
        return web.json_response(
            {
                "id": request.match_info["mid"],
                "name": "Megan Bowen",
                "email": "Megan.Bowen@fabrikam.example",
                "userPrincipalName": "megan.bowen@fabrikam.example",
            }
        )


@asynccontextmanager
async def running_connector() -> AsyncIterator[FakeConnector]:
    connector = FakeConnector()
    server = TestServer(connector.app(), host="127.0.0.1")
    await server.start_server()
    connector.url = str(server.make_url("/"))
    try:
        yield connector
    finally:
        await server.close()


class RecordingMailer:
    """Stands in for the mail relay where a test is about delivery, not SMTP (see tests/smtp.py)."""

    def __init__(self) -> None:
        from email.message import EmailMessage

        self.sent: list[EmailMessage] = []

    async def send(self, message: Any) -> None:
        self.sent.append(message)
