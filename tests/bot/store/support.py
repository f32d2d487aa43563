"""Sample claims and references for the store's contract tests."""

from __future__ import annotations

import datetime as dt

from bot.domain.claims import Claim, Contact, Status
from bot.store import StoredReference

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def make_claim(partner_id: str, claim_id: str = "claim-1", **overrides: object) -> Claim:
    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    values: dict[str, object] = {
        "id": claim_id,
        "partner_id": partner_id,
        "customer_tenant_id": TENANT,
        "customer_name": "Fabrikam Ltd",
        "solution_area": "modern_work_security",
        "workloads": ("teams", "exchange"),
        "status": Status.SUBMITTED,
        "submitted_on": now.date(),
        "created_at": now,
        "updated_at": now,
        "contacts": (
            Contact(id=f"{claim_id}-c1", name="Megan Bowen", email="Megan.Bowen@fabrikam.example"),
            Contact(
                id=f"{claim_id}-c2",
                name="Lee Gu",
                email="lee.gu@fabrikam.example",
                aad_object_id="11111111-2222-3333-4444-555555555555",
                locale="de-DE",
            ),
        ),
        "message": "Thanks for working with us.",
    }
    values.update(overrides)
    return Claim(**values)  # type: ignore[arg-type]


def reference(conversation_id: str, *, aad: str | None = None, email: str | None = None) -> StoredReference:
    return StoredReference(
        conversation_id=conversation_id,
        tenant_id=TENANT,
        aad_object_id=aad,
        user_id="29:user",
        email=email,
        conversation_type="personal",
        channel_id="msteams",
        service_url="https://smba.trafficmanager.net/emea/",
        reference={"conversation": {"id": conversation_id}},
        updated_at=dt.datetime.now(dt.UTC),
    )
