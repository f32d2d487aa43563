"""Retention: what RETENTION_DAYS deletes. With `cutoff` = now - RETENTION_DAYS days, table by table:

- **claims.** A claim goes once its last change is older than the cutoff and nothing of it is still
  going out. Its last change is the latest of `claims.updated_at` (created, status changed),
  `notifications.created_at` (notified), `deliveries.updated_at` (queued, leased, sent, failed,
  retried, put back, sent by email instead), `responses.created_at` (a customer's click) and
  `webhook_events.updated_at` (the partner told of a response, or the post given up). It is read
  from those rows, so no write has to keep a copy up to date, and `claims.updated_at` keeps its
  meaning (the day the partner last reported the claim, shown on the card). Still going out: a
  delivery or webhook event `queued` (due, or waiting for a retry) or `sending` (leased); such a
  claim waits for the next run. A Teams delivery `waiting` for its contact to install the app does
  not hold the claim back: a contact who never installs it would keep the claim forever.
- **with the claim, whatever their age:** its workloads, contacts, notifications, deliveries (the
  notices about its responses to partner users' chats among them), responses, webhook events, and
  the audit entries whose subject is the claim or one of its deliveries. The notification limits
  count notifications of the last UTC day at most, so deleting ones older than the cutoff (a day
  or more) changes no partner's allowance.
- **audit_log,** besides: every entry older than the cutoff whose subject is no claim or delivery
  still kept (a Teams chat dropped or linked, a webhook set, an action refused on another channel, a
  claim deleted earlier). Its actors name customers' and partners' users, and it is kept no longer
  than what it tells of; a kept claim keeps its whole history, which goes with it.
- **idempotency_keys:** reserved before the cutoff. They are for retrying a request within minutes,
  and keep a copy of its response (a created claim, with its contacts).
- **kept:** partners and their keys, webhooks, link codes and linked chats; `conversation_refs` (a
  customer's installation of the bot, not tied to one claim); `delivery_workers` (heartbeats, which
  forget silent workers by themselves).

Each batch is one transaction, so a claim is deleted whole or not at all. On PostgreSQL the batch's
claims, then their deliveries, are locked `FOR UPDATE SKIP LOCKED`: a claim another purge holds (or
a status change, an insert that names it, a Teams install releasing its waiting deliveries) is left
for the next run. A batch never waits for a row lock with others in hand, so purges neither wait
for each other nor deadlock, and none deletes a row twice. The claims are checked again once
locked, by a statement that sees what was committed meanwhile. On SQLite `BEGIN IMMEDIATE` makes
each batch the only writer. Batches walk claims in (updated_at,
id) order from where the last one stopped, so a claim that may not go yet is read once a run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.store import DeliveryStatus, PurgeBatch, PurgeCounts, PurgePosition, ts
from bot.store.sql.base import IN_CHUNK, Db, SqlBase, _rows_in

_STILL_GOING_OUT = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)

# A claim (`c`) last changed before the cutoff, with nothing of it still going out.
_EXPIRED = (
    "c.updated_at < ? "
    "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.claim_id = c.id "
    "AND (d.updated_at >= ? OR d.status IN (?, ?))) "
    "AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.claim_id = c.id AND n.created_at >= ?) "
    "AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.claim_id = c.id AND r.created_at >= ?) "
    "AND NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.claim_id = c.id "
    "AND (e.updated_at >= ? OR e.status IN (?, ?)))"
)


def _expired_params(cutoff: str) -> tuple[str, ...]:
    return (cutoff, cutoff, *_STILL_GOING_OUT, cutoff, cutoff, cutoff, *_STILL_GOING_OUT)


# The rows that go with a claim, as (kind in PurgeCounts, table, column naming the claim).
_ABOUT_A_CLAIM = (
    ("claims", "claims", "id"),
    ("workloads", "claim_workloads", "claim_id"),
    ("contacts", "contacts", "claim_id"),
    ("notifications", "notifications", "claim_id"),
    ("deliveries", "deliveries", "claim_id"),
    ("responses", "responses", "claim_id"),
    ("webhook_events", "webhook_events", "claim_id"),
)


class RetentionSql(SqlBase):
    async def purge_claims(
        self, cutoff: dt.datetime, *, limit: int, after: PurgePosition | None = None
    ) -> PurgeBatch:
        expired = _expired_params(ts(cutoff))
        params: list[object] = list(expired)
        resume = ""
        if after is not None:
            # After the position, written so that both engines start the index scan there.
            resume = " AND c.updated_at >= ? AND (c.updated_at > ? OR c.id > ?)"
            params += [after[0], after[0], after[1]]
        params.append(limit)
        async with self._tx() as db:
            candidates = await db.rows(
                f"SELECT c.id, c.updated_at FROM claims c WHERE {_EXPIRED}{resume} "  # noqa: S608 - constant SQL and placeholders only
                "ORDER BY c.updated_at, c.id LIMIT ?" + self._engine.skip_locked_of("c"),
                params,
            )
            if not candidates:
                return PurgeBatch(PurgeCounts(), None)
            # Locked now: whatever names them waits for this transaction. A delivery or response
            # committed between the first statement's view and the lock shows here.
            still = await _rows_in(
                db,
                f"SELECT c.id FROM claims c WHERE {_EXPIRED} AND c.id",  # noqa: S608 - constant SQL
                [row["id"] for row in candidates],
                params=expired,
            )
            ids = sorted(row["id"] for row in still)
            # Their deliveries too, before any is deleted: a Teams install turning waiting
            # deliveries into queued ones may hold some. A claim with one held waits for the next
            # run, so this batch never waits for a row lock while holding others (no deadlock).
            locked = await _rows_in(
                db, "SELECT id, claim_id FROM deliveries WHERE claim_id", ids, suffix=self._engine.skip_locked
            )
            every = await _rows_in(db, "SELECT id, claim_id FROM deliveries WHERE claim_id", ids)
            held = {row["id"] for row in locked}
            busy = {row["claim_id"] for row in every if row["id"] not in held}
            ids = [claim_id for claim_id in ids if claim_id not in busy]
            delivery_ids = sorted(row["id"] for row in locked if row["claim_id"] not in busy)
            counts = await _delete_claims(db, ids, delivery_ids) if ids else PurgeCounts()
        last = candidates[-1]
        # Fewer than asked for: none left, or the rest are another purge's (skipped as locked).
        resume_after = (last["updated_at"], last["id"]) if len(candidates) == limit else None
        return PurgeBatch(counts, resume_after)

    async def purge_audit_entries(
        self, cutoff: dt.datetime, *, limit: int, after: PurgePosition | None = None
    ) -> PurgeBatch:
        params: list[object] = [ts(cutoff)]
        resume = ""
        if after is not None:
            resume = " AND a.at >= ? AND (a.at > ? OR a.id > ?)"
            params += [after[0], after[0], after[1]]
        params.append(limit)
        async with self._tx() as db:
            rows = await db.rows(
                f"SELECT a.id, a.at FROM audit_log a WHERE a.at < ?{resume} "  # noqa: S608 - constant SQL and placeholders only
                "AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.id = a.subject) "
                "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.subject) "
                "ORDER BY a.at, a.id LIMIT ?" + self._engine.skip_locked_of("a"),
                params,
            )
            deleted = await _delete_in(db, "DELETE FROM audit_log WHERE id", [row["id"] for row in rows])
        resume_after = (rows[-1]["at"], rows[-1]["id"]) if len(rows) == limit else None
        return PurgeBatch(PurgeCounts(audit_entries=deleted), resume_after)

    async def purge_idempotency_keys(self, cutoff: dt.datetime, *, limit: int) -> PurgeCounts:
        async with self._tx() as db:
            deleted = await db.execute(
                "DELETE FROM idempotency_keys WHERE (partner_id, idem_key) IN ("  # noqa: S608 - the engine's constant suffix
                "SELECT partner_id, idem_key FROM idempotency_keys WHERE created_at < ? "
                "ORDER BY created_at, partner_id, idem_key LIMIT ?" + self._engine.skip_locked + ")",
                (ts(cutoff), limit),
            )
        return PurgeCounts(idempotency_keys=deleted)

    async def count_expired(self, cutoff: dt.datetime) -> PurgeCounts:
        expired = _expired_params(ts(cutoff))
        claims = f"SELECT c.id FROM claims c WHERE {_EXPIRED}"  # noqa: S608 - constant SQL
        deliveries = f"SELECT id FROM deliveries WHERE claim_id IN ({claims})"  # noqa: S608 - constant SQL
        about_claims = f"SELECT count(*) AS n FROM {{table}} WHERE {{column}} IN ({claims})"  # noqa: S608 - constant SQL
        counts: dict[str, int] = {}
        async with self._read() as db:
            for kind, table, column in _ABOUT_A_CLAIM:
                sql = about_claims.format(table=table, column=column)
                counts[kind] = (await db.rows(sql, expired))[0]["n"]
            own_audit = await db.rows(
                f"SELECT count(*) AS n FROM audit_log WHERE subject IN ({claims}) "  # noqa: S608 - constant SQL
                f"OR subject IN ({deliveries})",
                (*expired, *expired),
            )
            other_audit = await db.rows(
                "SELECT count(*) AS n FROM audit_log a WHERE a.at < ? "
                "AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.id = a.subject) "
                "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.subject)",
                (ts(cutoff),),
            )
            keys = await db.rows(
                "SELECT count(*) AS n FROM idempotency_keys WHERE created_at < ?", (ts(cutoff),)
            )
        counts["audit_entries"] = own_audit[0]["n"] + other_audit[0]["n"]
        counts["idempotency_keys"] = keys[0]["n"]
        return PurgeCounts(**{kind: int(n) for kind, n in counts.items()})


async def _delete_claims(db: Db, claim_ids: Sequence[str], delivery_ids: Sequence[str]) -> PurgeCounts:
    """Every row about these claims (with these deliveries), then the claims: children before the
    rows they name."""
    audit_entries = await _delete_in(db, "DELETE FROM audit_log WHERE subject", [*claim_ids, *delivery_ids])
    webhook_events = await _delete_in(db, "DELETE FROM webhook_events WHERE claim_id", claim_ids)
    deliveries = await _delete_in(db, "DELETE FROM deliveries WHERE claim_id", claim_ids)
    responses = await _delete_in(db, "DELETE FROM responses WHERE claim_id", claim_ids)
    notifications = await _delete_in(db, "DELETE FROM notifications WHERE claim_id", claim_ids)
    contacts = await _delete_in(db, "DELETE FROM contacts WHERE claim_id", claim_ids)
    workloads = await _delete_in(db, "DELETE FROM claim_workloads WHERE claim_id", claim_ids)
    claims = await _delete_in(db, "DELETE FROM claims WHERE id", claim_ids)
    return PurgeCounts(
        claims=claims,
        workloads=workloads,
        contacts=contacts,
        notifications=notifications,
        deliveries=deliveries,
        responses=responses,
        webhook_events=webhook_events,
        audit_entries=audit_entries,
    )


async def _delete_in(db: Db, delete: str, values: Sequence[str]) -> int:
    """`delete` (ending in a column name) IN `values`, in chunks any engine takes; rows deleted."""
    deleted = 0
    for begin in range(0, len(values), IN_CHUNK):
        chunk = list(values[begin : begin + IN_CHUNK])
        marks = ",".join("?" * len(chunk))
        deleted += await db.execute(f"{delete} IN ({marks})", chunk)
    return deleted
