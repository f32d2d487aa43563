"""A partner's allowance, counted inside the notification's transaction on both engines: parallel
requests cannot slip past a limit, and a refused notification stores nothing."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.store import Channel, Conflict, LimitKind, LimitReached, NotifyAllowance, Store
from tests.bot.store.support import make_claim

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
NO_LIMITS = NotifyAllowance(per_minute=0, messages_per_day=0, cooldown=dt.timedelta(0))


async def claims_of_one_partner(store: Store, count: int) -> list[str]:
    partner = await store.create_partner("Contoso Partners")
    ids = [f"claim-{i}" for i in range(count)]
    for claim_id in ids:
        await store.create_claim(make_claim(partner.id, claim_id))
    return ids


async def notify(
    store: Store,
    claim_id: str,
    n: str,
    at: dt.datetime,
    allowance: NotifyAllowance,
    channel: str = Channel.EMAIL,
) -> None:
    claim = await store.get_claim(claim_id)
    assert claim is not None
    await store.create_notification(claim, n, at, channel, allowance=allowance)


async def test_parallel_notifications_cannot_pass_the_rate(store: Store) -> None:
    ids = await claims_of_one_partner(store, 20)
    allowance = NotifyAllowance(per_minute=5, messages_per_day=0, cooldown=dt.timedelta(0))
    results = await asyncio.gather(
        *(notify(store, claim_id, f"n-{claim_id}", NOW, allowance) for claim_id in ids),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, LimitReached)]
    assert len(refused) == 15 and all(r.kind == LimitKind.RATE for r in refused)
    assert [r for r in results if isinstance(r, BaseException) and not isinstance(r, LimitReached)] == []
    queued = [d for claim_id in ids for d in await store.deliveries_for_claim(claim_id)]
    assert len(queued) == 5 * 2  # two contacts each, nothing stored for the refused
    assert all(0 < r.retry_after_seconds <= 60 for r in refused)
    # A minute later the window has moved on.
    await notify(store, ids[-1], "later", NOW + dt.timedelta(seconds=61), allowance)


async def test_the_same_notification_waits_out_the_cooldown_another_channel_does_not(store: Store) -> None:
    [claim_id] = await claims_of_one_partner(store, 1)
    allowance = NotifyAllowance(per_minute=0, messages_per_day=0, cooldown=dt.timedelta(minutes=10))
    await notify(store, claim_id, "first", NOW, allowance)
    with pytest.raises(LimitReached) as again:
        await notify(store, claim_id, "again", NOW + dt.timedelta(minutes=4), allowance)
    assert again.value.kind == LimitKind.COOLDOWN
    assert again.value.retry_after_seconds == 6 * 60
    await notify(store, claim_id, "teams", NOW + dt.timedelta(minutes=4), allowance, Channel.TEAMS)
    await notify(store, claim_id, "after", NOW + dt.timedelta(minutes=10, seconds=1), allowance)
    assert len(await store.deliveries_for_claim(claim_id)) == 2 + 2 + 2


async def test_the_daily_messages_count_contacts_and_channels_and_restart_at_midnight(store: Store) -> None:
    ids = await claims_of_one_partner(store, 3)
    allowance = NotifyAllowance(per_minute=0, messages_per_day=5, cooldown=dt.timedelta(0))
    await notify(store, ids[0], "a", NOW, allowance)  # 2 messages
    await notify(store, ids[1], "b", NOW, allowance)  # 4
    with pytest.raises(LimitReached) as over:
        await notify(store, ids[2], "c", NOW, allowance, Channel.BOTH)  # 4 more: 8 > 5
    assert over.value.kind == LimitKind.QUOTA
    midnight = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
    assert over.value.retry_after_seconds == int((midnight - NOW).total_seconds())
    assert await store.deliveries_for_claim(ids[2]) == []
    await notify(store, ids[2], "c", midnight, allowance, Channel.BOTH)


async def test_no_allowance_and_zero_limits_mean_no_limit(store: Store) -> None:
    [claim_id] = await claims_of_one_partner(store, 1)
    for i in range(3):
        await notify(store, claim_id, f"n{i}", NOW, NO_LIMITS)
    claim = await store.get_claim(claim_id)
    assert claim is not None
    await store.create_notification(claim, "operator", NOW, Channel.EMAIL)  # the CLI: no allowance
    assert len(await store.deliveries_for_claim(claim_id)) == 4 * 2


async def test_a_claim_created_with_its_notification_is_stored_with_it_or_not_at_all(store: Store) -> None:
    """The Teams claim form: a notification the allowance refuses leaves no claim behind."""
    [first] = await claims_of_one_partner(store, 1)
    claim = await store.get_claim(first)
    assert claim is not None
    allowance = NotifyAllowance(per_minute=2, messages_per_day=0, cooldown=dt.timedelta(minutes=10))
    await notify(store, first, "n-first", NOW, allowance)
    made = make_claim(claim.partner_id, "from-form")
    deliveries = await store.create_claim_and_notify(made, "form:from-form", NOW, allowance=allowance)
    assert len(deliveries) == 2 and await store.get_claim("from-form") is not None
    with pytest.raises(Conflict):  # a double click: the claim is there once, notified once
        await store.create_claim_and_notify(made, "form:from-form", NOW, allowance=allowance)

    refused = make_claim(claim.partner_id, "refused")
    with pytest.raises(LimitReached) as over:
        await store.create_claim_and_notify(refused, "form:refused", NOW, allowance=allowance)
    assert over.value.kind == LimitKind.RATE
    assert await store.get_claim("refused") is None
    assert await store.deliveries_for_claim("refused") == []
    # Once the minute has passed, the same form goes through.
    later = NOW + dt.timedelta(seconds=61)
    assert len(await store.create_claim_and_notify(refused, "form:refused", later, allowance=allowance)) == 2


@pytest.mark.parametrize(
    ("first", "then", "refused"),
    [
        (Channel.EMAIL, Channel.BOTH, True),  # "both" sends the same email again
        (Channel.EMAIL, Channel.AUTO, True),  # the default emails every contact without the app
        (Channel.TEAMS, Channel.BOTH, True),
        (Channel.TEAMS, Channel.AUTO, True),
        (Channel.BOTH, Channel.EMAIL, True),
        (Channel.BOTH, Channel.TEAMS, True),
        (Channel.AUTO, Channel.EMAIL, True),
        (Channel.AUTO, Channel.TEAMS, True),
        (Channel.AUTO, Channel.BOTH, True),
        (Channel.EMAIL, Channel.TEAMS, False),  # another medium: not the same message again
        (Channel.TEAMS, Channel.EMAIL, False),
    ],
)
async def test_the_cooldown_is_about_what_reaches_the_contact_not_the_channel_name(
    store: Store, first: Channel, then: Channel, refused: bool
) -> None:
    [claim_id] = await claims_of_one_partner(store, 1)
    allowance = NotifyAllowance(per_minute=0, messages_per_day=0, cooldown=dt.timedelta(minutes=10))
    await notify(store, claim_id, "first", NOW, allowance, first)
    stored = len(await store.deliveries_for_claim(claim_id))
    soon = NOW + dt.timedelta(minutes=1)
    if refused:
        with pytest.raises(LimitReached) as again:
            await notify(store, claim_id, "then", soon, allowance, then)
        assert again.value.kind == LimitKind.COOLDOWN and again.value.retry_after_seconds == 9 * 60
        assert len(await store.deliveries_for_claim(claim_id)) == stored
    else:
        await notify(store, claim_id, "then", soon, allowance, then)
