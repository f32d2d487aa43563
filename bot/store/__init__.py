"""The store: one Protocol, one engine per database (SQLite today)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain.claims import Claim, Contact, Status


def ts(value: dt.datetime) -> str:
    """A fixed-width UTC timestamp that sorts as text: how every engine stores times."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


class StoreError(Exception):
    """Base class for store failures the callers handle."""


class NotFound(StoreError):
    """The row does not exist, or belongs to someone else."""


class Conflict(StoreError):
    """The write lost a race (e.g. the status changed under it) or breaks a uniqueness rule."""


@dataclass(frozen=True, slots=True)
class Partner:
    id: str
    name: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PartnerKey:
    id: str
    partner_id: str
    secret_hash: str
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class StoredReference:
    """A Teams conversation the bot can post into, with the Bot Framework reference as JSON."""

    conversation_id: str
    tenant_id: str
    aad_object_id: str | None
    user_id: str | None
    email: str | None
    conversation_type: str
    channel_id: str
    service_url: str
    reference: dict[str, Any]
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    notification_id: str | None
    claim_id: str
    contact_id: str | None
    channel: Channel
    kind: DeliveryKind
    target_activity_id: str | None
    response_id: str | None
    status: DeliveryStatus
    conversation_id: str | None
    activity_id: str | None
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    sent_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class LeasedDelivery:
    """A delivery this worker holds the lease on, with what it needs to send it."""

    delivery: Delivery
    claim: Claim
    contact: Contact | None  # None for a notice to a partner user
    reference: StoredReference | None  # None for an email
    old_status: Status | None = None  # for a status-changed card
    partner_name: str = ""
    responses: tuple[Response, ...] = ()  # what the claim's contacts did so far, oldest first


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """How a leased delivery ended this time (a retry is `queued` again with a `retry_at`)."""

    delivery_id: str
    status: DeliveryStatus
    at: dt.datetime
    activity_id: str | None = None
    error: str | None = None
    retry_at: dt.datetime | None = None
    counts_as_attempt: bool = True  # False when the worker gave it back unsent (rate limits)


class Channel(enum.StrEnum):
    """Where a delivery goes. A notification may ask for teams, email, both, or auto (Teams where
    the contact has the app, email otherwise)."""

    TEAMS = "teams"
    EMAIL = "email"
    BOTH = "both"
    AUTO = "auto"


class DeliveryKind(enum.StrEnum):
    CLAIM = "claim"  # the claim card
    STATUS = "status"  # a short "the status changed" message
    UPDATE = "update"  # replace a sent claim card in place
    PARTNER = "partner"  # tell a partner user in Teams about a customer response


@dataclass(frozen=True, slots=True)
class Response:
    """Something a customer did with a card."""

    id: str
    claim_id: str
    kind: ResponseKind
    tenant_id: str
    aad_object_id: str | None
    user_id: str | None
    user_name: str | None
    contact_id: str | None
    channel: str  # the Bot Framework channel the answer came through: msteams, outlook
    text: str | None
    dedupe_key: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """A partner's earlier request with the same Idempotency-Key; `status` is None while it runs."""

    request_hash: str
    status: int | None
    response_json: str | None
    location: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PartnerLink:
    """A partner user's Teams chat, linked to the partner with a one-time code."""

    conversation_id: str
    partner_id: str
    tenant_id: str
    aad_object_id: str | None
    user_name: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Webhook:
    partner_id: str
    url: str
    secret: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One POST to a partner's webhook, and how it went."""

    id: str
    partner_id: str
    claim_id: str
    event_type: str
    payload: dict[str, Any]
    dedupe_key: str
    status: DeliveryStatus  # queued, sending, sent or failed
    attempts: int
    next_attempt_at: dt.datetime
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class ResponseKind(enum.StrEnum):
    ACKNOWLEDGED = "acknowledged"
    NOT_RECOGNISED = "not_recognised"
    QUESTION = "question"


class DeliveryStatus(enum.StrEnum):
    WAITING = "waiting"  # no Teams conversation with this contact yet
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the lease ran out mid-send: it may or may not have arrived


