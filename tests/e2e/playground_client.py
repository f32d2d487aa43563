"""The Playground's internal HTTP and WebSocket API, which its web UI uses: the user's side of the chat,
and the bot's messages as they arrive."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.e2e.playground import Playground

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class BotMessage:
    """One bot message as the Playground shows it (from the conversation WebSocket)."""

    action: str  # "createMessage" or "updateMessage"
    conversation_id: str
    raw: dict[str, Any]

    @property
    def message_id(self) -> str:
        return str(self.raw.get("messageId", ""))

    @property
    def text(self) -> str:
        return str(self.raw.get("text") or "")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.raw.get("attachments") or []
            if a.get("contentType") == ADAPTIVE_CARD and isinstance(a.get("content"), dict)
        ]

    @property
    def card(self) -> dict[str, Any] | None:
        cards = self.cards
        return cards[0] if cards else None


def card_text(node: Any) -> str:
    """Every human-readable string in a card (text, titles, facts, choices, placeholders), one per line."""
    keys = ("text", "title", "value", "placeholder", "label", "altText", "fallbackText")
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in keys and isinstance(item, str):
                    out.append(item)
                elif key not in ("url", "iconUrl", "$schema", "type", "id", "verb", "data"):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(node)
    return "\n".join(out)


def mentions(card_or_text: Any, word: str) -> bool:
    """Whether `word` appears as a whole word (any case) in a card's text or in a string."""
    text = card_or_text if isinstance(card_or_text, str) else card_text(card_or_text)
    return re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None


class PlaygroundError(AssertionError):
    pass


