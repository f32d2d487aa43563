"""The partner API's response bodies: each record as the JSON the OpenAPI document describes."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from bot.domain.claims import Claim
from bot.domain.workloads import catalog
from bot.store import Delivery, Response, Webhook, WebhookEvent

log = logging.getLogger(__name__)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "notification_id": d.notification_id,
        "contact_id": d.contact_id,
        "channel": d.channel,
        "kind": d.kind,
        "status": d.status,
        "attempts": d.attempts,
        "activity_id": d.activity_id,
        "last_error": d.last_error,
        "created_at": _iso(d.created_at),
        "updated_at": _iso(d.updated_at),
        "sent_at": _iso(d.sent_at),
    }


def webhook_json(hook: Webhook) -> dict[str, Any]:
    return {"url": hook.url, "created_at": _iso(hook.created_at), "updated_at": _iso(hook.updated_at)}


def webhook_event_json(e: WebhookEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "claim_id": e.claim_id,
        "type": e.event_type,
        "status": e.status,
        "attempts": e.attempts,
        "last_status_code": e.last_status_code,
        "last_error": e.last_error,
        "created_at": _iso(e.created_at),
        "delivered_at": _iso(e.delivered_at),
    }


def response_json(r: Response) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "user_name": r.user_name,
        "contact_id": r.contact_id,
        "channel": r.channel,
        "text": r.text,
        "created_at": _iso(r.created_at),
    }


def claim_json(
    claim: Claim, *, deliveries: list[Delivery] | None, responses: list[Response] | None = None
) -> dict[str, Any]:
    cat = catalog()
    body: dict[str, Any] = {
        "id": claim.id,
        "customer_tenant_id": claim.customer_tenant_id,
        "customer_name": claim.customer_name,
        "solution_area": claim.solution_area,
        "workloads": [
            {
                "id": w,
                "name": cat.workloads[w].name if w in cat.workloads else w,
                "plain": cat.workloads[w].plain if w in cat.workloads else "",
                "solution_area": cat.workloads[w].area if w in cat.workloads else claim.solution_area,
            }
            for w in claim.workloads
        ],
        "status": claim.status.value,
        "submitted_on": claim.submitted_on.isoformat(),
        "partner_reference": claim.partner_reference,
        "message": claim.message,
        "locale": claim.locale,
        "contacts": [
            {
                "id": c.id,
                "name": c.name,
                "email": c.email,
                "aad_object_id": c.aad_object_id,
                "locale": c.locale,
            }
            for c in claim.contacts
        ],
        "created_at": _iso(claim.created_at),
        "updated_at": _iso(claim.updated_at),
    }
    if deliveries is not None:
        body["deliveries"] = [delivery_json(d) for d in deliveries]
    if responses is not None:
        body["responses"] = [response_json(r) for r in responses]
    return body
