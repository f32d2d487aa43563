"""The store: one Protocol per aggregate (`bot.store.protocols`), their records
(`bot.store.records`), and one SQL implementation over SQLite or PostgreSQL (`bot.store.sql`)."""

from __future__ import annotations

from bot.domain.claims import Status
from bot.store.limits import LimitKind, LimitReached, NotifyAllowance
from bot.store.protocols import (
    AuditStore,
    ClaimStore,
    DeliveryStore,
    PartnerStore,
    ReferenceStore,
    ResponseStore,
    RetentionStore,
    Store,
    WebhookStore,
)
from bot.store.records import (
    Channel,
    ClaimInHand,
    Conflict,
    Delivery,
    DeliveryKind,
    DeliveryOutcome,
    DeliveryStatus,
    IdempotentRequest,
    LeasedDelivery,
    NotFound,
    Partner,
    PartnerKey,
    PartnerLink,
    PurgeBatch,
    PurgeCounts,
    PurgePosition,
    Response,
    ResponseKind,
    StoredReference,
    StoreError,
    Webhook,
    WebhookEvent,
    ts,
)


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
    "ClaimInHand",
    "LimitKind",
    "LimitReached",
    "NotifyAllowance",
    "AuditStore",
    "ClaimStore",
    "DeliveryStore",
    "PartnerStore",
    "ReferenceStore",
    "ResponseStore",
    "RetentionStore",
    "WebhookStore",
    "DeliveryOutcome",
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
    "PurgeBatch",
    "PurgeCounts",
    "PurgePosition",
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