class PlaygroundClient:
    """Drives the Playground as the current user; bot messages arrive over its WebSocket."""

    card_text = staticmethod(card_text)
    mentions = staticmethod(mentions)

    def __init__(self, playground: Playground, conversation_id: str | None = None) -> None:
        self.playground = playground
        self.identity = playground.identity
        self.conversation_id = conversation_id or playground.identity.personal_chat_id
        self.messages: list[BotMessage] = []  # everything received, in order
        self._queue: asyncio.Queue[BotMessage | None] = asyncio.Queue()
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closed_reason: str | None = None

    async def __aenter__(self) -> PlaygroundClient:
        self._session = aiohttp.ClientSession(
            base_url=self.playground.base_url, timeout=aiohttp.ClientTimeout(total=30)
        )
        self._ws = await self._session.ws_connect("/_ws_conversation/v1/conversations/stream", heartbeat=20)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                event = json.loads(frame.data)
                if event.get("action") not in ("createMessage", "updateMessage"):
                    continue
                message = BotMessage(event["action"], event.get("actionConversationId", ""), event["message"])
                self.messages.append(message)
                await self._queue.put(message)
            self._closed_reason = f"WebSocket closed ({self._ws.close_code})"
        except Exception as exc:  # report it to the waiting test rather than losing it in the task
            self._closed_reason = f"WebSocket reader failed: {exc!r}"
        await self._queue.put(None)

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "use `async with PlaygroundClient(...)`"
        return self._session

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(method, path, json=body) as response:
            text = await response.text()
            if response.status >= 400:
                raise PlaygroundError(f"{method} {path} -> HTTP {response.status}: {text[:2000]}")
            return json.loads(text) if text.strip() else None

    # --- the user's side ---------------------------------------------------------------------------

    async def config(self) -> dict[str, Any]:
        """GET /_internal/v1/config: the mock tenant, users, chats and team (waits for the bot's HEAD)."""
        result: dict[str, Any] = await self._call("GET", "/_internal/v1/config")
        return result

    async def install(self, conversation_id: str | None = None) -> None:
        """The user installs the app: installationUpdate(add), then conversationUpdate(membersAdded)."""
        await self._call(
            "POST", f"/_debug/conversation/{conversation_id or self.conversation_id}/installation"
        )

    async def send_text(self, text: str) -> dict[str, Any]:
        """The user types `text` in the chat; returns the Playground's {messageId, timestamp}."""
        body = {"from": {"id": self.identity.user_id}, "text": text, "textFormat": "plain"}
        result: dict[str, Any] = await self._call(
            "POST", f"/_conversation/v1/conversations/{self.conversation_id}/messages", body
        )
        return result

    async def invoke(self, reply_to_id: str, action: dict[str, Any]) -> dict[str, Any]:
        """Press an Action.Execute on the card `reply_to_id`; returns the bot's invoke response {type, value}.

        `action` is the `value.action` object, e.g. {"type": "Action.Execute", "verb": "ack", "data": {...}}.
        A bot error surfaces as PlaygroundError (the Playground answers 502 UserBotError).
        """
        body = {
            "name": "adaptiveCard/action",
            "from": {"id": self.identity.user_id},
            "conversation": {"id": self.conversation_id},
            "replyToId": reply_to_id,
            "value": {"action": action},
        }
        result: dict[str, Any] = await self._call("POST", "/_conversation/v1/invoke", body)
        return result

    async def submit(self, reply_to_id: str, value: dict[str, Any]) -> Any:
        """Press an Action.Submit on the card `reply_to_id` (a message activity with `value`)."""
        body = {
            "from": {"id": self.identity.user_id},
            "conversation": {"id": self.conversation_id},
            "replyToId": reply_to_id,
            "value": value,
        }
        return await self._call("POST", "/_conversation/v1/submit", body)

    # --- what the bot sends --------------------------------------------------------------------------

    async def next_message(self, timeout: float = 15.0, *, updates: bool = False) -> BotMessage:  # noqa: ASYNC109
        """The next bot message in this conversation (with `updates`, also in-place card updates)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            message = await asyncio.wait_for(self._queue.get(), remaining)
            if message is None:
                await self._queue.put(None)
                raise PlaygroundError(self._closed_reason or "WebSocket closed")
            if message.conversation_id not in ("", self.conversation_id):
                continue
            if message.action == "createMessage" or updates:
                return message

    async def wait_for_message(
        self,
        predicate: Callable[[BotMessage], bool],
        timeout: float = 15.0,  # noqa: ASYNC109
        *,
        updates: bool = False,
    ) -> BotMessage:
        """The first next bot message that satisfies `predicate`; others are skipped (kept in .messages)."""
        seen = len(self.messages)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    message = await self.next_message(timeout, updates=updates)
                    if predicate(message):
                        return message
        except TimeoutError:
            raise PlaygroundError(
                f"no matching bot message within {timeout} s; received meanwhile:\n"
                + self.describe(self.messages[seen:])
            ) from None

    async def next_card(self, timeout: float = 15.0, *, updates: bool = False) -> dict[str, Any]:  # noqa: ASYNC109
        """The first Adaptive Card of the next bot message that carries one."""
        message = await self.wait_for_message(lambda m: m.card is not None, timeout, updates=updates)
        assert message.card is not None
        return message.card

    async def wait_for_card(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float = 15.0,  # noqa: ASYNC109
        *,
        updates: bool = False,
    ) -> dict[str, Any]:
        """The first Adaptive Card, in the bot messages from now on, that satisfies `predicate`."""
        message = await self.wait_for_card_message(predicate, timeout, updates=updates)
        assert message.card is not None
        return message.card

    async def wait_for_card_message(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float = 15.0,  # noqa: ASYNC109
        *,
        updates: bool = False,
    ) -> BotMessage:
        """Like wait_for_card, but the whole message (its messageId is what `invoke` replies to)."""
        return await self.wait_for_message(
            lambda m: m.card is not None and predicate(m.card), timeout, updates=updates
        )

    @staticmethod
    def describe(messages: list[BotMessage]) -> str:
        if not messages:
            return "  (nothing)"
        lines = []
        for m in messages:
            summary = card_text(m.card).replace("\n", " | ") if m.card else m.text
            lines.append(f"  {m.action} {m.message_id}: {summary[:300]}")
        return "\n".join(lines)
