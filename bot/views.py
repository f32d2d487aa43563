"""From stored claims and responses to the data the cards take, for one reader.

Cards never see the store or the catalog: this is the one place that translates between them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import cards
from bot.domain.claims import Claim, Status
from bot.domain.workloads import catalog
from bot.store import Response, ResponseKind
from bot.web.links import LinkSigner, contact_url
from cards.elements import REFRESH_USERS_LIMIT
from cards.model import ClaimSummary, WebLink, WorkloadLine
from cards.partner import partner_notice_card


def web_link(signer: LinkSigner, base_url: str, claim_id: str, contact_id: str, now: dt.datetime) -> WebLink:
    """A contact's own link to the claim's web page, made `now`, and when it stops working."""
    token = signer.token_for(claim_id, contact_id, now)
    return WebLink(url=contact_url(base_url, token), expires_at=signer.expires_at(now))


def claim_summary(claim: Claim, partner_name: str, **reader_state: Any) -> ClaimSummary:
    cat = catalog()
    area = cat.areas.get(claim.solution_area)
    return ClaimSummary(
        claim_id=claim.id,
        partner_name=partner_name,
        customer_name=claim.customer_name,
        solution_area=area.name if area else claim.solution_area,
        solution_area_id=claim.solution_area if area else None,
        workloads=tuple(
            WorkloadLine(name=cat.workloads[w].name, plain=cat.workloads[w].plain, id=w)
            if w in cat.workloads
            else WorkloadLine(name=w, plain="")
            for w in claim.workloads
        ),
        status=claim.status.value,
        submitted_on=claim.submitted_on,
        reported_on=claim.updated_at.date(),  # the partner's latest word on this claim
        partner_message=claim.message,
        partner_reference=claim.partner_reference,
        **reader_state,
    )


@dataclass(frozen=True, slots=True)
class ClaimView:
    """A claim as one reader sees it: the first acknowledgement, and what this reader has done."""

    claim: Claim
    partner_name: str
    responses: tuple[Response, ...] = ()
    viewer_aad_object_id: str | None = None
    viewer_contact_id: str | None = None  # the claim's contact reading, if the reader is one
    locale: str = "en"
    host: str = "teams"
    originator: str | None = None
    sender: str | None = None  # SENDER_NAME: who runs the app (None: the partner itself)
    refresh_user_ids: tuple[str, ...] = ()
    question_sent: bool = False
    web_link: WebLink | None = None  # the reader's own link (a contact's): a button on the claim card

    def _mine(self, kind: str) -> bool:
        return any(
            r.kind == kind
            and (
                (r.aad_object_id and r.aad_object_id == self.viewer_aad_object_id)
                or (r.contact_id and r.contact_id == self.viewer_contact_id)
            )
            for r in self.responses
        )

    def summary(self) -> ClaimSummary:
        first_ack = next((r for r in self.responses if r.kind == ResponseKind.ACKNOWLEDGED), None)
        return claim_summary(
            self.claim,
            self.partner_name,
            acknowledged_by=(first_ack.user_name or None) if first_ack else None,
            acknowledged_on=first_ack.created_at.date() if first_ack else None,
            not_recognised_reported=self._mine(ResponseKind.NOT_RECOGNISED),
            question_sent=self.question_sent,
            web_link=self.web_link,
        )

    def claim_card(self) -> dict[str, Any]:
        return cards.claim_card(
            self.summary(),
            host=self.host,
            locale=self.locale,
            originator=self.originator,
            sender=self.sender,
            refresh_user_ids=self.refresh_user_ids[:REFRESH_USERS_LIMIT],
        )

    def access_card(self) -> dict[str, Any]:
        summary = self.summary()
        return cards.access_card(
            summary.partner_name,
            summary.workloads,
            host=self.host,
            locale=self.locale,
            originator=self.originator,
            sender=self.sender,
            claim_id=self.claim.id,
        )

    def partner_notice_card(self, response: Response) -> dict[str, Any]:
        """For a partner user in Teams: what the customer did with the card."""
        return partner_notice_card(
            self.summary(),
            response.kind,
            user_name=response.user_name,
            text=response.text,
            customer_name=self.claim.customer_name,
            locale="en",
        )

    def status_changed_card(self, old_status: Status) -> dict[str, Any]:
        return cards.status_changed_card(
            self.summary(),
            old_status.value,
            host=self.host,
            locale=self.locale,
            originator=self.originator,
            sender=self.sender,
        )
