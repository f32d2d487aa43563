"""A contact's Teams card shows their answer, wherever they gave it.

An answer given on the card in Teams replaces that card at once (the invoke's answer). One given in
Outlook or on the claim page leaves the Teams card as it was sent: this queues an update in place
of every claim card sent to that contact in Teams, which the delivery worker sends like any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.store import Channel, DeliveryKind, DeliveryStatus, Response, Store


class RefreshTeamsCards:
    """An `on_response` hook: after an answer given outside Teams, update the contact's Teams cards."""

    def __init__(self, store: Store, wake: Callable[[], None]) -> None:
        self._store = store
        self._wake = wake

    async def __call__(self, response: Response) -> None:
        if response.channel == "msteams" or response.contact_id is None:
            return
        now, because = dt.datetime.now(dt.UTC), f"response:{response.id}"
        queued = False
        for delivery in await self._store.deliveries_for_claim(response.claim_id):
            if (
                delivery.contact_id == response.contact_id
                and delivery.channel == Channel.TEAMS
                and delivery.kind == DeliveryKind.CLAIM
                and delivery.status == DeliveryStatus.SENT
            ):
                queued |= await self._store.enqueue_card_update(delivery.id, now, because=because)
        if queued:
            self._wake()
