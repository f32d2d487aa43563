"""The Store contract, aggregate by aggregate, for the methods `test_contract.py` does not reach:
partners and keys, link codes, references, status changes, the outbox's side doors, responses,
webhooks and the audit log. Every test runs on SQLite and on PostgreSQL; the last test checks that
every public Store method is exercised by the contract."""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.domain.claims import Contact, Status
from bot.store import (
    Conflict,
    DeliveryKind,
    DeliveryStatus,
    NotFound,
    PartnerKey,
    PartnerLink,
    Response,
    ResponseKind,
    Store,
    open_store,
)
from tests.bot.store.support import TENANT, make_claim, reference

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


def response(claim_id: str, kind: ResponseKind = ResponseKind.QUESTION, key: str = "r1") -> Response:
    return Response(
        id=key,
        claim_id=claim_id,
        kind=kind,
        tenant_id=TENANT,
        aad_object_id="11111111-2222-3333-4444-555555555555",
        user_id="29:lee",
        user_name="Lee Gu",
        contact_id=f"{claim_id}-c2",
        channel="msteams",
        text="Which project is this?" if kind is ResponseKind.QUESTION else None,
        dedupe_key=key,
        created_at=NOW,
    )


async def sent_claim(store: Store) -> tuple[str, str]:
    """A claim whose card was sent to Megan in Teams: (partner id, delivery id)."""
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    await store.save_reference(reference("a:megan", email="megan.bowen@fabrikam.example"))
    claim = await store.get_claim("claim-1")
    assert claim is not None
    await store.create_notification(claim, "n1", NOW, "teams")
    (leased,) = await store.lease_deliveries("w1", NOW, LEASE, 10)
    assert await store.finish_delivery(
        leased.delivery.id, "w1", status=DeliveryStatus.SENT, at=NOW, activity_id="act-1"
    )
    return partner.id, leased.delivery.id


# --- partners and keys ----------------------------------------------------------------------------


