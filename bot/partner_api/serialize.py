"""The partner API's response bodies: each record as the response model the OpenAPI document is
generated from (`bot.partner_api.models`), so a field the document lacks cannot be written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel

from bot.domain.claims import Claim
from bot.domain.workloads import catalog
from bot.ops.state import SETTINGS
from bot.partner_api import models
from bot.store import Channel, Delivery, DeliveryStatus, Response, Webhook, WebhookEvent
from bot.views import web_link
from bot.web.links import LINKS, LinkSigner, public_base


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _iso_or_none(value: dt.datetime | None) -> str | None:
    return iso(value) if value else None


class StoredValueError(ValueError):
    """A stored record holds a value its response model does not allow: a bug, never the client's."""


def _delivery_channel(channel: Channel) -> Literal[Channel.TEAMS, Channel.EMAIL]:
    # A delivery is made on one channel; "auto" is only ever asked for, never stored.
    if channel is Channel.TEAMS:
        return Channel.TEAMS
    if channel is Channel.EMAIL:
        return Channel.EMAIL
    raise StoredValueError(f"a delivery on channel {channel!r}")


def _event_status(
    status: DeliveryStatus,
) -> Literal[DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.SENT, DeliveryStatus.FAILED]:
    # Webhook events are never "waiting" or "unknown": those belong to deliveries to contacts.
    if status is DeliveryStatus.QUEUED:
        return DeliveryStatus.QUEUED
    if status is DeliveryStatus.SENDING:
        return DeliveryStatus.SENDING
    if status is DeliveryStatus.SENT:
        return DeliveryStatus.SENT
    if status is DeliveryStatus.FAILED:
        return DeliveryStatus.FAILED
    raise StoredValueError(f"a webhook event with status {status!r}")


def reply(body: BaseModel, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A response model as JSON. Fields left at their defaults were not set on purpose (a claim in a
    list carries no deliveries; only the answer to PUT shows a webhook's secret) and are left out."""
    return web.json_response(body.model_dump(mode="json", exclude_unset=True), status=status, headers=headers)


def delivery_model(d: Delivery) -> models.Delivery:
    return models.Delivery(
        id=d.id,
        notification_id=d.notification_id,
        contact_id=d.contact_id,
        channel=_delivery_channel(d.channel),
        kind=d.kind,
        status=d.status,
        attempts=d.attempts,
        activity_id=d.activity_id,
        last_error=d.last_error,
        created_at=iso(d.created_at),
        updated_at=iso(d.updated_at),
        sent_at=_iso_or_none(d.sent_at),
    )


def webhook_model(
    hook: Webhook, *, secret: str | None = None, events: list[WebhookEvent] | None = None
) -> models.Webhook:
    extra: dict[str, Any] = {}
    if secret is not None:
        extra["secret"] = secret
    if events is not None:
        extra["events"] = [webhook_event_model(e) for e in events]
    created, updated = iso(hook.created_at), iso(hook.updated_at)
    return models.Webhook(url=hook.url, created_at=created, updated_at=updated, **extra)


def webhook_event_model(e: WebhookEvent) -> models.WebhookEvent:
    return models.WebhookEvent(
        id=e.id,
        claim_id=e.claim_id,
        type=e.event_type,
        status=_event_status(e.status),
        attempts=e.attempts,
        last_status_code=e.last_status_code,
        last_error=e.last_error,
        created_at=iso(e.created_at),
        delivered_at=_iso_or_none(e.delivered_at),
    )


def response_model(r: Response) -> models.Response:
    return models.Response(
        id=r.id,
        kind=r.kind,
        user_name=r.user_name,
        contact_id=r.contact_id,
        channel=r.channel,
        text=r.text,
        created_at=iso(r.created_at),
    )


def workload_model(workload_id: str, *, fallback_area: str) -> models.Workload:
    known = catalog().workloads.get(workload_id)
    if known is None:  # retired from the catalog since the claim was made: shown as stored
        return models.Workload(id=workload_id, name=workload_id, plain="", solution_area=fallback_area)
    return models.Workload(id=known.id, name=known.name, plain=known.plain, solution_area=known.area)


@dataclass(frozen=True, slots=True)
class ContactLinks:
    """Makes each contact's own link for one answer: the partner passes it on to that contact."""

    signer: LinkSigner
    base_url: str
    now: dt.datetime

    def model(self, claim_id: str, contact_id: str) -> models.ContactLink:
        link = web_link(self.signer, self.base_url, claim_id, contact_id, self.now)
        return models.ContactLink(url=link.url, expires_at=iso(link.expires_at))


def contact_links(request: web.Request) -> ContactLinks:
    """Links as this service signs them, on the address readers reach it at, valid from now."""
    config = request.config_dict
    return ContactLinks(config[LINKS], public_base(config[SETTINGS]), dt.datetime.now(dt.UTC))


def claim_model(
    claim: Claim,
    *,
    deliveries: list[Delivery] | None,
    responses: list[Response] | None = None,
    links: ContactLinks | None = None,
) -> models.Claim:
    """The claim as the API shows it; with `links` (one claim, never a list), each contact's link."""
    extra: dict[str, Any] = {}
    if deliveries is not None:
        extra["deliveries"] = [delivery_model(d) for d in deliveries]
    if responses is not None:
        extra["responses"] = [response_model(r) for r in responses]
    return models.Claim(
        id=claim.id,
        customer_tenant_id=claim.customer_tenant_id,
        customer_name=claim.customer_name,
        solution_area=claim.solution_area,
        workloads=[workload_model(w, fallback_area=claim.solution_area) for w in claim.workloads],
        status=claim.status,
        submitted_on=claim.submitted_on,
        partner_reference=claim.partner_reference,
        message=claim.message,
        locale=claim.locale,
        contacts=[
            models.Contact(
                id=c.id,
                name=c.name,
                email=c.email,
                aad_object_id=c.aad_object_id,
                locale=c.locale,
                # Left unset, not None, without links: `reply` then leaves the field out.
                **({"link": links.model(claim.id, c.id)} if links is not None else {}),
            )
            for c in claim.contacts
        ],
        created_at=iso(claim.created_at),
        updated_at=iso(claim.updated_at),
        **extra,
    )
