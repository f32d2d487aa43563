"""Cards for partner users in Teams: what a customer did with a card, and the claim form.

Same rules as the customer cards: pure, escaped input, catalogue text (`partner.*`, `compose.*`).
Everything a customer typed (a question, a name) is labelled as theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cards.common import LABEL_LIMIT, NAME_LIMIT, services_short
from cards.elements import Card, Element, action_set, envelope, execute, fact_set, heading, quote, text_block
from cards.i18n import text_for
from cards.markdown import blank, escape, for_speech, plain
from cards.model import ClaimSummary
from cards.verbs import QUESTION_MAX_LENGTH

RESPONSE_KINDS = ("acknowledged", "not_recognised", "question")

# The claim form's inputs, in order, and the limits the partner API applies to them.
COMPOSE_FIELDS = (
    "customer_tenant_id",
    "customer_name",
    "solution_area",
    "workloads",
    "contact_name",
    "contact_email",
    "message",
)
COMPOSE_SEND = "compose.send"


def partner_notice_card(
    summary: ClaimSummary,
    kind: str,
    *,
    user_name: str | None,
    text: str | None,
    customer_name: str,
    host: str = "teams",
    locale: str = "en",
) -> Card:
    """For a partner user: a customer acknowledged the card, doesn't recognise the partner, or asked."""
    if kind not in RESPONSE_KINDS:
        raise ValueError(f"unknown response kind {kind!r}")
    t = text_for(locale)
    customer = escape(customer_name, limit=NAME_LIMIT)
    who = t("partner.someone")
    if user_name is not None and not blank(user_name):
        who = escape(user_name, limit=NAME_LIMIT)
    body: list[Element] = [
        heading(t(f"partner.title_{kind}", customer=customer), host=host, size="medium"),
        fact_set(
            [
                (t("partner.fact_from"), who),
                (t("partner.fact_customer"), customer),
                (t("partner.fact_services"), services_short(t, summary.workloads)),
                (t("partner.fact_status"), t.status(summary.status).label),
            ]
        ),
    ]
    if kind == "question" and text is not None and not blank(text):
        body += [
            heading(t("partner.question_title", who=who), host=host),
            quote(escape(text, limit=QUESTION_MAX_LENGTH)),
        ]
    body += [
        text_block(t(f"partner.next_{kind}")),
        text_block(t("partner.footer"), subtle=True, size="small", separator=True),
    ]
    said = t(f"partner.title_{kind}", customer=plain(customer_name, limit=NAME_LIMIT))
    return envelope(
        body,
        host=host,
        originator=None,
        fallback_text=said,
        speak=for_speech(said),
        lang=t.lang,
    )


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    title: str


def compose_card(
    areas: Sequence[Choice],
    workloads: Sequence[Choice],
    *,
    partner_name: str,
    form_id: str = "",
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    host: str = "teams",
    locale: str = "en",
) -> Card:
    """The claim form for a partner user: the same fields and rules as POST /api/claims, one contact.

    `values` refills the form after a failed send; `errors` (field → message) are shown under each
    field in words, not only in colour; `notice`, why a send with no field at fault did not go, above
    the fields."""
    t = text_for(locale)
    values = values or {}
    errors = errors or {}
    partner = escape(partner_name, limit=NAME_LIMIT)
    body: list[Element] = [
        heading(t("compose.title"), host=host, size="medium"),
        text_block(t("compose.intro", partner=partner), spacing="small"),
    ]
    if notice is not None and not blank(notice):
        why = text_block(escape(notice, limit=QUESTION_MAX_LENGTH), weight="bolder", spacing="medium")
        why["color"] = "attention"
        body.append(why)
    if errors:
        body.append(text_block(t("compose.has_errors"), weight="bolder", spacing="medium"))

    def field(element: Element, name: str) -> None:
        if name in values:
            element["value"] = values[name]
        body.append(element)
        if name in errors:
            error = text_block(t("compose.error", detail=escape(errors[name], limit=LABEL_LIMIT * 2)))
            error["color"] = "attention"
            error["spacing"] = "none"
            body.append(error)

    field(
        _text("customer_tenant_id", t("compose.tenant"), t("compose.tenant_hint"), 36, required=True),
        "customer_tenant_id",
    )
    field(
        _text("customer_name", t("compose.customer"), t("compose.customer_hint"), NAME_LIMIT, required=True),
        "customer_name",
    )
    field(_choices("solution_area", t("compose.area"), areas, multi=False), "solution_area")
    field(_choices("workloads", t("compose.workloads"), workloads, multi=True), "workloads")
    field(
        _text(
            "contact_name",
            t("compose.contact_name"),
            t("compose.contact_name_hint"),
            NAME_LIMIT,
            required=True,
        ),
        "contact_name",
    )
    contact_email = _text(
        "contact_email", t("compose.contact_email"), t("compose.contact_email_hint"), 254, required=True
    )
    contact_email["style"] = "email"
    field(contact_email, "contact_email")
    message = _text("message", t("compose.message"), t("compose.message_hint"), 500, required=False)
    message["isMultiline"] = True
    field(message, "message")
    # The form id makes a double click on Send create one claim, not two.
    body.append(action_set(execute(t("compose.send"), COMPOSE_SEND, {"form_id": form_id}, host=host)))
    said = t("compose.title")
    return envelope(body, host=host, originator=None, fallback_text=said, speak=for_speech(said), lang=t.lang)


def compose_done_card(
    summary: ClaimSummary, *, queued: int, waiting: int, host: str = "teams", locale: str = "en"
) -> Card:
    """After a send from the form: what was created and where the card went."""
    t = text_for(locale)
    customer = escape(summary.customer_name or "", limit=NAME_LIMIT)
    body: list[Element] = [
        heading(t("compose.done_title", customer=customer), host=host, size="medium"),
        fact_set(
            [
                (t("partner.fact_services"), services_short(t, summary.workloads)),
                (t("compose.done_sent"), t.number(queued)),
                (t("compose.done_waiting"), t.number(waiting)),
                (t("compose.done_claim"), escape(summary.claim_id, limit=64)),
            ]
        ),
        text_block(t("compose.done_next")),
    ]
    said = t("compose.done_title", customer=plain(summary.customer_name or "", limit=NAME_LIMIT))
    return envelope(body, host=host, originator=None, fallback_text=said, speak=for_speech(said), lang=t.lang)


def _text(input_id: str, label: str, placeholder: str, max_length: int, *, required: bool) -> Element:
    element: Element = {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "placeholder": placeholder,
        "maxLength": max_length,
    }
    if required:
        element["isRequired"] = True
        element["errorMessage"] = label
    return element


def _choices(input_id: str, label: str, choices: Sequence[Choice], *, multi: bool) -> Element:
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "isRequired": True,
        "errorMessage": label,
        "style": "compact" if not multi else "expanded",
        "choices": [{"title": escape(c.title, limit=LABEL_LIMIT * 2), "value": c.value} for c in choices],
    }
    if multi:
        element["isMultiSelect"] = True
    return element


__all__ = [
    "COMPOSE_FIELDS",
    "COMPOSE_SEND",
    "Choice",
    "compose_card",
    "compose_done_card",
    "partner_notice_card",
]
