"""The store in SQL: one implementation of `Store` in portable SQL, over an engine (SQLite or
PostgreSQL) that supplies connections, transactions and row locks. Each aggregate's methods live in
their own module; `SqlStore` brings them together."""

from __future__ import annotations

from bot.store.sql.base import Db, Engine, Row, SqlBase, migrations, parse_ts
from bot.store.sql.claims import ClaimsSql
from bot.store.sql.deliveries import DeliveriesSql
from bot.store.sql.partners import PartnersSql
from bot.store.sql.references import ReferencesSql
from bot.store.sql.responses import ResponsesSql
from bot.store.sql.retention import RetentionSql
from bot.store.sql.webhooks import WebhooksSql

__all__ = ["Db", "Engine", "Row", "SqlBase", "SqlStore", "migrations", "parse_ts"]


class SqlStore(PartnersSql, ReferencesSql, ClaimsSql, DeliveriesSql, ResponsesSql, WebhooksSql, RetentionSql):
    """`Store` in SQL over an `Engine`: SQLite for one machine, PostgreSQL for many. The SQL is the
    same for both; the engine supplies connections, transactions and row locking."""
