"""Fills a store for `bench/scale.py`: bulk SQL through the store's own connection (executemany in a
few transactions), the rows as the store itself writes them (bot/store/sql/claims.py, deliveries.py,
outbox.py, references.py, partners.py): a claim with its workloads, its contacts and its
`claim.created` audit line; one notification per claim, already sent (a Teams message to the contact
who has the app, an email to the other), with its `claim.notified` audit line; one conversation
reference per contact who has the app.

The layout, for N claims (the probe rows first, then N minus them in the background):

- the probe: `probe` claims of the measured partner ("Contoso Partners") for the probe tenant
  (Fabrikam), the newest in the store, not notified yet, each first contact with a chat of their
  own. The requests measured act on these: notifications go to them, and the `claims` command, from
  Megan Bowen (the Teams user of tests/fixtures/activities/message_help.json, whose chat is stored),
  lists them.
- the background: 10 partners, the measured one with half of the claims; 1 claim in 100 for the probe
  tenant (from every partner, Megan Bowen the first contact of 1 in 10), the others spread over N/5 tenants;
  created over the past year.
- contacts: two per claim; the first has an Entra object id and the app (a conversation reference),
  the second only an email address; references are topped up to N with some second contacts'.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.partner_api.keys import new_key
from bot.store import Channel, DeliveryKind, DeliveryStatus, Status, Store, ts
from tests.support import load_fixture

PARTNER = "Contoso Partners"
PARTNERS = 10
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # the fixture's tenant: the probe tenant
AREA = "modern_work_security"
WORKLOADS = ("teams", "exchange", "intune")
STATUSES = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.APPROVED, Status.PARTNER_ACTION_REQUIRED)
BATCH = 5000  # rows per executemany
MESSAGE = "We helped your team roll out Teams and Intune between August and October."


@dataclass(frozen=True)
class Filled:
    key: str  # the measured partner's key
    partner_id: str
    probe_claim_ids: list[str]  # newest first
    claims: int
    contacts: int
    references: int
    deliveries: int
    seconds: float


def help_activity(service_url: str) -> dict[str, Any]:
    """The fixture's "help" message, its replies sent to `service_url`."""
    activity: dict[str, Any] = load_fixture("activities/message_help.json")
    activity["serviceUrl"] = service_url
    return activity


def _reference_template(service_url: str) -> dict[str, Any]:
    activity = Activity().deserialize(help_activity(service_url))
    serialized: dict[str, Any] = TurnContext.get_conversation_reference(activity).serialize()
    return serialized


def _uid(kind: str, n: int) -> str:
    """A stable UUID per row, so a run is the same whichever engine it fills."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cpor-scale:{kind}:{n}"))


class _Rows:
    """The rows of every table, collected in batches and written in one transaction each."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.tables: dict[str, tuple[str, list[tuple[Any, ...]]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: str, sql: str, row: tuple[Any, ...]) -> None:
        entry = self.tables.setdefault(table, (sql, []))
        entry[1].append(row)
        self.counts[table] = self.counts.get(table, 0) + 1

    async def flush(self, *, force: bool = False) -> None:
        if not force and max((len(rows) for _, rows in self.tables.values()), default=0) < BATCH:
            return
        # test-only style access to the store's own connection: a bulk fill, not a store method
        async with self.store._tx() as db:  # type: ignore[attr-defined]  # noqa: SLF001
            for sql, rows in self.tables.values():  # insertion order: parents first
                if rows:
                    await db.executemany(sql, rows)
                    rows.clear()


