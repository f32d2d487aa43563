"""What the delivery tests share: a claim for Fabrikam, and its contact's chat with the fake Bot Connector."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.domain.claims import Claim, Contact, Status
from bot.mail.identity import MailIdentity
from bot.store import Store, StoredReference
from tests.fakes import FakeConnector
from tests.outbox_seed import notify_installed_contacts

# Who the emails come from, as the service's settings would name it.
MAIL = MailIdentity(
    "cpor@contoso.example", "Contoso via CPOR explained", "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"
)
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CONVERSATION = "a:1Hx9sQ0vT5bKc3Zr8mP2yLw7Nf4Dj6Ge1Ua0Ok5Ri9Vt3Xs8Yq2Wp7Mn4Lb6Jh"


async def setup_claim(store: Store, connector: FakeConnector, *, installed: bool = True) -> Claim:
    now = dt.datetime.now(dt.UTC)
    partner = await store.create_partner("Contoso Partners")
    claim = Claim(
        id="claim-1",
        partner_id=partner.id,
        customer_tenant_id=TENANT,
        customer_name="Fabrikam Ltd",
        solution_area="modern_work_security",
        workloads=("teams", "exchange"),
        status=Status.UNDER_REVIEW,
        submitted_on=now.date(),
        created_at=now,
        updated_at=now,
        contacts=(Contact(id="c1", name="Megan Bowen", email="megan.bowen@fabrikam.example"),),
    )
    await store.create_claim(claim)
    if installed:
        await install(store, connector)
    return claim


async def install(store: Store, connector: FakeConnector) -> None:
    await store.save_reference(
        StoredReference(
            conversation_id=CONVERSATION,
            tenant_id=TENANT,
            aad_object_id="6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
            user_id="29:megan",
            email="megan.bowen@fabrikam.example",
            conversation_type="personal",
            channel_id="msteams",
            service_url=connector.url,
            reference={
                "activityId": None,
                "user": {"id": "29:megan", "aadObjectId": "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"},
                "bot": {"id": "28:9e0b9a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b", "name": "CPOR explained"},
                "conversation": {"id": CONVERSATION, "conversationType": "personal", "tenantId": TENANT},
                "channelId": "msteams",
                "locale": "en-GB",
                "serviceUrl": connector.url,
            },
            updated_at=dt.datetime.now(dt.UTC),
        )
    )


async def only_delivery(store: Store) -> Any:
    (delivery,) = await store.deliveries_for_claim("claim-1")
    return delivery


async def add_installed_contacts(store: Store, service_url: str, count: int) -> None:
    """`count` claims in one tenant, each with one contact (c{n}) who has the app in a chat of their
    own (a:conversation-{n}), each notified in Teams."""
    await notify_installed_contacts(
        store,
        service_url,
        count,
        tenant_of=lambda n: TENANT,
        conversation_of=lambda n, _: f"a:conversation-{n}",
    )
