"""From rows to the store's records."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.claims import Claim, Contact, Status
from bot.store import (
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Partner,
    PartnerKey,
    PartnerLink,
    Response,
    ResponseKind,
    StoredReference,
    Webhook,
    WebhookEvent,
)
from bot.store.sql.base import Db, Row, _req_ts, parse_ts


async def _hydrate(db: Db, rows: Sequence[Row]) -> list[Claim]:
    """Claims with their workloads and contacts, in two queries whatever the count."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    marks = ",".join("?" * len(ids))
    workloads: dict[str, list[str]] = {i: [] for i in ids}
    for w in await db.rows(
        f"SELECT claim_id, workload_id FROM claim_workloads WHERE claim_id IN ({marks}) "  # noqa: S608 - only placeholders are interpolated
        "ORDER BY claim_id, position",
        ids,
    ):
        workloads[w["claim_id"]].append(w["workload_id"])
    contacts: dict[str, list[Contact]] = {i: [] for i in ids}
    for c in await db.rows(
        f"SELECT * FROM contacts WHERE claim_id IN ({marks}) ORDER BY claim_id, position",  # noqa: S608 - only placeholders are interpolated
        ids,
    ):
        contacts[c["claim_id"]].append(_contact(c))
    return [_claim(row, workloads[row["id"]], contacts[row["id"]]) for row in rows]


def _contact(row: Mapping[str, Any]) -> Contact:
    return Contact(
        id=row["id"],
        name=row["name"],
        email=row["email"],
        aad_object_id=row["aad_object_id"],
        locale=row["locale"],
    )


def _claim(row: Mapping[str, Any], workloads: Sequence[str], contacts: Sequence[Contact]) -> Claim:
    return Claim(
        id=row["id"],
        partner_id=row["partner_id"],
        customer_tenant_id=row["customer_tenant_id"],
        customer_name=row["customer_name"],
        solution_area=row["solution_area"],
        workloads=tuple(workloads),
        status=Status(row["status"]),
        submitted_on=dt.date.fromisoformat(row["submitted_on"]),
        created_at=_req_ts(row["created_at"]),
        updated_at=_req_ts(row["updated_at"]),
        contacts=tuple(contacts),
        partner_reference=row["partner_reference"],
        message=row["message"],
        locale=row["locale"],
        dispute_used=bool(row["dispute_used"]),
    )


def _partner(row: Row) -> Partner:
    return Partner(id=row["id"], name=row["name"], created_at=_req_ts(row["created_at"]))


def _partner_key(row: Row) -> PartnerKey:
    return PartnerKey(
        id=row["id"],
        partner_id=row["partner_id"],
        secret_hash=row["secret_hash"],
        label=row["label"],
        created_at=_req_ts(row["created_at"]),
        revoked_at=parse_ts(row["revoked_at"]),
    )


def _reference(row: Row) -> StoredReference:
    return StoredReference(
        conversation_id=row["conversation_id"],
        tenant_id=row["tenant_id"],
        aad_object_id=row["aad_object_id"],
        user_id=row["user_id"],
        email=row["email"],
        conversation_type=row["conversation_type"],
        channel_id=row["channel_id"],
        service_url=row["service_url"],
        reference=json.loads(row["reference_json"]),
        updated_at=_req_ts(row["updated_at"]),
    )


def _partner_link(row: Row) -> PartnerLink:
    return PartnerLink(
        conversation_id=row["conversation_id"],
        partner_id=row["partner_id"],
        tenant_id=row["tenant_id"],
        aad_object_id=row["aad_object_id"],
        user_name=row["user_name"],
        created_at=_req_ts(row["created_at"]),
    )


def _webhook(row: Row) -> Webhook:
    return Webhook(
        partner_id=row["partner_id"],
        url=row["url"],
        secret=row["secret"],
        created_at=_req_ts(row["created_at"]),
        updated_at=_req_ts(row["updated_at"]),
    )


def _webhook_event(row: Row) -> WebhookEvent:
    return WebhookEvent(
        id=row["id"],
        partner_id=row["partner_id"],
        claim_id=row["claim_id"],
        event_type=row["event_type"],
        payload=json.loads(row["payload_json"]),
        dedupe_key=row["dedupe_key"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=_req_ts(row["next_attempt_at"]),
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        created_at=_req_ts(row["created_at"]),
        delivered_at=parse_ts(row["delivered_at"]),
    )


# Every column of `responses`, as `_response` reads them.
RESPONSE_COLUMNS = (
    "id",
    "claim_id",
    "kind",
    "tenant_id",
    "aad_object_id",
    "user_id",
    "user_name",
    "contact_id",
    "channel",
    "text",
    "dedupe_key",
    "created_at",
)


def _response(row: Mapping[str, Any]) -> Response:
    return Response(
        id=row["id"],
        claim_id=row["claim_id"],
        kind=ResponseKind(row["kind"]),
        tenant_id=row["tenant_id"],
        aad_object_id=row["aad_object_id"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        contact_id=row["contact_id"],
        channel=row["channel"],
        text=row["text"],
        dedupe_key=row["dedupe_key"],
        created_at=_req_ts(row["created_at"]),
    )


def _delivery(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        notification_id=row["notification_id"],
        claim_id=row["claim_id"],
        contact_id=row["contact_id"],
        channel=Channel(row["channel"]),
        kind=DeliveryKind(row["kind"]),
        target_activity_id=row["target_activity_id"],
        response_id=row["response_id"],
        status=DeliveryStatus(row["status"]),
        conversation_id=row["conversation_id"],
        activity_id=row["activity_id"],
        attempts=row["attempts"],
        next_attempt_at=_req_ts(row["next_attempt_at"]),
        last_error=row["last_error"],
        created_at=_req_ts(row["created_at"]),
        updated_at=_req_ts(row["updated_at"]),
        sent_at=parse_ts(row["sent_at"]),
    )
