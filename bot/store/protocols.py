"""What the service needs from a database, one Protocol per aggregate; `Store` is all of them.
Every method is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from bot.domain.claims import Claim, Status
from bot.store.limits import NotifyAllowance
from bot.store.records import (
    Channel,
    ClaimInHand,
    Delivery,
    DeliveryOutcome,
    DeliveryStatus,
    IdempotentRequest,
    LeasedDelivery,
    Partner,
    PartnerKey,
    PartnerLink,
    PurgeBatch,
    PurgeCounts,
    PurgePosition,
    Response,
    StoredReference,
    Webhook,
    WebhookEvent,
)


class PartnerStore(Protocol):
    """Partners, their API keys, one-time link codes, linked Teams chats, idempotency keys."""

    async def create_partner(self, name: str) -> Partner: ...
    async def partner_by_name(self, name: str) -> Partner | None: ...
    async def get_partner(self, partner_id: str) -> Partner | None: ...
    async def add_partner_key(self, key: PartnerKey) -> None: ...
    async def get_partner_key(self, key_id: str) -> PartnerKey | None: ...
    async def list_partner_keys(self) -> list[PartnerKey]: ...
    async def revoke_partner_key(self, key_id: str, at: dt.datetime) -> bool: ...
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
    async def add_link_code(
        self, code_hash: str, partner_id: str, expires_at: dt.datetime, at: dt.datetime
    ) -> None: ...
    async def redeem_link_code(self, code_hash: str, link: PartnerLink) -> Partner | None:
        """Use an unexpired, unused code to link `link.conversation_id`; the partner, or None."""
        ...

    async def get_partner_link(self, conversation_id: str) -> PartnerLink | None: ...
    async def remove_partner_link(self, conversation_id: str) -> bool: ...


class ReferenceStore(Protocol):
    """Where each Teams user can be reached."""

    async def save_reference(self, ref: StoredReference) -> tuple[bool, int]:
        """Insert or update; returns (was new, deliveries released from waiting)."""
        ...

    async def delete_reference(self, conversation_id: str) -> bool: ...
    async def get_reference(self, conversation_id: str) -> StoredReference | None: ...
    async def mark_reference_dead(self, conversation_id: str, at: dt.datetime, reason: str) -> None: ...


class ClaimStore(Protocol):
    """Claims with their contacts and workloads, and their status changes."""

    async def create_claim(self, claim: Claim) -> None:
        """Store a claim with its contacts and workloads; Conflict if its id (or a contact id) exists."""
        ...

    async def get_claim(self, claim_id: str, *, partner_id: str | None = None) -> Claim | None: ...
    async def claim_in_hand(self, claim_id: str) -> ClaimInHand | None:
        """The claim, its partner's name ("" if the partner is gone) and its responses, oldest first:
        what `get_claim`, `get_partner` and `responses_for_claim` give, in one statement."""
        ...

    async def list_claims(
        self, partner_id: str, *, limit: int, before: tuple[str, str] | None = None
    ) -> list[Claim]: ...
    async def claims_for_tenant(self, tenant_id: str, *, limit: int) -> list[Claim]: ...
    async def claim_statuses(self, claim_ids: Sequence[str]) -> dict[str, Status]: ...
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


class DeliveryStore(Protocol):
    """Notifications and the outbox of deliveries, with the workers that lease them."""

    async def create_notification(
        self,
        claim: Claim,
        notification_id: str,
        at: dt.datetime,
        channel: str = Channel.AUTO,
        *,
        allowance: NotifyAllowance | None = None,
    ) -> list[Delivery]:
        """Queue the claim card for every contact; with an `allowance`, LimitReached (and nothing
        stored) when the partner's rate, daily messages or the claim's cooldown would be exceeded
        (None, no limit, is for the operator's own tools only); NotFound if the claim is gone (a
        purge deleted it after the caller read it)."""
        ...

    async def create_claim_and_notify(
        self,
        claim: Claim,
        notification_id: str,
        at: dt.datetime,
        channel: str = Channel.AUTO,
        *,
        allowance: NotifyAllowance | None,
    ) -> list[Delivery]:
        """`create_claim` and `create_notification` in one transaction: both are stored or neither.
        Conflict if the claim (or the notification) exists; LimitReached, with nothing stored, when
        the partner's allowance does not cover the notification."""
        ...

    async def deliveries_for_claim(self, claim_id: str) -> list[Delivery]: ...
    async def delivery_counts(self) -> dict[str, int]:
        """How many deliveries are in each status (every status, zero included). Reads the whole
        outbox: for tests and benchmarks; /metrics uses `outbox_counts`."""
        ...

    async def outbox_counts(self) -> dict[str, int]:
        """How many deliveries are waiting, queued, sending or unknown (each of the four, zero
        included): the outbox's open work and what needs a look, from an index, at a cost that follows
        those deliveries and not the sent and failed ones kept beside them."""
        ...

    async def lease_deliveries(
        self, owner: str, now: dt.datetime, lease_for: dt.timedelta, limit: int
    ) -> list[LeasedDelivery]: ...
    async def start_deliveries(self, owner: str, delivery_ids: Sequence[str], at: dt.datetime) -> set[str]:
        """Mark leased deliveries as started, just before their requests leave; return the ids this
        owner still holds (only those may be sent). A lease that runs out makes a started delivery
        `unknown` and puts one never started back in the queue."""
        ...

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

    async def worker_heartbeat(self, owner: str, at: dt.datetime, *, alive_within: dt.timedelta) -> int:
        """Record that `owner` is alive, forget workers silent for longer than `alive_within`, and
        return how many are alive (this one included)."""
        ...

    async def worker_left(self, owner: str) -> None: ...
    async def enqueue_card_update(
        self, delivery_id: str, at: dt.datetime, *, because: str | None = None
    ) -> bool:
        """Queue an in-place update of a sent claim card: the status changed while it was in flight,
        or (`because`, e.g. "response:{id}") the reader answered elsewhere. False if it is not a sent
        card, or the update for this status (or this reason) is already queued."""
        ...

    async def fall_back_to_email(self, delivery_id: str, owner: str, at: dt.datetime, reason: str) -> bool:
        """Teams refused for good: fail this leased Teams delivery, forget the conversation and queue
        the same card by email (fenced: False if the lease is no longer ours)."""
        ...

    async def enqueue_partner_notices(self, response: Response, partner_id: str, at: dt.datetime) -> int:
        """Queue a Teams notice about `response` to every linked chat of the partner."""
        ...