async def test_partners_are_found_by_id_and_name(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    assert await store.get_partner(partner.id) == partner
    assert await store.partner_by_name("Contoso Partners") == partner
    assert await store.get_partner("nobody") is None
    assert await store.partner_by_name("Nobody Ltd") is None


async def test_keys_are_listed_and_revoked_once(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    key = PartnerKey("k1", partner.id, "hash-1", "ci", NOW, None)
    await store.add_partner_key(key)
    assert await store.get_partner_key("k1") == key
    assert await store.list_partner_keys() == [key]
    assert await store.revoke_partner_key("k1", NOW)
    assert not await store.revoke_partner_key("k1", NOW)  # already revoked
    revoked = await store.get_partner_key("k1")
    assert revoked is not None and revoked.revoked_at == NOW
    assert await store.get_partner_key("k2") is None


async def test_a_link_code_links_one_chat_once_and_only_before_it_expires(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.add_link_code("code-hash", partner.id, NOW + dt.timedelta(minutes=15), NOW)
    link = PartnerLink("a:partner-chat", "ignored", TENANT, "aad-1", "Ana", NOW)
    linked = await store.redeem_link_code("code-hash", link)
    assert linked == partner
    stored = await store.get_partner_link("a:partner-chat")
    assert stored == dataclasses.replace(link, partner_id=partner.id)  # the code decides the partner
    assert await store.redeem_link_code("code-hash", link) is None  # used
    await store.add_link_code("old-hash", partner.id, NOW - dt.timedelta(seconds=1), NOW)
    assert await store.redeem_link_code("old-hash", dataclasses.replace(link, conversation_id="a:2")) is None
    assert await store.redeem_link_code("unknown", link) is None
    assert await store.remove_partner_link("a:partner-chat")
    assert not await store.remove_partner_link("a:partner-chat")
    assert await store.get_partner_link("a:partner-chat") is None


# --- references -----------------------------------------------------------------------------------


async def test_a_dead_reference_is_forgotten_and_audited(store: Store) -> None:
    await store.save_reference(reference("a:gone", aad="aad-1"))
    await store.mark_reference_dead("a:gone", NOW, "Teams said 403")
    assert await store.get_reference("a:gone") is None
    (entry,) = await store.audit_entries("a:gone")
    assert entry["action"] == "reference.dead"


# --- status changes -------------------------------------------------------------------------------


async def test_a_status_change_is_compared_and_set_and_updates_sent_cards(store: Store) -> None:
    partner_id, delivery_id = await sent_claim(store)
    claim, queued = await store.change_status(
        "claim-1",
        partner_id,
        expected=Status.SUBMITTED,
        wanted=Status.UNDER_REVIEW,
        at=NOW,
        change_id="s1",
        message=False,
    )
    assert claim.status is Status.UNDER_REVIEW
    assert [(d.kind, d.target_activity_id, d.status) for d in queued] == [
        (DeliveryKind.UPDATE, "act-1", DeliveryStatus.QUEUED)
    ]
    with pytest.raises(Conflict):  # no longer "submitted"
        await store.change_status(
            "claim-1", partner_id, expected=Status.SUBMITTED, wanted=Status.UNDER_REVIEW,
            at=NOW, change_id="s2", message=False,
        )  # fmt: skip
    with pytest.raises(NotFound):
        await store.change_status(
            "claim-1", "another-partner", expected=Status.UNDER_REVIEW, wanted=Status.APPROVED,
            at=NOW, change_id="s3", message=True,
        )  # fmt: skip
    stored = await store.get_claim("claim-1")
    assert stored is not None and stored.status is Status.UNDER_REVIEW


async def test_a_status_that_needs_the_customer_also_sends_a_message(store: Store) -> None:
    partner_id, _ = await sent_claim(store)
    await store.change_status(
        "claim-1", partner_id, expected=Status.SUBMITTED, wanted=Status.UNDER_REVIEW,
        at=NOW, change_id="s1", message=False,
    )  # fmt: skip
    _, queued = await store.change_status(
        "claim-1", partner_id, expected=Status.UNDER_REVIEW, wanted=Status.APPROVED,
        at=NOW, change_id="s2", message=True,
    )  # fmt: skip
    kinds = sorted(str(d.kind) for d in queued)
    # Megan's card is updated in place, and she gets the message; the contact still waiting for the
    # app was never told of the claim, so a status change does not write to them first.
    assert kinds.count(DeliveryKind.UPDATE) == 1 and kinds.count(DeliveryKind.STATUS) == 1
    (message,) = [d for d in queued if d.kind == DeliveryKind.STATUS]
    (megan,) = [d for d in await store.deliveries_for_claim("claim-1") if d.activity_id == "act-1"]
    assert message.contact_id == megan.contact_id


async def test_a_status_message_goes_only_to_contacts_the_claim_card_reached(store: Store) -> None:
    """The partner's notifications, which are limited, decide who hears from the app: a claim made
    and approved without a notification messages nobody, and one told by email hears by email too."""
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id, status=Status.UNDER_REVIEW))
    _, queued = await store.change_status(
        "claim-1", partner.id, expected=Status.UNDER_REVIEW, wanted=Status.APPROVED,
        at=NOW, change_id="s1", message=True,
    )  # fmt: skip
    assert queued == []

    await store.create_claim(make_claim(partner.id, "claim-2", status=Status.UNDER_REVIEW))
    claim = await store.get_claim("claim-2")
    assert claim is not None and len(claim.contacts) == 2
    await store.create_notification(replace(claim, contacts=claim.contacts[:1]), "n2", NOW, "email")
    (leased,) = await store.lease_deliveries("w1", NOW, LEASE, 10)
    assert await store.finish_delivery(leased.delivery.id, "w1", status=DeliveryStatus.SENT, at=NOW)
    _, queued = await store.change_status(
        "claim-2", partner.id, expected=Status.UNDER_REVIEW, wanted=Status.APPROVED,
        at=NOW, change_id="s2", message=True,
    )  # fmt: skip
    assert [(d.kind, d.contact_id) for d in queued] == [(DeliveryKind.STATUS, claim.contacts[0].id)]


async def test_the_claim_statuses_of_many_claims_at_once(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    await store.create_claim(make_claim(partner.id, "claim-2", status=Status.APPROVED))
    assert await store.claim_statuses(["claim-1", "claim-2", "absent"]) == {
        "claim-1": Status.SUBMITTED,
        "claim-2": Status.APPROVED,
    }


# --- the outbox's side doors ----------------------------------------------------------------------


async def test_a_card_update_is_queued_once_per_claim_change(store: Store) -> None:
    _, delivery_id = await sent_claim(store)
    assert await store.enqueue_card_update(delivery_id, NOW)
    assert not await store.enqueue_card_update(delivery_id, NOW)  # the same claim state: once
    # An answer given elsewhere is a reason of its own, queued once per answer.
    assert await store.enqueue_card_update(delivery_id, NOW, because="response:r1")
    assert not await store.enqueue_card_update(delivery_id, NOW, because="response:r1")
    assert await store.enqueue_card_update(delivery_id, NOW, because="response:r2")
    assert not await store.enqueue_card_update("no-such-delivery", NOW)
    updates = [d for d in await store.deliveries_for_claim("claim-1") if d.kind == DeliveryKind.UPDATE]
    assert [(u.target_activity_id, u.status) for u in updates] == [("act-1", DeliveryStatus.QUEUED)] * 3


async def test_teams_refusing_for_good_falls_back_to_email_once(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    await store.save_reference(reference("a:megan", email="megan.bowen@fabrikam.example"))
    claim = await store.get_claim("claim-1")
    assert claim is not None
    await store.create_notification(claim, "n1", NOW, "teams")
    (leased,) = await store.lease_deliveries("w1", NOW, LEASE, 10)
    assert not await store.fall_back_to_email(leased.delivery.id, "w2", NOW, "403")  # not our lease
    assert await store.fall_back_to_email(leased.delivery.id, "w1", NOW, "403 Forbidden")
    assert not await store.fall_back_to_email(leased.delivery.id, "w1", NOW, "403 Forbidden")  # done
    assert await store.get_reference("a:megan") is None
    by_channel = {(d.contact_id, str(d.channel)): d for d in await store.deliveries_for_claim("claim-1")}
    assert by_channel[("claim-1-c1", "teams")].status == DeliveryStatus.FAILED
    email = by_channel[("claim-1-c1", "email")]
    assert email.status == DeliveryStatus.QUEUED and email.last_error == "fallback: 403 Forbidden"


async def test_partner_notices_go_to_every_linked_chat_once(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    await store.save_reference(reference("a:ana", aad="aad-ana"))
    await store.add_link_code("code", partner.id, NOW + dt.timedelta(minutes=15), NOW)
    await store.redeem_link_code("code", PartnerLink("a:ana", partner.id, TENANT, "aad-ana", "Ana", NOW))
    answer, _ = await store.record_response(response("claim-1"))
    assert await store.enqueue_partner_notices(answer, partner.id, NOW) == 1
    assert await store.enqueue_partner_notices(answer, partner.id, NOW) == 1  # the same chat: still one
    notices = [d for d in await store.deliveries_for_claim("claim-1") if d.kind == DeliveryKind.PARTNER]
    assert [(d.response_id, d.conversation_id) for d in notices] == [(answer.id, "a:ana")]
    assert await store.enqueue_partner_notices(answer, "another-partner", NOW) == 0


async def test_delivery_counts_name_every_status(store: Store) -> None:
    counts = await store.delivery_counts()
    assert set(counts) == {str(s) for s in DeliveryStatus} and set(counts.values()) == {0}
    await sent_claim(store)
    counts = await store.delivery_counts()
    assert counts["sent"] == 1 and counts["waiting"] == 1  # Lee has no Teams chat yet


async def test_outbox_counts_follow_deliveries_through_their_states(store: Store) -> None:
    open_work = {"waiting": 0, "queued": 0, "sending": 0, "unknown": 0}
    assert await store.outbox_counts() == open_work
    partner = await store.create_partner("Contoso Partners")
    await store.save_reference(reference("a:megan", email="megan.bowen@fabrikam.example"))
    for n in range(3):
        await store.create_claim(make_claim(partner.id, f"claim-{n}"))
        claim = await store.get_claim(f"claim-{n}")
        assert claim is not None
        await store.create_notification(claim, f"n{n}", NOW, "teams")  # Megan queued, Lee waiting
    assert await store.outbox_counts() == {**open_work, "queued": 3, "waiting": 3}

    first, second, third = await store.lease_deliveries("w1", NOW, LEASE, 10)
    assert await store.outbox_counts() == {**open_work, "sending": 3, "waiting": 3}
    assert await store.start_deliveries("w1", [first.delivery.id], NOW) == {first.delivery.id}
    assert await store.finish_delivery(
        second.delivery.id, "w1", status=DeliveryStatus.SENT, at=NOW, activity_id="act-2"
    )
    assert await store.finish_delivery(
        third.delivery.id, "w1", status=DeliveryStatus.FAILED, at=NOW, error="gone"
    )
    # Sent and failed leave the gauge (cpor_deliveries_total counts them); the one started stays.
    assert await store.outbox_counts() == {**open_work, "sending": 1, "waiting": 3}

    # Its lease runs out mid-send: it may have arrived, and is counted as unknown.
    assert await store.lease_deliveries("w2", NOW + LEASE * 2, LEASE, 10) == []
    assert await store.outbox_counts() == {**open_work, "unknown": 1, "waiting": 3}
    # Lee installs the app: his three messages are queued.
    await store.save_reference(reference("a:lee", aad="11111111-2222-3333-4444-555555555555"))
    assert await store.outbox_counts() == {**open_work, "unknown": 1, "queued": 3}
    assert (await store.delivery_counts())["sent"] == 1


# --- responses ------------------------------------------------------------------------------------


async def test_responses_are_recorded_once_and_listed_in_order(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    first, new = await store.record_response(response("claim-1", ResponseKind.ACKNOWLEDGED, "r1"))
    assert new
    again, new = await store.record_response(dataclasses.replace(first, id="r1-again"))
    assert not new and again == first  # the same dedupe key: the stored one
    second, _ = await store.record_response(
        dataclasses.replace(response("claim-1", ResponseKind.QUESTION, "r2"), created_at=NOW + LEASE)
    )
    assert await store.responses_for_claim("claim-1") == [first, second]
    assert await store.responses_for_claim("absent") == []


async def test_a_response_is_audited_once_however_many_times_and_at_once_it_is_recorded(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    first = response("claim-1", ResponseKind.ACKNOWLEDGED, "r1")
    # Ten clicks at once with the same key (on PostgreSQL, on ten connections): one is stored.
    results = await asyncio.gather(
        *(store.record_response(dataclasses.replace(first, id=f"r1-{n}")) for n in range(10))
    )
    stored = {answer for answer, _ in results}
    assert len(stored) == 1 and sum(new for _, new in results) == 1
    (kept,) = stored
    again, new = await store.record_response(dataclasses.replace(first, id="r1-later"))
    assert not new and again == kept
    audited = [e for e in await store.audit_entries("claim-1") if e["action"] == "response.acknowledged"]
    assert [e["detail"] for e in audited] == [{"channel": kept.channel, "response_id": kept.id}]
    assert await store.responses_for_claim("claim-1") == [kept]


async def purged_after_read(store: Store) -> Any:
    """A claim read by a caller and then deleted by a retention purge: the claim as it was read."""
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    claim = await store.get_claim("claim-1")
    assert claim is not None
    batch = await store.purge_claims(NOW + dt.timedelta(days=1), limit=10)
    assert batch.counts.claims == 1 and await store.get_claim("claim-1") is None
    return claim


async def test_a_response_to_a_claim_purged_since_it_was_read_is_not_found_and_leaves_nothing(
    store: Store,
) -> None:
    claim = await purged_after_read(store)
    with pytest.raises(NotFound, match="claim-1"):
        await store.record_response(response(claim.id, ResponseKind.ACKNOWLEDGED, "late"))
    assert await store.responses_for_claim(claim.id) == []
    assert await store.audit_entries(claim.id) == []


async def test_a_notification_of_a_claim_purged_since_it_was_read_is_not_found_and_leaves_nothing(
    store: Store,
) -> None:
    claim = await purged_after_read(store)
    with pytest.raises(NotFound, match="claim-1"):
        await store.create_notification(claim, "n-late", NOW, "teams")
    assert await store.deliveries_for_claim(claim.id) == []
    assert await store.outbox_counts() == dict.fromkeys(await store.outbox_counts(), 0)
    assert await store.audit_entries(claim.id) == []


async def test_a_notification_id_used_twice_is_still_a_conflict(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    claim = await store.get_claim("claim-1")
    assert claim is not None
    await store.create_notification(claim, "n1", NOW, "teams")
    with pytest.raises(Conflict, match="n1"):
        await store.create_notification(claim, "n1", NOW, "teams")


async def test_on_postgresql_a_response_stored_meanwhile_by_another_transaction_is_returned(
    postgres: Any,
) -> None:
    """The one-statement record on PostgreSQL: another transaction stores the same key and commits
    while the statement waits on it. The statement's own read began too early to see that row; the
    stored one is read again and returned, not new."""
    url = postgres.create_database()
    store = await open_store(url)
    try:
        partner = await store.create_partner("Contoso Partners")
        await store.create_claim(make_claim(partner.id))
        async with await psycopg.AsyncConnection.connect(url) as other:
            await other.execute(
                "INSERT INTO responses (id, claim_id, kind, tenant_id, channel, dedupe_key, created_at) "
                "VALUES ('theirs', 'claim-1', 'acknowledged', %s, 'msteams', 'r1', %s)",
                (TENANT, NOW.isoformat()),
            )  # not committed yet: the insert below waits for it
            mine = asyncio.create_task(store.record_response(response("claim-1", ResponseKind.ACKNOWLEDGED)))
            done, _ = await asyncio.wait({mine}, timeout=0.3)
            assert not done
            await other.commit()
        stored, new = await mine
        assert (stored.id, new) == ("theirs", False)
        assert [e for e in await store.audit_entries("claim-1") if e["action"].startswith("response.")] == []
    finally:
        await store.close()


# --- webhooks -------------------------------------------------------------------------------------


async def test_a_webhook_is_set_replaced_and_deleted(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    hook = await store.set_webhook(partner.id, "https://hooks.contoso.example/a", "s1", NOW)
    assert await store.get_webhook(partner.id) == hook
    later = NOW + LEASE
    replaced = await store.set_webhook(partner.id, "https://hooks.contoso.example/b", "s2", later)
    assert (replaced.url, replaced.secret, replaced.created_at, replaced.updated_at) == (
        "https://hooks.contoso.example/b",
        "s2",
        NOW,
        later,
    )
    assert await store.delete_webhook(partner.id)
    assert not await store.delete_webhook(partner.id)
    assert await store.get_webhook(partner.id) is None


async def test_webhook_events_are_queued_leased_fenced_and_logged(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    payload = {"type": "response.question", "claim_id": "claim-1"}
    assert await store.enqueue_webhook_event(partner.id, "claim-1", "response", payload, "e1", NOW) is None
    await store.set_webhook(partner.id, "https://hooks.contoso.example/a", "s1", NOW)
    event = await store.enqueue_webhook_event(partner.id, "claim-1", "response", payload, "e1", NOW)
    assert event is not None and event.payload == payload and event.status == DeliveryStatus.QUEUED
    assert await store.enqueue_webhook_event(partner.id, "claim-1", "response", payload, "e1", NOW) is None

    (leased, hook), *rest = await store.lease_webhook_events("w1", NOW, LEASE, 10)
    assert rest == [] and leased.id == event.id and leased.attempts == 1 and hook.secret == "s1"
    assert await store.lease_webhook_events("w2", NOW, LEASE, 10) == []  # held by w1
    assert not await store.finish_webhook_event(event.id, "w2", status=DeliveryStatus.SENT, at=NOW)
    retry_at = NOW + dt.timedelta(seconds=30)
    assert await store.finish_webhook_event(
        event.id, "w1", status=DeliveryStatus.QUEUED, at=NOW, status_code=503, error="busy", retry_at=retry_at
    )
    assert await store.lease_webhook_events("w1", NOW, LEASE, 10) == []  # not due yet
    (again, _), *_ = await store.lease_webhook_events("w1", retry_at, LEASE, 10)
    assert again.attempts == 2
    assert await store.finish_webhook_event(
        event.id, "w1", status=DeliveryStatus.SENT, at=retry_at, status_code=204
    )
    (logged,) = await store.webhook_events(partner.id, limit=10)
    assert (logged.status, logged.last_status_code, logged.attempts) == (DeliveryStatus.SENT, 204, 2)


async def test_webhook_events_queued_at_one_moment_go_and_are_listed_in_queue_order(store: Store) -> None:
    # Event ids sort by when they were made: the lease takes them first-queued first, and the log
    # lists the newest first, even when the clock gave them all the same moment.
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    await store.set_webhook(partner.id, "https://hooks.contoso.example/a", "s1", NOW)
    queued = []
    for n in range(12):
        event = await store.enqueue_webhook_event(partner.id, "claim-1", "response", {"n": n}, f"e{n}", NOW)
        assert event is not None
        queued.append(event.id)
    leased = await store.lease_webhook_events("w1", NOW, LEASE, 12)
    assert [event.id for event, _ in leased] == queued
    assert [event.id for event in await store.webhook_events(partner.id, limit=12)] == queued[::-1]


async def test_a_webhook_lease_that_ran_out_is_due_again(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id))
    await store.set_webhook(partner.id, "https://hooks.contoso.example/a", "s1", NOW)
    event = await store.enqueue_webhook_event(partner.id, "claim-1", "response", {}, "e1", NOW)
    assert event is not None
    await store.lease_webhook_events("w1", NOW, LEASE, 10)
    later = NOW + LEASE + dt.timedelta(seconds=1)
    (taken, _), *_ = await store.lease_webhook_events("w2", later, LEASE, 10)
    assert taken.id == event.id
    assert not await store.finish_webhook_event(event.id, "w1", status=DeliveryStatus.SENT, at=later)


async def test_concurrent_webhook_leases_never_take_the_same_event_on_postgresql(postgres: Any) -> None:
    # Two pools, as two service instances would have: SKIP LOCKED keeps their leases apart.
    url = postgres.create_database()
    first, second = await open_store(url), await open_store(url)
    try:
        partner = await first.create_partner("Contoso Partners")
        await first.create_claim(make_claim(partner.id))
        await first.set_webhook(partner.id, "https://hooks.contoso.example/a", "s1", NOW)
        for n in range(40):
            await first.enqueue_webhook_event(partner.id, "claim-1", "response", {"n": n}, f"e{n}", NOW)
        results = await asyncio.gather(
            *(pool.lease_webhook_events(f"w{i}", NOW, LEASE, 7) for i, pool in enumerate([first, second] * 4))
        )
        taken = [event.id for batch in results for event, _ in batch]
        assert len(taken) == len(set(taken)) == 40
    finally:
        await first.close()
        await second.close()


# --- audit ----------------------------------------------------------------------------------------


async def test_audit_entries_are_kept_per_subject_in_order(store: Store) -> None:
    await store.audit("partner:p1", "claim.viewed", "claim-9", {"n": 1}, NOW)
    await store.audit("partner:p1", "claim.viewed", "claim-9", {"n": 2}, NOW + LEASE)
    await store.audit("partner:p1", "claim.viewed", "claim-8", {"n": 3}, NOW)
    entries = await store.audit_entries("claim-9")
    assert [(e["actor"], e["action"]) for e in entries] == [("partner:p1", "claim.viewed")] * 2
    assert [e["detail"] for e in entries] == [{"n": 1}, {"n": 2}]


# --- the contract covers the Protocol ------------------------------------------------------------------


def test_every_store_method_is_exercised_by_the_contract() -> None:
    protocols = ast.parse((REPO / "bot" / "store" / "protocols.py").read_text(encoding="utf-8"))
    methods = {
        node.name
        for cls in protocols.body
        if isinstance(cls, ast.ClassDef)
        for node in cls.body
        if isinstance(node, ast.AsyncFunctionDef) and node.name not in ("close", "health")
    }
    tests = "\n".join(p.read_text(encoding="utf-8") for p in HERE.glob("test_contract*.py"))
    missing = sorted(m for m in methods if not re.search(rf"\.{m}\(", tests))
    assert missing == []
    assert len(methods) >= 45


async def test_a_claim_in_hand_is_what_the_three_reads_give(store: Store) -> None:
    partner = await store.create_partner('Contoso "Partners" – Zürich')
    contacts = tuple(
        Contact(
            id=f"claim-1-c{i}", name=name, email=f"p{i}@fabrikam.example", aad_object_id=aad, locale=locale
        )
        for i, (name, aad, locale) in enumerate(
            [
                ("Zoë O'Brien", None, None),
                ("Alex \\ Wilber", "11111111-2222-3333-4444-555555555555", "ja-JP"),
                ("山田 太郎", None, "pt-BR"),
            ]
        )
    )
    workloads = ("teams", "exchange", "intune", "defender_endpoint")
    await store.create_claim(make_claim(partner.id, contacts=contacts, workloads=workloads, message=None))
    await store.create_claim(make_claim(partner.id, "claim-2"))
    # Recorded out of order: the later one first, two at the same moment (then by id).
    await store.record_response(
        dataclasses.replace(response("claim-1", ResponseKind.ACKNOWLEDGED, "r3"), created_at=NOW + LEASE)
    )
    await store.record_response(response("claim-1", ResponseKind.QUESTION, "r2"))
    await store.record_response(response("claim-1", ResponseKind.NOT_RECOGNISED, "r1"))
    await store.record_response(response("claim-2", ResponseKind.QUESTION, "other"))

    in_hand = await store.claim_in_hand("claim-1")

    assert in_hand is not None
    assert in_hand.claim == await store.get_claim("claim-1")
    assert in_hand.claim.workloads == workloads and in_hand.claim.contacts == contacts
    assert in_hand.partner_name == 'Contoso "Partners" – Zürich'
    assert list(in_hand.responses) == await store.responses_for_claim("claim-1")
    assert [r.id for r in in_hand.responses] == ["r1", "r2", "r3"]
    assert await store.claim_in_hand("nope") is None


async def test_a_claim_in_hand_with_nothing_answered_has_no_responses(store: Store) -> None:
    partner = await store.create_partner("Contoso Partners")
    await store.create_claim(make_claim(partner.id, contacts=()))
    in_hand = await store.claim_in_hand("claim-1")
    assert in_hand is not None
    assert in_hand.responses == () and in_hand.claim.contacts == ()
    assert in_hand.claim == await store.get_claim("claim-1")
