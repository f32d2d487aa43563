"""What the delivery worker needs of a Teams sender, and how a sender reports a refusal. The senders
(`bot.teams.connector`) implement this without importing the worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import orjson

__all__ = ["CardSender", "EncodedCard", "SendFailure"]


@dataclass(frozen=True, slots=True)
class EncodedCard:
    """A card written as JSON, with the text a client that cannot show it gets instead. A card waits
    for its moment to leave as these bytes, not as the tree of dicts it was built from: hundreds
    wait at once, and their trees cost the garbage collector and the CPU's caches (fan-out to 100
    tenants: about a tenth less CPU a card; README, Benchmarks)."""

    json: bytes
    fallback_text: str | None = None

    @classmethod
    def of(cls, card: dict[str, Any]) -> EncodedCard:
        fallback = card.get("fallbackText")
        return cls(orjson.dumps(card), fallback if isinstance(fallback, str) else None)

    def content(self) -> dict[str, Any]:
        """The card as a dict again (for a reader such as a test, not on the way out)."""
        card: dict[str, Any] = orjson.loads(self.json)
        return card


@dataclass(frozen=True, slots=True)
class SendFailure(Exception):
    """A send the connector refused; `status` is the HTTP status, None when it was never reached."""

    status: int | None
    code: str
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"{self.status or 'no response'} {self.code}".strip()


class CardSender(Protocol):
    async def send_card(self, reference: dict[str, Any], card: EncodedCard) -> str | None:
        """Post the card into the referenced conversation; return the new activity id."""
        ...

    async def update_card(self, reference: dict[str, Any], activity_id: str, card: EncodedCard) -> None:
        """Replace the card of an activity the bot sent earlier."""
        ...