class ResponseStore(Protocol):
    """The customers' responses to the cards."""

    async def record_response(self, response: Response) -> tuple[Response, bool]:
        """Store a response unless one with its dedupe_key exists; (the stored one, was new).
        NotFound if its claim is gone (a purge deleted it after the caller read it)."""
        ...

    async def responses_for_claim(self, claim_id: str) -> list[Response]: ...


class WebhookStore(Protocol):
    """Partners' webhooks and the events queued for them."""

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
        self,
        owner: str,
        now: dt.datetime,
        lease_for: dt.timedelta,
        limit: int,
        *,
        per_partner: int | None = None,
    ) -> list[tuple[WebhookEvent, Webhook]]:
        """Lease up to `limit` due events. With `per_partner`, no partner ever has more than that
        many being sent, by any worker: a partner whose endpoint hangs cannot fill the batches."""
        ...

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


class AuditStore(Protocol):
    """The audit log."""

    async def audit(
        self, actor: str, action: str, subject: str | None, detail: dict[str, Any], at: dt.datetime
    ) -> None: ...
    async def audit_entries(self, subject: str) -> list[dict[str, Any]]: ...


class RetentionStore(Protocol):
    """Deleting what RETENTION_DAYS no longer lets the service keep; the rule is stated in
    `bot.store.sql.retention`. Each call is one transaction over one batch, safe to run from several
    instances at once (a row another purge holds is left to it) and to repeat."""

    async def purge_claims(
        self, cutoff: dt.datetime, *, limit: int, after: PurgePosition | None = None
    ) -> PurgeBatch:
        """Delete up to `limit` claims last changed before `cutoff` and with nothing of theirs still
        going out, each with every row about it; `after` is the previous batch's `resume_after`."""
        ...

    async def purge_audit_entries(
        self, cutoff: dt.datetime, *, limit: int, after: PurgePosition | None = None
    ) -> PurgeBatch:
        """Delete up to `limit` audit entries older than `cutoff` about no claim or delivery still
        kept (those go with their claim)."""
        ...

    async def count_expired(self, cutoff: dt.datetime) -> PurgeCounts:
        """What a purge with this cutoff would delete now, counted and left in place."""
        ...

    async def purge_idempotency_keys(self, cutoff: dt.datetime, *, limit: int) -> PurgeCounts:
        """Delete up to `limit` Idempotency-Keys reserved before `cutoff`, with the responses kept
        for them (a claim's, with its contacts)."""
        ...


class StoreLifecycle(Protocol):
    """Health and closing."""

    async def health(self) -> dict[str, Any]: ...
    async def close(self) -> None: ...


class Store(
    PartnerStore,
    ReferenceStore,
    ClaimStore,
    DeliveryStore,
    ResponseStore,
    WebhookStore,
    AuditStore,
    RetentionStore,
    StoreLifecycle,
    Protocol,
):
    """What the service needs from a database: every aggregate's methods."""
