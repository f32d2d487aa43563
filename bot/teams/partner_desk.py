"""Partner users in Teams: link a chat to a partner with a one-time code, hear about customer
responses there, and compose claim notifications with a card form under the same rules as the API.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import cards
from bot.actions import Actor
from bot.domain.validation import InvalidRequest, claim_from_request
from bot.domain.workloads import catalog
from bot.partner_api.keys import hash_link_code
from bot.partner_api.schema import check
from bot.store import Conflict, DeliveryStatus, LimitKind, LimitReached, NotifyAllowance, PartnerLink, Store
from bot.teams.activity_body import first_unstorable
from bot.views import claim_summary
from cards.partner import Choice, compose_card, compose_done_card

log = logging.getLogger(__name__)

# Where an API field's error shows on the form.
FORM_FIELD = {
    "contacts[0].name": "contact_name",
    "contacts[0].email": "contact_email",
    "contacts": "contact_email",
}
FORM_NAMESPACE = uuid.UUID("6a1f4c1e-8d1b-4c53-9f7e-2b1f3c4d5e60")
UNREADABLE = "has characters this app can't store; please type it again"


def _notice(text: str) -> dict[str, Any]:
    return cards.message_card(text)


def _wait(seconds: int) -> str:
    """ "42 seconds", "3 minutes", "5 hours": how long until a refused send may go."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            count = -(-seconds // size)
            return f"{count} {unit}s"
    return "1 second" if seconds == 1 else f"{seconds} seconds"


class PartnerDesk:
    """`allowance` is the partner API's (NOTIFY_*): the form is one more way to notify, not a way
    around the limits; `on_refused` counts each refusal as the API counts its own."""

    def __init__(
        self,
        store: Store,
        wake_delivery: Callable[[], None],
        *,
        allowance: NotifyAllowance,
        on_refused: Callable[[LimitKind], None] = lambda kind: None,
    ) -> None:
        self._store = store
        self._wake_delivery = wake_delivery
        self._allowance = allowance
        self._on_refused = on_refused

    async def link(
        self, actor: Actor, conversation_id: str, conversation_type: str, code: str
    ) -> dict[str, Any]:
        if conversation_type != "personal":
            return _notice("Link a partner account in your personal chat with this app, not in a group.")
        if not actor.tenant_id or not code.strip():
            return _notice(
                "Send link and the code your partner administrator created, e.g. link ABCDE-FGHJK."
            )
        partner = await self._store.redeem_link_code(
            hash_link_code(code),
            PartnerLink(
                conversation_id=conversation_id,
                partner_id="",
                tenant_id=actor.tenant_id,
                aad_object_id=actor.aad_object_id,
                user_name=actor.name,
                created_at=dt.datetime.now(dt.UTC),
            ),
        )
        if partner is None:
            return _notice(
                "That code is unknown, used or expired. Ask for a new one (POST /api/teams-links)."
            )
        return _notice(
            f"This chat is now linked to {partner.name}. Customer responses to its claims arrive here, "
            "and you can type new claim to notify a customer."
        )

    async def unlink(self, conversation_id: str) -> dict[str, Any]:
        if await self._store.remove_partner_link(conversation_id):
            return _notice("This chat is no longer linked to a partner account.")
        return _notice("This chat is not linked to a partner account.")

    async def form(
        self,
        actor: Actor,
        conversation_id: str,
        *,
        values: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        form_id: str | None = None,
        notice: str | None = None,
    ) -> dict[str, Any]:
        link = await self._linked(actor, conversation_id)
        if link is None:
            return _notice(
                "Only a chat linked to a partner account can send claims: send link and your code."
            )
        partner = await self._store.get_partner(link.partner_id)
        cat = catalog()
        return compose_card(
            [Choice(a.id, a.name) for a in cat.areas.values()],
            [Choice(w.id, f"{w.name}: {w.plain}") for w in cat.workloads.values()],
            partner_name=partner.name if partner else "",
            form_id=form_id or uuid.uuid4().hex,
            values=values,
            errors=errors,
            notice=notice,
        )

    async def send(self, actor: Actor, conversation_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        link = await self._linked(actor, conversation_id)
        if link is None:
            return _notice(
                "Only a chat linked to a partner account can send claims: send link and your code."
            )
        values = {k: str(v) for k, v in data.items() if isinstance(v, str | int) and k != "form_id"}
        form_id = str(data.get("form_id") or uuid.uuid4().hex)
        unreadable = [k for k, v in data.items() if first_unstorable({k: v}) is not None]
        if unreadable:
            # Text no store can keep (a NUL, half of a surrogate pair): the form again, those fields empty.
            return await self.form(
                actor,
                conversation_id,
                values={k: v for k, v in values.items() if k not in unreadable},
                errors={k: UNREADABLE for k in unreadable if k in values},  # the inputs; form_id is not one
                form_id=uuid.uuid4().hex if "form_id" in unreadable else form_id,
            )
        body: dict[str, Any] = {
            "customer_tenant_id": values.get("customer_tenant_id", "").strip(),
            "customer_name": values.get("customer_name", "").strip(),
            "solution_area": values.get("solution_area", ""),
            "workloads": [w for w in values.get("workloads", "").split(",") if w],
            "contacts": [
                {
                    "name": values.get("contact_name", "").strip(),
                    "email": values.get("contact_email", "").strip(),
                }
            ],
        }
        if values.get("message", "").strip():
            body["message"] = values["message"].strip()
        now = dt.datetime.now(dt.UTC)
        try:
            check(body, "ClaimCreate")
            claim = claim_from_request(body, partner_id=link.partner_id, now=now)
        except InvalidRequest as problem:
            errors: dict[str, str] = {}
            for error in problem.errors:
                field = FORM_FIELD.get(error.field, error.field.split("[")[0])
                errors.setdefault(field, error.detail)
            return await self.form(actor, conversation_id, values=values, errors=errors, form_id=form_id)
        # One claim per form: a second click on Send finds the first claim.
        claim_id = str(uuid.uuid5(FORM_NAMESPACE, f"{link.partner_id}:{form_id}"))
        claim = replace(claim, id=claim_id)
        try:
            # The claim and its notification together, under the partner's allowance: a refused
            # notification leaves no claim behind, and the same form can be sent again later.
            deliveries = await self._store.create_claim_and_notify(
                claim, f"form:{claim_id}", now, allowance=self._allowance
            )
            self._wake_delivery()
        except LimitReached as limit:
            self._on_refused(limit.kind)
            log.info("claim form of partner %s: notification refused (%s)", link.partner_id, limit.kind)
            return await self.form(
                actor,
                conversation_id,
                values=values,
                form_id=form_id,
                notice=f"Nothing was created or sent. {limit.detail} Your entries are kept: press "
                f"Send again in {_wait(limit.retry_after_seconds)}.",
            )
        except Conflict:
            existing = await self._store.get_claim(claim_id, partner_id=link.partner_id)
            if existing is None:
                raise
            claim = existing
            deliveries = await self._store.deliveries_for_claim(claim_id)
        partner = await self._store.get_partner(link.partner_id)
        summary = claim_summary(claim, partner.name if partner else "")
        queued = sum(1 for d in deliveries if d.status != DeliveryStatus.WAITING)
        return compose_done_card(summary, queued=queued, waiting=len(deliveries) - queued)

    async def _linked(self, actor: Actor, conversation_id: str) -> PartnerLink | None:
        link = await self._store.get_partner_link(conversation_id)
        if link is None:
            return None
        if link.aad_object_id and actor.aad_object_id != link.aad_object_id:
            log.warning("a different user acted in a linked partner chat; refused")
            return None
        return link
