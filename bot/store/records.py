"""The store's records: what each method takes and gives, the enumerations, and its errors."""

from __future__ import annotations

import datetime as dt
import enum
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Any

from bot.domain.claims import Claim, Contact, Status


def ts(value: dt.datetime) -> str:
    """A fixed-width UTC timestamp that sorts as text: how every engine stores times."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


class StoreError(Exception):
    """Base class for store failures the callers handle."""


class StoreUnavailable(StoreError):
    """The database does not answer. At start, the store DATABASE_URL names could not be opened
    (unreachable, refused, not a database, not writable): the message names DATABASE_URL, shows it
    without its password, and says why. Once open, a store method raises it when the database stops
    answering (the server is down or restarting, no connection came within the caller's wait, the
    SQLite file cannot be opened or read): the caller may try again shortly."""


# How long a store method waits for a database connection before StoreUnavailable (PostgreSQL: the
# pool's wait). None: the engine's own wait, which the background workers keep; a request handler
# sets a short one (`bot.ops.outage`), so an outage is a prompt refusal rather than a 30 s hang.
CONNECTION_WAIT: ContextVar[float | None] = ContextVar("store_connection_wait", default=None)


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


@dataclass(frozen=True, slots=True)
class ClaimInHand:
    """What a card click needs of a claim, read at once: the claim, its partner's name, its
    customers' responses (oldest first)."""

    claim: Claim
    partner_name: str
    responses: tuple[Response, ...]


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    """Rows a retention purge deleted, by kind: counts only, nothing about whom they concerned."""

    claims: int = 0
    workloads: int = 0
    contacts: int = 0
    notifications: int = 0
    deliveries: int = 0
    responses: int = 0
    webhook_events: int = 0
    audit_entries: int = 0
    idempotency_keys: int = 0

    def __add__(self, other: PurgeCounts) -> PurgeCounts:
        return PurgeCounts(**{kind: n + getattr(other, kind) for kind, n in self.by_kind().items()})

    def by_kind(self) -> dict[str, int]:
        """Every kind with its count, zero included, in a fixed order."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @property
    def total(self) -> int:
        return sum(self.by_kind().values())


# Where a purge that works in batches goes on from: the (time, id) of the last row it looked at.
PurgePosition = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PurgeBatch:
    """One batch of a purge, deleted in one transaction, and where the next batch starts (None:
    nothing more was due when this batch looked)."""

    counts: PurgeCounts
    resume_after: PurgePosition | None
