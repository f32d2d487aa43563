"""The delivery worker: takes due rows from the outbox, sends the card, records the outcome."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from typing import Any

from bot.delivery.composing import contact_link, delivery_card, delivery_email
from bot.delivery.limits import TeamsLimits
from bot.delivery.retries import GONE, MAIL_MAX_ATTEMPTS, RETRYABLE, Deferred, retry_or_fail
from bot.delivery.sending import CardSender, EncodedCard, SendFailure
from bot.delivery.starting import LeaseLost, StartMarks, StartNotRecorded
from bot.domain.formats import sendable_address
from bot.mail.identity import MailIdentity
from bot.mail.sender import Mailer, MailFailure, mailer_from_settings
from bot.ops.config import Settings
from bot.ops.metrics import Metrics
from bot.ops.polling import Poller
from bot.store import Channel, DeliveryKind, DeliveryOutcome, DeliveryStatus, LeasedDelivery, Store
from bot.web.links import LinkSigner, public_base
from cards.model import WebLink

log = logging.getLogger(__name__)

# The Bot Connector answers within its HTTP timeout (well under a minute); the lease must outlast
# a send by far, or a slow send would be taken for a crashed one.
LEASE_FOR = dt.timedelta(minutes=5)
# Deliveries per lease, and leases in flight per worker: enough sends in flight to fill Teams'
# limits (50 a second per tenant) at the connector's latency.
BATCH = 100
LANES = 4
# Sends started per turn of the event loop (see `run_once`).
STARTS_PER_TURN = 8
# Outcomes are written this many at a time (and at the end of each batch).
FLUSH_EVERY = 50
# Workers say they are alive this often; one silent for five beats no longer counts.
HEARTBEAT_EVERY = dt.timedelta(seconds=2)
# A send the limits would hold back longer than this goes back to the queue until then. It also
# bounds how far ahead a worker has booked, which a worker joining others waits out (see `run`).
DEFER_AFTER_SECONDS = 2.0
# A Teams send is noted as started this long before its booked moment (and books none sooner): the
# store has written it by then, even at a burst's start, and the send leaves on time. A worker that
# dies leaves `unknown` what it had in flight, and what it would have sent in the next 100 ms.
START_LEAD_SECONDS = 0.1
# A send whose start the store could not note goes back to the queue for this long.
START_RETRY = dt.timedelta(seconds=5)
# What a delivery records when the service itself failed: the exception's text may hold a
# customer's data and stays in the service's log.
INTERNAL_ERROR = "internal error in the delivery worker; see the service's log"


# The metric label for each status an outcome leaves a delivery in.
DELIVERY_LABELS: dict[str, str] = {
    DeliveryStatus.SENT: "sent",
    DeliveryStatus.QUEUED: "retry",
    DeliveryStatus.FAILED: "failed",
}


class DeliveryWorker:
    """One per process. Several lanes each lease a batch and send it concurrently, within the
    client-side limits; outcomes are written in batches. `wake()` makes it look at the outbox now
    instead of at the next poll."""

    def __init__(
        self,
        store: Store,
        sender: CardSender,
        *,
        poll_seconds: float,
        mail: MailIdentity,
        mailer: Mailer | None = None,
        metrics: Metrics | None = None,
        limits: TeamsLimits | None = None,
        lease_for: dt.timedelta = LEASE_FOR,
        batch: int = BATCH,
        lanes: int = LANES,
        heartbeat_every: dt.timedelta = HEARTBEAT_EVERY,
        links: LinkSigner | None = None,
        links_base: str = "",
    ) -> None:
        # Signs each contact's own link to the claim's web page (on `links_base`); None: no links.
        self._links, self._links_base = links, links_base
        self._heartbeat_every = heartbeat_every
        self._lease_for = lease_for
        self._batch = batch
        self._lanes = lanes
        self._metrics = metrics or Metrics()
        self._limits = limits or TeamsLimits(on_rebook=self._metrics.rebooked.inc)
        self._store = store
        self._sender = sender
        self._mailer = mailer
        self._mail = mail
        self._owner = f"worker-{uuid.uuid4().hex[:12]}"
        self._starts = StartMarks(store, self._owner)
        self._poller = Poller("delivery", poll_seconds)
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        self._poller.wake()

    def stop(self) -> None:
        self._poller.stop()
        self._stopping.set()

    async def run(self) -> None:
        try:
            if await self._heartbeat() > 1:
                # The others count this worker at their next beat, and until the sends they booked
                # before it have gone they still send at the old share. Wait for both, then count
                # again (others may have joined meanwhile).
                if not await self._pause(self._heartbeat_every.total_seconds() + DEFER_AFTER_SECONDS):
                    await self._heartbeat()
            # A lane waits for the slowest send of its batch; the others keep the connector busy.
            async with asyncio.TaskGroup() as lanes:
                lanes.create_task(self._keep_heartbeat())
                for _ in range(self._lanes):
                    lanes.create_task(self._poller.run(self.run_once))
        finally:
            # Every lane has left its transaction by now (a cancelled one rolled back); the last
            # start marks are written. Only then sign off, in a transaction of its own.
            await self._starts.settle()
            try:
                await self._store.worker_left(self._owner)
            except Exception:  # noqa: BLE001 - the others stop counting it after a few seconds anyway
                log.warning(
                    "could not sign this worker off; the others will notice it is gone", exc_info=True
                )

    async def _heartbeat(self) -> int:
        """Say this worker is alive and take its share of the tenants' limits; how many are alive."""
        try:
            workers = await self._store.worker_heartbeat(
                self._owner, dt.datetime.now(dt.UTC), alive_within=self._heartbeat_every * 5
            )
        except Exception:  # noqa: BLE001 - keep the last share; the next beat tries again
            log.warning("delivery worker heartbeat failed", exc_info=True)
            return self._limits.workers
        if workers != self._limits.workers:
            log.info("%d delivery worker(s) alive: each takes 1/%d of a tenant's limit", workers, workers)
        self._limits.share_with(workers)
        return workers

    async def _keep_heartbeat(self) -> None:
        while not await self._pause(self._heartbeat_every.total_seconds()):
            await self._heartbeat()

    async def _pause(self, seconds: float) -> bool:
        """Sleep for `seconds`, or less if asked to stop; True if asked to stop."""
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True

    async def run_once(self) -> int:
        """Lease and send what is due now; return how many deliveries were attempted."""
        leased = await self._store.lease_deliveries(
            self._owner, dt.datetime.now(dt.UTC), self._lease_for, self._batch
        )
        if not leased:
            return 0
        if len(leased) == self._batch:
            self.wake()  # more may be due: another lane leases the next batch meanwhile
        outcomes: list[tuple[LeasedDelivery, DeliveryOutcome]] = []

        async def deliver(item: LeasedDelivery) -> None:
            outcome = await self._deliver(item)
            if outcome is None:
                return
            outcomes.append((item, outcome))
            if len(outcomes) >= FLUSH_EVERY:
                ready = outcomes[:]
                outcomes.clear()
                await self._record(ready)

        async with asyncio.TaskGroup() as sends:
            for n, item in enumerate(leased, 1):
                sends.create_task(deliver(item))
                # A task builds its card as it starts. A few starts per turn of the event loop keep
                # the sends already booked leaving on time between builds (a card takes ~0.1 ms);
                # a hundred in one turn would hold them back ~10 ms, and late sends bunch up.
                if n % STARTS_PER_TURN == 0:
                    await asyncio.sleep(0)
        await self._record(outcomes)
        return len(leased)

    def _count(self, item: LeasedDelivery, outcome: str) -> None:
        delivery = item.delivery
        self._metrics.deliveries.labels(channel=delivery.channel, kind=delivery.kind, outcome=outcome).inc()

    async def _record(self, done: list[tuple[LeasedDelivery, DeliveryOutcome]]) -> None:
        """Write a batch of outcomes; then bring cards sent while their claim changed up to date."""
        if not done:
            return
        try:
            mine = await self._store.finish_deliveries(self._owner, [outcome for _, outcome in done])
        except Exception:
            # The leases run out and those deliveries become `unknown`: nothing is sent twice.
            log.exception("could not record %d delivery outcomes", len(done))
            return
        sent_cards: list[LeasedDelivery] = []
        for item, outcome in done:
            if outcome.delivery_id not in mine:
                continue
            label = DELIVERY_LABELS.get(outcome.status, outcome.status)
            if not outcome.counts_as_attempt:
                label = "deferred"
            self._count(item, label)
            if outcome.status == DeliveryStatus.SENT:
                log.info(
                    "delivery %s (%s, %s) done",
                    outcome.delivery_id,
                    item.delivery.channel,
                    item.delivery.kind,
                )
                if item.delivery.kind == DeliveryKind.CLAIM and item.delivery.channel == Channel.TEAMS:
                    sent_cards.append(item)
            elif outcome.status == DeliveryStatus.FAILED:
                log.warning("delivery %s failed: %s", outcome.delivery_id, outcome.error)
        if not sent_cards:
            return
        # A status change while the card was in flight found no sent card to update: do it now.
        current = await self._store.claim_statuses([item.claim.id for item in sent_cards])
        queued = False
        for item in sent_cards:
            status = current.get(item.claim.id)
            if status is not None and status != item.claim.status:
                queued |= await self._store.enqueue_card_update(item.delivery.id, dt.datetime.now(dt.UTC))
        if queued:
            self.wake()

    async def _deliver(self, item: LeasedDelivery) -> DeliveryOutcome | None:
        """Send one delivery; its outcome, or None when it was already written (a fallback)."""
        delivery = item.delivery
        try:
            if delivery.channel == Channel.EMAIL:
                activity_id: str | None = await self._email(item)
            else:
                activity_id = await self._teams(item)
        except Deferred as deferred:
            return DeliveryOutcome(
                delivery.id,
                DeliveryStatus.QUEUED,
                dt.datetime.now(dt.UTC),
                error=str(deferred),
                retry_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=deferred.seconds),
                counts_as_attempt=False,
            )
        except SendFailure as failure:
            return await self._failed(item, failure)
        except MailFailure as failure:
            return retry_or_fail(
                delivery,
                not failure.permanent,
                f"mail server: {failure.reply}",
                None,
                max_attempts=MAIL_MAX_ATTEMPTS,
            )
        except LeaseLost:
            # The lease ran out first and the delivery was queued again: not ours to send or record.
            log.warning("delivery %s not sent: its lease ran out before it started", delivery.id)
            return None
        except StartNotRecorded:
            log.warning("delivery %s not sent: could not note its start", delivery.id, exc_info=True)
            now = dt.datetime.now(dt.UTC)
            return DeliveryOutcome(
                delivery.id,
                DeliveryStatus.QUEUED,
                now,
                error="not sent: the store did not answer; will retry",
                retry_at=now + START_RETRY,
                counts_as_attempt=False,
            )
        except Exception:
            # A fault of the service, not of the network or the recipient: another try would fail
            # the same way. Fail it now and say so where an operator looks.
            log.exception(
                "delivery %s (%s, %s) failed on an internal error",
                delivery.id,
                delivery.channel,
                delivery.kind,
            )
            self._metrics.internal_errors.inc()
            return DeliveryOutcome(
                delivery.id, DeliveryStatus.FAILED, dt.datetime.now(dt.UTC), error=INTERNAL_ERROR
            )
        return DeliveryOutcome(
            delivery.id, DeliveryStatus.SENT, dt.datetime.now(dt.UTC), activity_id=activity_id
        )

    async def _teams(self, item: LeasedDelivery) -> str | None:
        delivery, reference = item.delivery, item.reference
        if reference is None:
            raise SendFailure(404, "NoConversation")
        # Built before booking: the slot is not spent waiting. It waits as JSON (see EncodedCard).
        card = EncodedCard.of(self._card_for(item, host="teams", link=self._web_link(item)))
        waited = await self._limits.wait(
            reference.conversation_id,
            reference.tenant_id,
            at_most=DEFER_AFTER_SECONDS,
            ready=lambda: self._starts.start(delivery.id),
            lead=START_LEAD_SECONDS,
        )
        if waited is None:
            # Far off (a busy conversation): give the lease back rather than hold a lane idle.
            raise Deferred(self._limits.delay(reference.conversation_id, reference.tenant_id))
        with self._metrics.send_seconds.labels(channel=Channel.TEAMS).time():
            if delivery.kind == DeliveryKind.UPDATE and delivery.target_activity_id:
                await self._sender.update_card(reference.reference, delivery.target_activity_id, card)
                return None
            return await self._sender.send_card(reference.reference, card)

    async def _email(self, item: LeasedDelivery) -> str:
        if self._mailer is None or item.contact is None:
            raise MailFailure(permanent=True, reply="no mail relay is configured for this service")
        try:
            to = sendable_address(item.contact.email)
        except ValueError as exc:  # an address stored before the rules refused it: no retry helps
            raise MailFailure(permanent=True, reply=str(exc)) from exc
        link = self._web_link(item)
        card = self._card_for(item, host="outlook", link=link)
        message, message_id = delivery_email(
            item, card, mail=self._mail, link=link, now=dt.datetime.now(dt.UTC), to=to
        )
        await self._starts.start(item.delivery.id)
        with self._metrics.send_seconds.labels(channel=Channel.EMAIL).time():
            await self._mailer.send(message)
        return f"<{message_id}>"

    def _web_link(self, item: LeasedDelivery) -> WebLink | None:
        return contact_link(self._links, self._links_base, item, dt.datetime.now(dt.UTC))

    def _card_for(self, item: LeasedDelivery, *, host: str, link: WebLink | None = None) -> dict[str, Any]:
        return delivery_card(item, host=host, mail=self._mail, link=link)

    async def _failed(self, item: LeasedDelivery, failure: SendFailure) -> DeliveryOutcome | None:
        delivery = item.delivery
        now = dt.datetime.now(dt.UTC)
        if failure.status in GONE:
            # The user blocked or removed the app. A claim card or status message goes by email
            # instead; an in-place update or a partner notice has nowhere else to go.
            reason = f"Teams refused the message ({failure})"
            if delivery.kind in (DeliveryKind.CLAIM, DeliveryKind.STATUS) and item.contact is not None:
                if await self._store.fall_back_to_email(delivery.id, self._owner, now, reason):
                    self._count(item, "fallback_email")
                    self.wake()
                return None
            if item.reference is not None:
                await self._store.mark_reference_dead(item.reference.conversation_id, now, str(failure))
            return DeliveryOutcome(delivery.id, DeliveryStatus.FAILED, now, error=reason)
        if failure.status == 429:
            self._metrics.throttled.inc()
        retryable = failure.status is None or failure.status in RETRYABLE
        return retry_or_fail(delivery, retryable, str(failure), failure.retry_after)


def delivery_worker(
    settings: Settings,
    store: Store,
    sender: CardSender,
    *,
    mailer: Mailer | None = None,
    metrics: Metrics | None = None,
    links: LinkSigner | None = None,
) -> DeliveryWorker:
    """The worker as the settings describe it (used by the service and by `cpor-bot work`); contacts'
    links are signed with `links`, or with the keys the settings name."""
    return DeliveryWorker(
        store,
        sender,
        poll_seconds=settings.delivery_poll_seconds,
        mailer=mailer or mailer_from_settings(settings),
        mail=mail_identity(settings),
        metrics=metrics,
        lease_for=dt.timedelta(seconds=settings.delivery_lease_seconds),
        links=links or LinkSigner.from_settings(settings),
        links_base=public_base(settings),
    )


def mail_identity(settings: Settings) -> MailIdentity:
    """Who the emails come from, as the settings name it."""
    return MailIdentity(
        settings.mail_from, settings.mail_from_name, settings.outlook_originator, settings.sender_name
    )