INSERT = {
    "claims": "INSERT INTO claims (id, partner_id, customer_tenant_id, customer_name, solution_area, "
    "status, submitted_on, partner_reference, message, locale, dispute_used, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "claim_workloads": "INSERT INTO claim_workloads (claim_id, workload_id, position) VALUES (?, ?, ?)",
    "contacts": "INSERT INTO contacts (id, claim_id, position, name, email, aad_object_id, locale) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "conversation_refs": "INSERT INTO conversation_refs (conversation_id, tenant_id, aad_object_id, "
    "user_id, email, conversation_type, channel_id, service_url, reference_json, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "notifications": "INSERT INTO notifications (id, claim_id, partner_id, kind, channel, messages, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "deliveries": "INSERT INTO deliveries (id, notification_id, claim_id, contact_id, channel, kind, "
    "target_activity_id, response_id, dedupe_key, status, conversation_id, activity_id, attempts, "
    "next_attempt_at, last_error, created_at, updated_at, sent_at) "
    "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, 1, ?, NULL, ?, ?, ?)",
    "audit_log": "INSERT INTO audit_log (id, at, actor, action, subject, detail_json) "
    "VALUES (?, ?, ?, ?, ?, ?)",
}


async def fill(store: Store, *, claims: int, probe: int, service_url: str) -> Filled:
    """`claims` claims in all (at least `probe`), the probe's the newest; see the module's notes."""
    import time

    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    measured = await store.create_partner(PARTNER)
    plain, record = new_key(measured.id, "scale benchmark")
    await store.add_partner_key(record)
    others = [measured.id] + [
        (await store.create_partner(f"Scale Partner {n}")).id for n in range(1, PARTNERS)
    ]
    template = _reference_template(service_url)
    megan = template["user"]
    megan_conversation = template["conversation"]["id"]
    rows = _Rows(store)
    background = max(0, claims - probe)
    tenants = max(1, background // 5)
    year = dt.timedelta(days=365)
    references = 0

    def reference(conversation_id: str, tenant: str, aad: str | None, user_id: str, email: str) -> None:
        nonlocal references
        conversation = {**template["conversation"], "id": conversation_id, "tenantId": tenant}
        body = {
            **template,
            "conversation": conversation,
            "user": {"id": user_id, "name": "Contact", "aadObjectId": aad},
        }
        at = ts(now - year)
        rows.add(
            "conversation_refs",
            INSERT["conversation_refs"],
            (conversation_id, tenant, aad, user_id, email, "personal", "msteams", service_url,
             json.dumps(body, separators=(",", ":")), at, at),
        )  # fmt: skip
        references += 1

    # Megan's own chat: she has the app; the `claims` command comes from it.
    reference(
        megan_conversation, TENANT, megan["aadObjectId"].lower(), megan["id"], "megan.bowen@fabrikam.example"
    )
    probe_ids: list[str] = []
    total = background + probe
    for n in range(total):
        is_probe = n >= background  # the probe's claims come last, so they are the newest
        created = (
            now - year + (year * n) / max(1, total) if not is_probe else now - dt.timedelta(seconds=total - n)
        )
        claim_id = _uid("claim", n)
        if is_probe:
            partner_id, tenant = measured.id, TENANT
            probe_ids.append(claim_id)
        else:
            partner_id = measured.id if n % 2 == 0 else others[1 + (n // 2) % (PARTNERS - 1)]
            tenant = TENANT if n % 100 == 7 else _uid("tenant", n % tenants)
        status = STATUSES[n % len(STATUSES)]
        rows.add(
            "claims",
            INSERT["claims"],
            (claim_id, partner_id, tenant, f"Customer {n}", AREA, status.value, created.date().isoformat(),
             f"PC-{n}", MESSAGE, None, 0, ts(created), ts(created)),
        )  # fmt: skip
        for position, workload in enumerate(WORKLOADS):
            rows.add("claim_workloads", INSERT["claim_workloads"], (claim_id, workload, position))
        # Megan is the first contact of 1 in 10 of her tenant's claims; the probe's are people of their own.
        to_megan = tenant == TENANT and not is_probe and n % 1000 == 7
        first = (
            ("Megan Bowen", "megan.bowen@fabrikam.example", megan["aadObjectId"].lower())
            if to_megan
            else (f"Contact {n} A", f"a{n}@t{n % tenants}.example", _uid("aad", n))
        )
        contact_ids = (_uid("contact-a", n), _uid("contact-b", n))
        contacts = (first, (f"Contact {n} B", f"b{n}@t{n % tenants}.example", None))
        for position, (name, email, aad) in enumerate(contacts):
            rows.add(
                "contacts",
                INSERT["contacts"],
                (contact_ids[position], claim_id, position, name, email, aad, "en-GB"),
            )
        rows.add(
            "audit_log",
            INSERT["audit_log"],
            (_uid("audit-created", n), ts(created), f"partner:{partner_id}", "claim.created", claim_id,
             json.dumps({"status": status.value}, sort_keys=True)),
        )  # fmt: skip
        first_conversation = megan_conversation if to_megan else f"a:scale-{n}"
        if not to_megan:
            reference(first_conversation, tenant, first[2], f"29:scale-{n}", first[1])
        if not is_probe:  # the background was notified once, long ago, and every message went out
            notified = created + dt.timedelta(minutes=1)
            notification_id = _uid("notification", n)
            rows.add(
                "notifications",
                INSERT["notifications"],
                (notification_id, claim_id, partner_id, DeliveryKind.CLAIM, Channel.AUTO, 2, ts(notified)),
            )
            for position, (channel, conversation) in enumerate(
                ((Channel.TEAMS, first_conversation), (Channel.EMAIL, None))
            ):
                contact_id = contact_ids[position]
                sent = ts(notified + dt.timedelta(seconds=1))
                rows.add(
                    "deliveries",
                    INSERT["deliveries"],
                    (_uid(f"delivery-{position}", n), notification_id, claim_id, contact_id, channel,
                     DeliveryKind.CLAIM, f"{notification_id}:{contact_id}:{channel}:{DeliveryKind.CLAIM}",
                     DeliveryStatus.SENT, conversation, f"1:{n}-{position}" if conversation else None,
                     ts(notified), ts(notified), sent, sent),
                )  # fmt: skip
            rows.add(
                "audit_log",
                INSERT["audit_log"],
                (_uid("audit-notified", n), ts(notified), f"partner:{partner_id}", "claim.notified", claim_id,
                 json.dumps({"notification_id": notification_id, "contacts": 2, "channel": Channel.AUTO},
                            sort_keys=True)),
            )  # fmt: skip
        await rows.flush()
    # Top the references up to one per claim with second contacts who have the app too.
    n = 0
    while references < total and n < background:
        if n % 100 != 7:
            reference(
                f"b:scale-{n}",
                _uid("tenant", n % tenants),
                None,
                f"29:scale-b-{n}",
                f"b{n}@t{n % tenants}.example",
            )
        n += 1
        if n % BATCH == 0:
            await rows.flush()
    await rows.flush(force=True)
    return Filled(
        key=plain,
        partner_id=measured.id,
        probe_claim_ids=list(reversed(probe_ids)),
        claims=rows.counts.get("claims", 0),
        contacts=rows.counts.get("contacts", 0),
        references=rows.counts.get("conversation_refs", 0),
        deliveries=rows.counts.get("deliveries", 0),
        seconds=round(time.perf_counter() - started, 2),
    )
