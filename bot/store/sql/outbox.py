"""Queueing deliveries: the one INSERT INTO deliveries, and the deliveries a notification makes."""

from __future__ import annotations

import datetime as dt

from bot.domain.claims import Claim, Contact
from bot.store import (
    Channel,
    Delivery,
    DeliveryStatus,
    ts,
)
from bot.store.sql.base import Db
from bot.store.sql.keys import time_ordered_id
from bot.store.sql.rows import _delivery

# The contact's latest personal chat, by Entra object id or by email: one index search for each (the
# tenant and the id in conversation_refs_user, the tenant and the email in conversation_refs_email).
# Written as an OR, SQLite searched conversation_refs_email by the tenant alone and read every chat
# of the tenant, on each notification, for each contact.
CONTACT_CHAT = (
    "SELECT conversation_id, updated_at FROM conversation_refs WHERE tenant_id = ? AND aad_object_id = ? "
    "AND conversation_type = 'personal' UNION ALL "
    "SELECT conversation_id, updated_at FROM conversation_refs WHERE tenant_id = ? AND email = ? "
    "AND conversation_type = 'personal' ORDER BY updated_at DESC LIMIT 1"
)


def contact_chat_params(tenant_id: str, contact: Contact) -> tuple[str | None, ...]:
    return (tenant_id, contact.aad_object_id, tenant_id, contact.email.lower())


async def enqueue_for_contacts(
    db: Db,
    claim: Claim,
    notification_id: str,
    kind: str,
    at: dt.datetime,
    channel: str = Channel.AUTO,
) -> None:
    """Deliveries of `kind` for every contact, by `channel`: Teams (queued where the contact has the
    app, else waiting for them to install it), email, both, or auto (Teams where they have the app,
    email otherwise)."""
    for contact in claim.contacts:
        refs = await db.rows(CONTACT_CHAT, contact_chat_params(claim.customer_tenant_id, contact))
        conversation_id = refs[0]["conversation_id"] if refs else None
        teams = channel in (Channel.TEAMS, Channel.BOTH) or (channel == Channel.AUTO and conversation_id)
        email = channel in (Channel.EMAIL, Channel.BOTH) or (channel == Channel.AUTO and not conversation_id)
        if teams:
            status = DeliveryStatus.QUEUED if conversation_id else DeliveryStatus.WAITING
            await insert_for_contact(
                db, claim.id, notification_id, contact.id, Channel.TEAMS, kind, status, conversation_id, at
            )
        if email:
            await insert_for_contact(
                db,
                claim.id,
                notification_id,
                contact.id,
                Channel.EMAIL,
                kind,
                DeliveryStatus.QUEUED,
                None,
                at,
            )


async def insert_delivery(
    db: Db,
    *,
    claim_id: str,
    channel: str,
    kind: str,
    dedupe_key: str,
    at: dt.datetime,
    status: str = DeliveryStatus.QUEUED,
    notification_id: str | None = None,
    contact_id: str | None = None,
    conversation_id: str | None = None,
    target_activity_id: str | None = None,
    response_id: str | None = None,
    error: str | None = None,
) -> int:
    """Queue one delivery, unless one with the same `dedupe_key` exists; how many were added (0 or 1).
    The one INSERT INTO deliveries: every kind of delivery is queued through here."""
    now = ts(at)
    return await db.execute(
        "INSERT INTO deliveries (id, notification_id, claim_id, contact_id, channel, kind, "
        "target_activity_id, response_id, dedupe_key, status, conversation_id, attempts, "
        "next_attempt_at, last_error, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
        (
            time_ordered_id(),
            notification_id,
            claim_id,
            contact_id,
            channel,
            kind,
            target_activity_id,
            response_id,
            dedupe_key,
            status,
            conversation_id,
            now,
            error,
            now,
            now,
        ),
    )


async def insert_for_contact(
    db: Db,
    claim_id: str,
    notification_id: str,
    contact_id: str,
    channel: str,
    kind: str,
    status: str,
    conversation_id: str | None,
    at: dt.datetime,
    error: str | None = None,
) -> None:
    await insert_delivery(
        db,
        claim_id=claim_id,
        notification_id=notification_id,
        contact_id=contact_id,
        channel=channel,
        kind=kind,
        dedupe_key=f"{notification_id}:{contact_id}:{channel}:{kind}",
        status=status,
        conversation_id=conversation_id,
        at=at,
        error=error,
    )


async def notification_deliveries(db: Db, notification_id: str) -> list[Delivery]:
    rows = await db.rows(
        "SELECT d.* FROM deliveries d LEFT JOIN contacts c ON c.id = d.contact_id "
        "WHERE d.notification_id = ? ORDER BY d.created_at, c.position, d.id",
        (notification_id,),
    )
    return [_delivery(row) for row in rows]