class Store(Protocol):
    """What the service needs from a database. Every method is one transaction."""

    async def health(self) -> dict[str, Any]: ...
    async def close(self) -> None: ...

    # partners and their API keys
    async def create_partner(self, name: str) -> Partner: ...
    async def partner_by_name(self, name: str) -> Partner | None: ...
    async def get_partner(self, partner_id: str) -> Partner | None: ...
    async def add_partner_key(self, key: PartnerKey) -> None: ...
    async def get_partner_key(self, key_id: str) -> PartnerKey | None: ...
    async def list_partner_keys(self) -> list[PartnerKey]: ...
    async def revoke_partner_key(self, key_id: str, at: dt.datetime) -> bool: ...

    # Teams conversation references
    async def save_reference(self, ref: StoredReference) -> tuple[bool, int]:
        """Insert or update; returns (was new, deliveries released from waiting)."""
        ...

    async def delete_reference(self, conversation_id: str) -> bool: ...
    async def get_reference(self, conversation_id: str) -> StoredReference | None: ...

    # claims
    async def create_claim(self, claim: Claim) -> None:
        """Store a claim with its contacts and workloads; Conflict if its id (or a contact id) exists."""
        ...

    async def get_claim(self, claim_id: str, *, partner_id: str | None = None) -> Claim | None: ...
    async def list_claims(
        self, partner_id: str, *, limit: int, before: tuple[str, str] | None = None
    ) -> list[Claim]: ...
    async def claims_for_tenant(self, tenant_id: str, *, limit: int) -> list[Claim]: ...

    # notifications and the delivery outbox
    async def create_notification(
        self, claim: Claim, notification_id: str, at: dt.datetime, channel: str = Channel.AUTO
    ) -> list[Delivery]: ...

    async def deliveries_for_claim(self, claim_id: str) -> list[Delivery]: ...
    async def delivery_counts(self) -> dict[str, int]:
        """How many deliveries are in each status (every status, zero included)."""
        ...

    async def lease_deliveries(
        self, owner: str, now: dt.datetime, lease_for: dt.timedelta, limit: int
    ) -> list[LeasedDelivery]: ...
    async def finish_delivery(
        self,
        delivery_id: str,
        owner: str,
        *,
        status: DeliveryStatus,
        at: dt.datetime,
        activity_id: str | None = None,
        error: str | None = None,
        retry_at: dt.datetime | None = None,
    ) -> bool: ...
    async def finish_deliveries(self, owner: str, outcomes: Sequence[DeliveryOutcome]) -> set[str]:
        """Record several outcomes in one transaction; return the ids this owner still held (the
        others are left alone, as `finish_delivery` leaves them)."""
        ...

    async def claim_statuses(self, claim_ids: Sequence[str]) -> dict[str, Status]: ...
    async def worker_heartbeat(self, owner: str, at: dt.datetime, *, alive_within: dt.timedelta) -> int:
        """Record that `owner` is alive, forget workers silent for longer than `alive_within`, and
        return how many are alive (this one included)."""
        ...

    async def worker_left(self, owner: str) -> None: ...
    async def mark_reference_dead(self, conversation_id: str, at: dt.datetime, reason: str) -> None: ...
    async def enqueue_card_update(self, delivery_id: str, at: dt.datetime) -> bool:
        """Queue an in-place update of a claim card just sent (the status changed while it was in
        flight); False if it is not a sent card, or the update for this status is already queued."""
        ...

    async def fall_back_to_email(self, delivery_id: str, owner: str, at: dt.datetime, reason: str) -> bool:
        """Teams refused for good: fail this leased Teams delivery, forget the conversation and queue
        the same card by email (fenced: False if the lease is no longer ours)."""
        ...

    # status changes and customer responses
    async def change_status(
        self,
        claim_id: str,
        partner_id: str,
        *,
        expected: Status,
        wanted: Status,
        at: dt.datetime,
        change_id: str,
        message: bool,
    ) -> tuple[Claim, list[Delivery]]:
        """In one transaction: compare-and-set the status (Conflict if it is no longer `expected`,
        NotFound if absent), queue an in-place update of every claim card already sent, and, if
        `message`, a short status-changed message to every contact."""
        ...

    async def record_response(self, response: Response) -> tuple[Response, bool]:
        """Store a response unless one with its dedupe_key exists; (the stored one, was new)."""
        ...

    async def responses_for_claim(self, claim_id: str) -> list[Response]: ...

    # Idempotency-Key
    async def reserve_idempotency_key(
        self, partner_id: str, key: str, request_hash: str, at: dt.datetime, *, abandon_after: dt.timedelta
    ) -> IdempotentRequest | None:
        """None if this request may run (the key is now reserved), else the earlier request. A
        reservation older than `abandon_after` without a response is taken over."""
        ...

    async def complete_idempotency_key(
        self, partner_id: str, key: str, status: int, response_json: str, location: str | None
    ) -> None: ...
    async def release_idempotency_key(self, partner_id: str, key: str) -> None: ...

    # partner users in Teams
    async def add_link_code(
        self, code_hash: str, partner_id: str, expires_at: dt.datetime, at: dt.datetime
    ) -> None: ...
    async def redeem_link_code(self, code_hash: str, link: PartnerLink) -> Partner | None:
        """Use an unexpired, unused code to link `link.conversation_id`; the partner, or None."""
        ...

    async def get_partner_link(self, conversation_id: str) -> PartnerLink | None: ...
    async def remove_partner_link(self, conversation_id: str) -> bool: ...
    async def enqueue_partner_notices(self, response: Response, partner_id: str, at: dt.datetime) -> int:
        """Queue a Teams notice about `response` to every linked chat of the partner."""
        ...

    # partner webhooks
    async def set_webhook(self, partner_id: str, url: str, secret: str, at: dt.datetime) -> Webhook: ...
    async def get_webhook(self, partner_id: str) -> Webhook | None: ...
    async def delete_webhook(self, partner_id: str) -> bool: ...
    async def enqueue_webhook_event(
        self,
        partner_id: str,
        claim_id: str,
        event_type: str,
        payload: dict[str, Any],
        dedupe_key: str,
        at: dt.datetime,
    ) -> WebhookEvent | None:
        """Queue an event if the partner has a webhook (None if not, or if already queued)."""
        ...

    async def lease_webhook_events(
        self, owner: str, now: dt.datetime, lease_for: dt.timedelta, limit: int
    ) -> list[tuple[WebhookEvent, Webhook]]: ...
    async def finish_webhook_event(
        self,
        event_id: str,
        owner: str,
        *,
        status: DeliveryStatus,
        at: dt.datetime,
        status_code: int | None = None,
        error: str | None = None,
        retry_at: dt.datetime | None = None,
    ) -> bool: ...
    async def webhook_events(self, partner_id: str, *, limit: int) -> list[WebhookEvent]: ...

    # audit
    async def audit(
        self, actor: str, action: str, subject: str | None, detail: dict[str, Any], at: dt.datetime
    ) -> None: ...
    async def audit_entries(self, subject: str) -> list[dict[str, Any]]: ...


async def open_store(database_url: str) -> Store:
    """Open (and migrate) the store that `database_url` names."""
    if database_url.startswith("sqlite:///"):
        from bot.store.sqlite import SqliteStore

        return await SqliteStore.open_file(database_url.removeprefix("sqlite:///"))
    if database_url.startswith(("postgresql://", "postgres://")):
        from bot.store.postgres import open_postgres

        return await open_postgres(database_url)
    raise StoreError(f"Unsupported DATABASE_URL scheme: {database_url.split(':', 1)[0]!r}")


__all__ = [
    "Channel",
    "Conflict",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "LeasedDelivery",
    "IdempotentRequest",
    "NotFound",
    "Partner",
    "PartnerKey",
    "PartnerLink",
    "Response",
    "ResponseKind",
    "Status",
    "Store",
    "StoreError",
    "StoredReference",
    "Webhook",
    "WebhookEvent",
    "ts",
]
