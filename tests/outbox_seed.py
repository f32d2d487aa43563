"""An outbox to send from: claims whose contacts have the app, notified in Teams, written through the
store as the service writes them. The delivery tests, the scale-out test and bench/fanout.py start
from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.domain.claims import Claim, Contact, Status
from bot.store import Store, StoredReference


def _own_chat(n: int, contact_id: str) -> str:
    return f"a:{contact_id}"


async def notify_installed_contacts(
    store: Store,
    service_url: str,
    claims: int,
    *,
    tenant_of: Callable[[int], str],
    conversation_of: Callable[[int, str], str] = _own_chat,
    contacts_per_claim: int = 1,
) -> None:
    """`claims` claims of one partner, claim n in tenant `tenant_of(n)`, each with `contacts_per_claim`
    contacts who have the app in a personal chat of their own (`conversation_of(n, contact id)`),
    each claim notified in Teams: one delivery queued per contact. A contact's id is c{n}, or
    c{n}-{i} when a claim has several; their email is that id at fabrikam.example."""
    now = dt.datetime.now(dt.UTC)
    partner = await store.create_partner("Contoso Partners")
    for n in range(claims):
        tenant = tenant_of(n)
        ids = [f"c{n}"] if contacts_per_claim == 1 else [f"c{n}-{i}" for i in range(contacts_per_claim)]
        contacts = tuple(
            Contact(id=cid, name=f"Contact {cid}", email=f"{cid}@fabrikam.example") for cid in ids
        )
        for contact in contacts:
            conversation = conversation_of(n, contact.id)
            await store.save_reference(
                StoredReference(
                    conversation_id=conversation,
                    tenant_id=tenant,
                    aad_object_id=None,
                    user_id=f"29:{contact.id}",
                    email=contact.email,
                    conversation_type="personal",
                    channel_id="msteams",
                    service_url=service_url,
                    reference={
                        "bot": {"id": "28:cpor"},
                        "user": {"id": f"29:{contact.id}"},
                        "conversation": {
                            "id": conversation,
                            "conversationType": "personal",
                            "tenantId": tenant,
                        },
                        "channelId": "msteams",
                        "serviceUrl": service_url,
                    },
                    updated_at=now,
                )
            )
        claim = Claim(
            id=f"claim-{n}",
            partner_id=partner.id,
            customer_tenant_id=tenant,
            customer_name=f"Customer {n}",
            solution_area="modern_work_security",
            workloads=("teams",),
            status=Status.UNDER_REVIEW,
            submitted_on=now.date(),
            created_at=now,
            updated_at=now,
            contacts=contacts,
        )
        await store.create_claim(claim)
        await store.create_notification(claim, f"n{n}", now, "teams")
