"""From stored claims to the data the cards take (cards never see the store or the catalog)."""

from __future__ import annotations

from bot.claims import Claim
from bot.workloads import catalog
from cards.model import ClaimSummary, WorkloadLine


def claim_summary(claim: Claim, partner_name: str) -> ClaimSummary:
    cat = catalog()
    area = cat.areas.get(claim.solution_area)
    return ClaimSummary(
        claim_id=claim.id,
        partner_name=partner_name,
        customer_name=claim.customer_name,
        solution_area=area.name if area else claim.solution_area,
        workloads=tuple(
            WorkloadLine(name=cat.workloads[w].name, plain=cat.workloads[w].plain)
            if w in cat.workloads
            else WorkloadLine(name=w, plain="")
            for w in claim.workloads
        ),
        status=claim.status.value,
        submitted_on=claim.submitted_on,
        partner_message=claim.message,
        partner_reference=claim.partner_reference,
    )
