"""The input the card builders take: plain, frozen data with no behaviour.

Everything typed by a partner (names, message, reference) is untrusted text. The builders escape it
before it reaches a card; nothing here cleans it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WorkloadLine:
    """One associated workload: Microsoft's product name and what it is in plain words.

    With `id` (the workload catalog's id), a card shows the catalogue's `workload.<id>` words in its
    own language; without it, or for an id the catalogue does not know, it shows `plain` as given.
    The product name is never translated."""

    name: str  # "Microsoft Teams"
    plain: str  # "Chat and teamwork" (English, or a custom workload's own words)
    id: str | None = None  # "teams": the catalog id, for the translated plain words


@dataclass(frozen=True, slots=True)
class WebLink:
    """A contact's own link to the claim's web page, and when it stops working. Made by the bot for
    one reader: a bearer secret, shown only in that reader's card and email."""

    url: str  # https://…/c/{token} (plain http only on a local service)
    expires_at: datetime.datetime  # aware: the cards show its date in UTC

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise ValueError("a web link is an http(s) address")
        if self.expires_at.utcoffset() is None:
            raise ValueError("a web link's expiry needs a time zone")

    @property
    def expires_on(self) -> datetime.date:
        """The day (UTC) the link stops working."""
        return self.expires_at.astimezone(datetime.UTC).date()


@dataclass(frozen=True, slots=True)
class ClaimSummary:
    """What the customer needs to know about one partner's CPOR claim."""

    claim_id: str
    partner_name: str  # operator-registered partner name (still untrusted text: escaped)
    customer_name: str  # typed by the partner: untrusted
    solution_area: str  # display name, e.g. "Modern Work and Security"
    workloads: tuple[WorkloadLine, ...]
    status: str  # one of bot.domain.claims.Status values, e.g. "under_review"
    submitted_on: datetime.date  # as the partner reports it; not shown for drafts
    partner_message: str | None = None  # typed by the partner: untrusted, shown as the partner's
    partner_reference: str | None = None  # the partner's own claim reference: untrusted
    # The catalog's id of the solution area ("business_applications"): the card then says what the area
    # is in its own language and picks the area's answers (one partner per subscription, not per
    # workload, for Business Applications). None: only the display name is known.
    solution_area_id: str | None = None
    # When the partner last told the app about this claim (its status included); None: the day it was
    # submitted. The cards show the status as the partner's report on this day.
    reported_on: datetime.date | None = None
    # Per-reader state the bot fills when it (re)builds the card for one person. The defaults are a
    # card nobody has acted on yet.
    acknowledged_by: str | None = None  # who selected "Got it" (a display name: untrusted text)
    acknowledged_on: datetime.date | None = None  # and when
    not_recognised_reported: bool = False  # the reader selected "I don't recognise this partner"
    question_sent: bool = False  # the reader sent the partner a question with this card
    web_link: WebLink | None = None  # the reader's own link to the claim's web page (None: no button)

    @property
    def status_reported_on(self) -> datetime.date:
        """The day the partner reported the status the card shows."""
        return self.reported_on or self.submitted_on

    @property
    def acknowledged(self) -> bool:
        """Whether someone selected "Got it" (a name, a date or both are known)."""
        return self.acknowledged_by is not None or self.acknowledged_on is not None
