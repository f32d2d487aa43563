"""How often a partner may notify: checked inside the transaction that would create the
notification, with the partner's row locked, so parallel requests are counted one after another
and none slips past a limit."""

from __future__ import annotations

import datetime as dt

from bot.domain.claims import Claim
from bot.store.limits import LimitKind, LimitReached, NotifyAllowance
from bot.store.records import Channel, DeliveryKind, ts
from bot.store.sql.base import Db

MINUTE = dt.timedelta(minutes=1)

# What a notification by each channel can put in front of a contact. "auto" picks Teams or email for
# each contact, so it may use either; a Teams card the contact cannot get falls back to email, but
# that is the same message arriving once, not a second one.
MEDIA: dict[str, frozenset[str]] = {
    Channel.EMAIL: frozenset({"email"}),
    Channel.TEAMS: frozenset({"teams"}),
    Channel.BOTH: frozenset({"email", "teams"}),
    Channel.AUTO: frozenset({"email", "teams"}),
}


def overlapping_channels(channel: str) -> tuple[str, ...]:
    """The channels whose notifications could reach a contact by a medium `channel` would also use:
    the cooldown is about the same message arriving the same way again, whatever the channel is
    called (an unknown channel is taken to use every medium)."""
    every = frozenset().union(*MEDIA.values())
    media = MEDIA.get(channel, every)
    return tuple(sorted(name for name, theirs in MEDIA.items() if theirs & media))


async def check_allowance(
    db: Db,
    for_update: str,
    claim: Claim,
    channel: str,
    messages: int,
    at: dt.datetime,
    allowance: NotifyAllowance,
) -> None:
    """Raise LimitReached if notifying `claim` by `channel` now, with `messages` messages, exceeds
    `allowance`. The cooldown counts every recent notification of the claim that could have reached
    its contacts by a medium this one would use: "both" or "auto" after "email" is the same email."""
    # Parallel requests of one partner queue here (PostgreSQL; SQLite's writer lock already does).
    lock = f"SELECT id FROM partners WHERE id = ?{for_update}"  # noqa: S608 - the engine's constant suffix
    await db.rows(lock, (claim.partner_id,))
    if allowance.cooldown:
        since = at - allowance.cooldown
        overlapping = overlapping_channels(channel)
        marks = ",".join("?" * len(overlapping))
        rows = await db.rows(
            "SELECT max(created_at) AS last FROM notifications WHERE claim_id = ? AND kind = ? "  # noqa: S608 - only placeholders are interpolated
            f"AND channel IN ({marks}) AND created_at > ?",
            (claim.id, DeliveryKind.CLAIM, *overlapping, ts(since)),
        )
        last = rows[0]["last"] if rows else None
        if last:
            again = dt.datetime.fromisoformat(last) + allowance.cooldown
            raise LimitReached(
                LimitKind.COOLDOWN,
                again - at,
                "This claim's contacts were notified a moment ago by email or Teams, as this notification "
                'would reach them again ("both" and the default can use either); the same notification '
                f"is not sent again within {_minutes(allowance.cooldown)}.",
            )
    if allowance.per_minute:
        rows = await db.rows(
            "SELECT count(*) AS n, min(created_at) AS first FROM notifications "
            "WHERE partner_id = ? AND kind = ? AND created_at > ?",
            (claim.partner_id, DeliveryKind.CLAIM, ts(at - MINUTE)),
        )
        if rows and rows[0]["n"] >= allowance.per_minute:
            first = dt.datetime.fromisoformat(rows[0]["first"])
            raise LimitReached(
                LimitKind.RATE,
                first + MINUTE - at,
                f"At most {allowance.per_minute} notifications a minute; try again shortly.",
            )
    if allowance.messages_per_day:
        day = at.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        rows = await db.rows(
            "SELECT coalesce(sum(messages), 0) AS n FROM notifications "
            "WHERE partner_id = ? AND kind = ? AND created_at >= ?",
            (claim.partner_id, DeliveryKind.CLAIM, ts(day)),
        )
        sent_today = int(rows[0]["n"]) if rows else 0
        if sent_today + messages > allowance.messages_per_day:
            raise LimitReached(
                LimitKind.QUOTA,
                day + dt.timedelta(days=1) - at,
                f"This notification would take today's messages past {allowance.messages_per_day} "
                f"({sent_today} sent so far); the count starts again at midnight UTC.",
            )


def _minutes(span: dt.timedelta) -> str:
    minutes = max(1, round(span.total_seconds() / 60))
    return "a minute" if minutes == 1 else f"{minutes} minutes"
