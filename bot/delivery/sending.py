"""What the delivery worker needs of a Teams sender, and how a sender reports a refusal. The senders
(`bot.teams.connector`) implement this without importing the worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["CardSender", "SendFailure"]


@dataclass(frozen=True, slots=True)
class SendFailure(Exception):
    """A send the connector refused; `status` is the HTTP status, None when it was never reached."""

    status: int | None
    code: str
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"{self.status or 'no response'} {self.code}".strip()


class CardSender(Protocol):
    async def send_card(self, reference: dict[str, Any], card: dict[str, Any]) -> str | None:
        """Post the card into the referenced conversation; return the new activity id."""
        ...

    async def update_card(self, reference: dict[str, Any], activity_id: str, card: dict[str, Any]) -> None:
        """Replace the card of an activity the bot sent earlier."""
        ...
