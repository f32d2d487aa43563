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
    CONNECTION_WAIT,
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
    StoreUnavailable,
    Webhook,
    WebhookEvent,
    ts,
)


async def open_store(database_url: str) -> Store:
    """Open (and migrate) the store that `database_url` names. A database that cannot be opened
    (unreachable, refused, not a database, not writable) is StoreUnavailable, whose message names
    DATABASE_URL without its password; nothing is left open after it."""
    import sqlite3

    import psycopg

    from bot.store.status import display_url, failure_reason

    try:
        if database_url.startswith("sqlite:///"):
            from bot.store.sqlite import SqliteStore

            return await SqliteStore.open_file(database_url.removeprefix("sqlite:///"))
        if database_url.startswith(("postgresql://", "postgres://")):
            from bot.store.postgres import open_postgres

            return await open_postgres(database_url)
    except (sqlite3.Error, psycopg.Error, OSError, StoreUnavailable) as exc:
        # The engine's own StoreUnavailable (the database stopped answering while migrating) is
        # told by its cause, as the others are.
        cause = exc.__cause__ if isinstance(exc, StoreUnavailable) and exc.__cause__ else exc
        raise StoreUnavailable(
            f"DATABASE_URL {display_url(database_url)}: cannot open the store: "
            f"{failure_reason(cause, database_url)}"
        ) from cause
    raise StoreError(f"Unsupported DATABASE_URL scheme: {database_url.split(':', 1)[0]!r}")


__all__ = [
    "CONNECTION_WAIT",
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
    "StoreUnavailable",
    "StoredReference",
    "Webhook",
    "WebhookEvent",
    "ts",
]
