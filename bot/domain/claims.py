"""Claims, contacts, statuses and the rules between them. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class Status(enum.StrEnum):
    """A CPOR claim's status as Partner Center shows it (CPOR fact 26, plus 18 for a decline)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    PARTNER_ACTION_REQUIRED = "partner_action_required"
    APPROVED = "approved"
    REJECTED = "rejected"
    DISPUTE = "dispute"
    REJECTED_FINAL = "rejected_final"
    CUSTOMER_DECLINED = "customer_declined"


# Which status may follow which. Partner Center moves a claim Draft → Submitted → Under review →
# Approved / Rejected / Partner action required; a rejection may be disputed once; the partner may
# disassociate (Rejected final) and the customer may decline an approved association.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED}),
    Status.SUBMITTED: frozenset({Status.UNDER_REVIEW, Status.REJECTED_FINAL}),
    Status.UNDER_REVIEW: frozenset(
        {Status.APPROVED, Status.REJECTED, Status.PARTNER_ACTION_REQUIRED, Status.REJECTED_FINAL}
    ),
    Status.PARTNER_ACTION_REQUIRED: frozenset({Status.UNDER_REVIEW, Status.REJECTED, Status.REJECTED_FINAL}),
    Status.APPROVED: frozenset({Status.CUSTOMER_DECLINED, Status.REJECTED_FINAL}),
    Status.REJECTED: frozenset({Status.DISPUTE, Status.REJECTED_FINAL}),
    Status.DISPUTE: frozenset({Status.APPROVED, Status.REJECTED_FINAL}),
    Status.REJECTED_FINAL: frozenset(),
    Status.CUSTOMER_DECLINED: frozenset(),
}


# Statuses the customer should hear about as a new message, not only as an updated card: once a
# claim is approved the customer is given the chance to decline it (CPOR fact 18).
NEEDS_CUSTOMER_ATTENTION = frozenset({Status.APPROVED})


class TransitionError(ValueError):
    """A status change the programme does not allow."""

    def __init__(self, current: Status, wanted: Status, reason: str) -> None:
        super().__init__(reason)
        self.current = current
        self.wanted = wanted


def check_transition(current: Status, wanted: Status, *, dispute_used: bool) -> None:
    """Raise TransitionError unless a claim in `current` may move to `wanted`."""
    if wanted not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none (final status)"
        raise TransitionError(
            current, wanted, f"A claim in '{current}' cannot move to '{wanted}'. Allowed: {allowed}."
        )
    if wanted is Status.DISPUTE and dispute_used:
        raise TransitionError(current, wanted, "A claim may be disputed only once.")


@dataclass(frozen=True, slots=True)
class Contact:
    """A person at the customer whom the partner named on the claim."""

    id: str
    name: str
    email: str
    aad_object_id: str | None = None
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """A partner's CPOR customer association, as the partner described it to us."""

    id: str
    partner_id: str
    customer_tenant_id: str
    customer_name: str
    solution_area: str
    workloads: tuple[str, ...]
    status: Status
    submitted_on: dt.date
    created_at: dt.datetime
    updated_at: dt.datetime
    contacts: tuple[Contact, ...] = ()
    partner_reference: str | None = None
    message: str | None = None
    locale: str | None = None
    dispute_used: bool = False
    extra: dict[str, str] = field(default_factory=dict)
