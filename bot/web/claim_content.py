"""What the claim page says, as plain text for the templates: the claim card's statements, from the
cards' catalogue with the same ids and facts (`cards/text/`), for one contact in one language.

The first view follows the claim card (`cards.claim`): who sent it and that Microsoft did not, what
the partner says it claimed and the status it reports, what the association gives and does not give,
Microsoft's page first among the links; then the reader's own answers and the forms, and behind
*More about this* the card's details and questions. Untrusted text (the partner's and customer's
names, the partner's words, the services' names, the reader's questions) goes through `plain`: one
line, invisible and bidi control characters dropped, capped as the card caps it. The templates
escape everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.claims import Claim, Contact
from bot.store import Response, ResponseKind
from bot.views import claim_summary
from bot.web.page_frame import claim_page_text
from cards import LINKS, verbs
from cards.claim import area_words, faq_entries, not_recognised_next_key, todo_key
from cards.common import (
    CLAIM_ID_LIMIT,
    CLOSED,
    CURRENT,
    FIRST_VIEW_SERVICES,
    HEADLINE_SERVICES,
    LABEL_LIMIT,
    MESSAGE_LIMIT,
    NAME_LIMIT,
    REFERENCE_LIMIT,
    SHORT_NAME_LIMIT,
    join_list,
    plain_words,
    sent_by,
    service_names,
)
from cards.i18n import Text, text_for
from cards.markdown import blank, plain
from cards.model import ClaimSummary, WorkloadLine

# What the page shows of the reader's own questions: the card keeps at most this many characters.
QUESTION_LIMIT = verbs.QUESTION_MAX_LENGTH


def own_responses(responses: Sequence[Response], contact: Contact) -> list[Response]:
    """The contact's own answers, oldest first: through this page (the contact id) or in Teams and
    Outlook (their Entra object id)."""
    return sorted(
        (
            r
            for r in responses
            if r.contact_id == contact.id
            or (contact.aad_object_id is not None and r.aad_object_id == contact.aad_object_id)
        ),
        key=lambda r: r.created_at,
    )


def _service(t: Text, w: WorkloadLine) -> str:
    """ "Chat and teamwork (Microsoft Teams)"; the name alone when there are no plain words."""
    name = plain(w.name, limit=LABEL_LIMIT)
    words = plain_words(t, w)
    return name if blank(words) else t("claim.service", plain=plain(words, limit=LABEL_LIMIT), name=name)


def _headline(t: Text, summary: ClaimSummary, partner: str) -> str:
    """As the card's: one or two services by name, more as a count; a draft is only planned."""
    draft = "_draft" if summary.status == "draft" else ""
    if len(summary.workloads) <= HEADLINE_SERVICES:
        services = join_list(t, service_names(summary.workloads, safe=False))
        return t(f"claim.headline_few{draft}", partner=partner, services=services)
    return t(f"claim.headline_many{draft}", partner=partner, count=len(summary.workloads))


def _gives(t: Text, status: str) -> str:
    """What the association gives: as current once approved, as a condition before, none once closed."""
    if status in CLOSED:
        return t("claim.gives_closed")
    return t("claim.gives" if status in CURRENT else "claim.gives_pending")


def _access(t: Text, summary: ClaimSummary, partner: str) -> dict[str, Any]:
    """The access card's explanation: what the association gives the partner, and what it does not."""
    if len(summary.workloads) > FIRST_VIEW_SERVICES:
        gets = t("access.gets_many", count=len(summary.workloads))
    else:
        gets = t("access.gets", services=join_list(t, service_names(summary.workloads, safe=False)))
    return {
        "summary": t("access.title", partner=partner),
        "intro": t("access.intro"),
        "gets_title": t("access.gets_title"),
        "gets": (gets, t("access.gets_example"), t("access.gets_source")),
        "not_title": t("access.not_title"),
        "not_given": (t("access.not_data"), t("access.not_admin"), t("access.not_billing")),
        "other_title": t("access.other_title"),
        "other": (t("access.other"), t("access.check")),
        "poe_title": t("access.poe_title"),
        "poe": (t("access.poe", partner=partner), t("access.poe_sow")),
    }


def _faq(t: Text, summary: ClaimSummary, short: str) -> list[tuple[str, tuple[str, ...]]]:
    """The card's questions and answers, in its order."""
    return faq_entries(t, summary, short, markdown=False)


def _details(t: Text, summary: ClaimSummary, partner: str) -> list[tuple[str, str]]:
    status = t.status(summary.status)
    rows = [
        (t("claim.details.fact_partner"), partner),
        (t("claim.details.fact_customer"), plain(summary.customer_name, limit=NAME_LIMIT)),
        (t("claim.details.fact_area"), area_words(t, summary, markdown=False)),
    ]
    if summary.status != "draft":  # a draft has not been submitted
        rows.append((t("claim.details.fact_submitted"), t.date(summary.submitted_on, markdown=False)))
    rows += [
        (t("claim.details.fact_status"), t("claim.status_value", label=status.label, meaning=status.meaning)),
        (t("claim.details.fact_claim_id"), plain(summary.claim_id, limit=CLAIM_ID_LIMIT)),
    ]
    return rows


def _state(t: Text, summary: ClaimSummary, mine: Sequence[Response]) -> list[str]:
    """Whether the reader needs to do anything, and who selected Got it (as the card says it)."""
    if any(r.kind == ResponseKind.NOT_RECOGNISED for r in mine):
        return [t("claim.state.not_recognised"), t(not_recognised_next_key(summary))]
    lines = [t(todo_key(summary))]
    name = plain(summary.acknowledged_by, limit=NAME_LIMIT) if summary.acknowledged_by else ""
    day = t.date(summary.acknowledged_on, markdown=False) if summary.acknowledged_on else ""
    if name and day:
        lines.append(t("claim.state.acknowledged_by_on", name=name, date=day))
    elif name:
        lines.append(t("claim.state.acknowledged_by", name=name))
    elif summary.acknowledged:
        lines.append(t("claim.state.acknowledged_on", date=day))
    return lines


def _answers(t: Text, words: dict[str, str], mine: Sequence[Response], short: str) -> list[dict[str, str]]:
    out = []
    for response in mine:
        day = t.date(response.created_at.date(), markdown=False)
        if response.kind == ResponseKind.ACKNOWLEDGED:
            out.append({"line": words["page.answer_acknowledged"].format(date=day), "text": ""})
        elif response.kind == ResponseKind.NOT_RECOGNISED:
            line = words["page.answer_not_recognised"].format(date=day, partner=short)
            out.append({"line": line, "text": ""})
        else:
            text = plain(response.text or "", limit=QUESTION_LIMIT)
            out.append({"line": words["page.answer_question"].format(date=day), "text": text})
    return out


def claim_page(
    claim: Claim,
    partner_name: str,
    contact: Contact,
    responses: Sequence[Response],
    *,
    locale: str,
    sender: str | None,
) -> dict[str, Any]:
    """Everything the claim page shows one contact, in `locale`, as plain text."""
    t = text_for(locale)
    words = dict(claim_page_text(locale))
    first_ack = next((r for r in responses if r.kind == ResponseKind.ACKNOWLEDGED), None)
    summary = claim_summary(
        claim,
        partner_name,
        acknowledged_by=(first_ack.user_name or None) if first_ack else None,
        acknowledged_on=first_ack.created_at.date() if first_ack else None,
    )
    partner = plain(partner_name, limit=NAME_LIMIT)
    short = plain(partner_name, limit=SHORT_NAME_LIMIT)
    status = t.status(summary.status)
    mine = own_responses(responses, contact)
    message = None if blank(claim.message) else plain(claim.message or "", limit=MESSAGE_LIMIT)
    reference = (
        None
        if blank(claim.partner_reference)
        else plain(claim.partner_reference or "", limit=REFERENCE_LIMIT)
    )
    return {
        "title": words["page.claim_title"].format(partner=short),
        "sent_by": sent_by(t, partner_name, sender, safe=False),
        "headline": _headline(t, summary, partner),
        "services_label": t("claim.fact_services"),
        "services": [_service(t, w) for w in summary.workloads],
        "status_label": t("claim.fact_status"),
        "status": t(
            "claim.status_reported",
            label=status.label,
            partner=short,
            date=t.date(summary.status_reported_on, markdown=False),
        ),
        "meaning_label": t("status_changed.fact_now"),
        "meaning": status.meaning,
        "partner_words": None
        if message is None and reference is None
        else {
            "summary": t("claim.show_partner_words", partner=short),
            "intro": t("claim.partner_words.intro", partner=partner),
            "message": message,
            "reference_title": t("claim.partner_words.reference_title"),
            "reference": reference,
        },
        "gives": _gives(t, summary.status),
        "other_access": t("claim.other_access"),
        "access": _access(t, summary, partner),
        "links_heading": words["page.links_heading"],
        "links": [
            {"href": LINKS["about_cpor"], "text": t("app.open_about_cpor")},  # Microsoft's own page first
            {"href": LINKS["partner_relationships"], "text": t("claim.check_access")},
            {"href": LINKS["how_it_works"], "text": t("app.open_how_it_works")},
        ],
        "answers_heading": words["page.answers_heading"],
        "state": _state(t, summary, mine),
        "answers": _answers(t, words, mine, short),
        "no_answers": words["page.no_answers"],
        "act": {
            "heading": words["page.act_heading"].format(partner=short),
            "note": t("claim.buttons_note"),
            "acknowledge": None
            if any(r.kind == ResponseKind.ACKNOWLEDGED for r in mine)
            else t("claim.acknowledge"),
            "not_recognised": None
            if any(r.kind == ResponseKind.NOT_RECOGNISED for r in mine)
            else t("claim.not_recognised", partner=short),
            "ask_heading": t("claim.ask_short"),
            "ask_label": t("claim.ask.label", partner=partner),
            "ask_note": t("claim.ask.note"),
            "send": t("claim.ask.send"),
            "max_length": verbs.QUESTION_MAX_LENGTH,
        },
        "more": {
            "summary": t("claim.show_more"),
            "details_heading": t("claim.show_details"),
            "details": _details(t, summary, partner),
            "services_heading": t("claim.details.fact_services"),
            "services": [
                (plain(w.name, limit=LABEL_LIMIT), plain(plain_words(t, w) or "\u2013", limit=LABEL_LIMIT))
                for w in summary.workloads
            ],
            "from_partner": t("claim.details.from_partner", partner=partner),
            "next_title": t("claim.details.next_title"),
            "next": status.next,
            "faq_heading": t("claim.show_faq"),
            "faq": _faq(t, summary, short),
        },
    }
