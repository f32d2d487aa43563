"""The card builders: data in, Adaptive Card dict out. Pure: no I/O beyond the text catalogue.

Every value that came from outside (partner and customer names, the partner's message and reference,
workload names) goes through `escape` before it reaches a TextBlock or Fact, and through `plain`
before it reaches fallbackText, speak or a button title.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.elements import (
    Card,
    Element,
    action_set,
    bullets,
    envelope,
    fact_set,
    heading,
    open_url,
    quote,
    show_card,
    text_block,
)
from cards.i18n import EN, Text
from cards.markdown import escape, for_speech, plain
from cards.model import ClaimSummary, WorkloadLine

# Microsoft's public pages the cards link to: only links the fact sheet marks as verified.
LINKS: dict[str, str] = {
    "how_it_works": "https://learn.microsoft.com/en-us/partner-center/incentives/submit-osa-claim",
    "issues": "https://learn.microsoft.com/en-us/partner-center/incentives/incentives-customer-association-issues",
    "partner_relationships": "https://admin.microsoft.com/AdminPortal/Home#/partners",
}

NAME_LIMIT = 100  # partner and customer names
MESSAGE_LIMIT = 500  # the partner's message
REFERENCE_LIMIT = 60  # the partner's own claim reference
LABEL_LIMIT = 80  # solution area, workload names and descriptions
CLAIM_ID_LIMIT = 64
BUTTON_NAME_LIMIT = 30  # a partner name inside a button title
FIRST_VIEW_SERVICES = 3  # services listed in the claim card's first view
CLAIMS_LIMIT = 10  # claims listed in the claims list card

# Statuses after which there is nothing left to decline.
_CLOSED = frozenset({"rejected_final", "customer_declined"})

_T: Text = EN


def _join(items: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return _T("list.pair", first=items[0], second=items[1])
    return _T("list.series", items=_T("list.separator").join(items[:-1]), last=items[-1])


def _service_names(workloads: Sequence[WorkloadLine], *, safe: bool = True) -> list[str]:
    if safe:
        return [escape(w.name, limit=LABEL_LIMIT) for w in workloads]
    return [plain(w.name, limit=LABEL_LIMIT) for w in workloads]


def _services_plain_words(workloads: Sequence[WorkloadLine]) -> list[str]:
    """ "Chat and teamwork (Microsoft Teams)", escaped."""
    return [
        _T(
            "claim.service",
            plain=escape(w.plain, limit=LABEL_LIMIT),
            name=escape(w.name, limit=LABEL_LIMIT),
        )
        for w in workloads
    ]


def _access_body(partner: str, workloads: Sequence[WorkloadLine], *, title: bool) -> list[Element]:
    """What the partner gets and does not get. `partner` is already escaped."""
    body: list[Element] = []
    if title:
        body.append(heading(_T("access.title", partner=partner), size="medium"))
    body += [
        text_block(_T("access.intro", partner=partner)),
        heading(_T("access.gets_title", partner=partner)),
        text_block(_T("access.gets", services=_join(_service_names(workloads)))),
        text_block(_T("access.gets_example"), spacing="small"),
        text_block(_T("access.gets_source"), spacing="small"),
        heading(_T("access.not_title", partner=partner)),
        bullets([_T("access.not_data"), _T("access.not_admin"), _T("access.not_billing")]),
        heading(_T("access.poe_title")),
        text_block(_T("access.poe", partner=partner)),
        text_block(_T("access.poe_sow"), spacing="small"),
        text_block(_T("access.check"), separator=True),
    ]
    return body


def _footer(partner: str | None = None) -> Element:
    if partner is None:
        return text_block(_T("app.not_from_microsoft"), subtle=True, size="small", separator=True)
    return text_block(
        _T("app.card_not_from_microsoft", partner=partner), subtle=True, size="small", separator=True
    )


def access_card(
    partner_name: str,
    workloads: Sequence[WorkloadLine],
    *,
    host: str = "teams",
    originator: str | None = None,
) -> Card:
    """What a partner can and cannot see through a customer association."""
    partner = escape(partner_name, limit=NAME_LIMIT)
    body = _access_body(partner, workloads, title=True)
    body.append(_footer(partner))
    fallback = _T(
        "access.fallback",
        partner=plain(partner_name, limit=NAME_LIMIT),
        services=_join(_service_names(workloads, safe=False)),
    )
    speak = for_speech(_T("access.speak", partner=plain(partner_name, limit=NAME_LIMIT)))
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=fallback,
        speak=speak,
        actions=[
            open_url(_T("app.open_admin"), LINKS["partner_relationships"]),
            open_url(_T("app.open_microsoft"), LINKS["how_it_works"]),
        ],
    )


def _more_body(summary: ClaimSummary, partner: str) -> list[Element]:
    status = _T.status(summary.status)
    body: list[Element] = [
        heading(_T("claim.more.what_title")),
        text_block(_T("claim.more.what")),
        text_block(_T("claim.more.not_csp"), spacing="small"),
        text_block(_T("claim.more.one_partner"), spacing="small"),
        heading(_T("claim.more.why_title", partner=partner)),
        text_block(_T("claim.more.why")),
        text_block(_T("claim.more.why_link"), spacing="small"),
        heading(_T("claim.more.next_title")),
        text_block(status.next),
        text_block(_T("claim.more.notified"), spacing="small"),
    ]
    if summary.status not in _CLOSED:
        body.append(text_block(_T("claim.more.withdraw", partner=partner), spacing="small"))
    if len(summary.workloads) > FIRST_VIEW_SERVICES:
        body += [
            heading(_T("claim.more.services_title", count=len(summary.workloads))),
            fact_set(
                [
                    (escape(w.name, limit=LABEL_LIMIT), escape(w.plain, limit=LABEL_LIMIT))
                    for w in summary.workloads
                ]
            ),
        ]
    body += [
        text_block(
            _T("claim.more.claim_ref", claim_id=escape(summary.claim_id, limit=CLAIM_ID_LIMIT)),
            subtle=True,
            size="small",
            separator=True,
        ),
        text_block(
            _T("app.card_not_from_microsoft", partner=partner), subtle=True, size="small", spacing="small"
        ),
    ]
    return body


def _partner_words_body(summary: ClaimSummary, partner: str) -> list[Element]:
    body: list[Element] = [
        text_block(_T("claim.partner_words.intro", partner=partner), subtle=True),
    ]
    if summary.partner_message and summary.partner_message.strip():
        body += [
            heading(_T("claim.partner_words.message_title", partner=partner)),
            quote(escape(summary.partner_message, limit=MESSAGE_LIMIT)),
        ]
    if summary.partner_reference and summary.partner_reference.strip():
        body.append(
            fact_set(
                [
                    (
                        _T("claim.partner_words.reference_title", partner=partner),
                        escape(summary.partner_reference, limit=REFERENCE_LIMIT),
                    )
                ]
            )
        )
    return body


def claim_card(summary: ClaimSummary, *, host: str = "teams", originator: str | None = None) -> Card:
    """The card that explains one partner's claim to the customer."""
    if not summary.workloads:
        raise ValueError(f"claim {summary.claim_id!r} names no workloads")
    status = _T.status(summary.status)
    partner = escape(summary.partner_name, limit=NAME_LIMIT)
    customer = escape(summary.customer_name, limit=NAME_LIMIT)
    button_partner = plain(summary.partner_name, limit=BUTTON_NAME_LIMIT)
    count = len(summary.workloads)

    draft = "_draft" if summary.status == "draft" else ""
    if count == 1:
        headline = _T(
            f"claim.headline_one{draft}",
            partner=partner,
            customer=customer,
            service=escape(summary.workloads[0].name, limit=LABEL_LIMIT),
        )
    else:
        headline = _T(f"claim.headline_many{draft}", partner=partner, customer=customer, count=count)
    if count <= FIRST_VIEW_SERVICES:
        services = _T("claim.service_separator").join(_services_plain_words(summary.workloads))
    else:  # product names only, to keep the first view short; the full list is under "More"
        services = _T(
            "claim.services_more",
            items=_T("list.separator").join(_service_names(summary.workloads[:FIRST_VIEW_SERVICES])),
            count=count - FIRST_VIEW_SERVICES,
        )

    body: list[Element] = [
        text_block(headline, size="medium", weight="bolder"),
        text_block(_T("claim.association"), spacing="small"),
        fact_set(
            [
                (_T("claim.fact_partner"), partner),
                (_T("claim.fact_customer"), customer),
                (_T("claim.fact_area"), escape(summary.solution_area, limit=LABEL_LIMIT)),
                (_T("claim.fact_services"), services),
                (_T("claim.fact_submitted"), _T.date(summary.submitted_on)),
                (
                    _T("claim.fact_status"),
                    _T("claim.status_value", label=status.label, meaning=status.meaning),
                ),
            ]
        ),
    ]
    has_message = bool(summary.partner_message and summary.partner_message.strip())
    has_reference = bool(summary.partner_reference and summary.partner_reference.strip())
    if has_message or has_reference:  # the partner's own words, one click away and labelled
        body.append(
            action_set(
                show_card(
                    _T("claim.show_partner_words", partner=button_partner),
                    _partner_words_body(summary, partner),
                )
            )
        )
    # Buttons sit next to the text they expand, so each gets the width its title needs.
    body += [
        heading(_T("claim.gives_title", partner=partner)),
        bullets([_T("claim.gives_usage")]),
        heading(_T("claim.not_title")),
        bullets([_T("claim.not_data"), _T("claim.not_admin"), _T("claim.not_billing")]),
        action_set(
            show_card(
                _T("claim.show_access", partner=button_partner),
                _access_body(partner, summary.workloads, title=False),
                [open_url(_T("app.open_admin"), LINKS["partner_relationships"])],
            )
        ),
        heading(_T("claim.todo_title")),
        text_block(
            _T("claim.todo_closed") if summary.status in _CLOSED else _T("claim.todo", partner=partner)
        ),
    ]
    actions: list[Element] = [
        show_card(
            _T("claim.show_more"),
            _more_body(summary, partner),
            [open_url(_T("app.open_issues"), LINKS["issues"])],
        ),
        open_url(_T("app.open_microsoft"), LINKS["how_it_works"]),
    ]

    fallback = _T(
        "claim.fallback",
        partner=plain(summary.partner_name, limit=NAME_LIMIT),
        customer=plain(summary.customer_name, limit=NAME_LIMIT),
        services=_join(_service_names(summary.workloads, safe=False)),
        status=status.label,
    )
    speak = for_speech(
        _T(
            "claim.speak",
            partner=plain(summary.partner_name, limit=NAME_LIMIT),
            customer=plain(summary.customer_name, limit=NAME_LIMIT),
            count=count,
        )
    )
    return envelope(
        body, host=host, originator=originator, fallback_text=fallback, speak=speak, actions=actions
    )


def _commands() -> Element:
    return fact_set([(name, _T(f"command.{name}")) for name in ("help", "about", "claims")])


def welcome_card(*, host: str = "teams", originator: str | None = None) -> Card:
    """The first message after the app is installed: what it does and its commands."""
    body = [
        heading(_T("welcome.title"), size="medium"),
        text_block(_T("welcome.body")),
        heading(_T("welcome.commands_title")),
        _commands(),
        _footer(),
    ]
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=_T("welcome.fallback"),
        speak=for_speech(_T("welcome.speak")),
    )


def help_card(*, host: str = "teams", originator: str | None = None) -> Card:
    """The answer to "help": what the app does, its commands, whom to ask."""
    body = [
        heading(_T("help.title"), size="medium"),
        text_block(_T("help.body")),
        heading(_T("help.commands_title")),
        _commands(),
        text_block(_T("help.questions"), separator=True),
        _footer(),
    ]
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=_T("help.fallback"),
        actions=[open_url(_T("app.open_microsoft"), LINKS["how_it_works"])],
    )


def about_card(*, host: str = "teams", originator: str | None = None) -> Card:
    """The answer to "about": what a customer association (CPOR) is, in plain words."""
    body = [
        heading(_T("about.title"), size="medium"),
        text_block(_T("about.what")),
        text_block(_T("about.why")),
        text_block(_T("about.data")),
        text_block(_T("about.not_csp")),
        text_block(_T("about.customer")),
        text_block(_T("about.source"), subtle=True, size="small", separator=True),
        text_block(_T("app.not_from_microsoft"), subtle=True, size="small", spacing="small"),
    ]
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=_T("about.fallback"),
        speak=for_speech(_T("about.speak")),
        actions=[
            open_url(_T("app.open_microsoft"), LINKS["how_it_works"]),
            open_url(_T("app.open_issues"), LINKS["issues"]),
        ],
    )


def _claims_count(count: int) -> str:
    return _T("claims.count_one") if count == 1 else _T("claims.count_other", count=count)


def claims_list_card(
    summaries: Sequence[ClaimSummary], *, host: str = "teams", originator: str | None = None
) -> Card:
    """The claims about the user's organisation, in the order given (newest first), at most 10."""
    body: list[Element] = [heading(_T("claims.title"), size="medium")]
    if not summaries:
        body += [text_block(_T("claims.empty")), _footer()]
        return envelope(
            body,
            host=host,
            originator=originator,
            fallback_text=_T("claims.fallback_empty"),
            speak=for_speech(_T("claims.empty")),
        )
    body.append(text_block(_claims_count(len(summaries)), subtle=True, spacing="small"))
    for summary in summaries[:CLAIMS_LIMIT]:
        status = _T.status(summary.status)
        names = _service_names(summary.workloads[:FIRST_VIEW_SERVICES])
        services = _join(names)
        if len(summary.workloads) > FIRST_VIEW_SERVICES:
            services = _T(
                "list.more",
                items=_T("list.separator").join(names),
                count=len(summary.workloads) - FIRST_VIEW_SERVICES,
            )
        body.append(
            {
                "type": "Container",
                "separator": True,
                "spacing": "medium",
                "items": [
                    text_block(escape(summary.partner_name, limit=NAME_LIMIT), weight="bolder"),
                    text_block(services, spacing="none"),
                    text_block(
                        _T("claims.item_status", label=status.label, date=_T.date(summary.submitted_on)),
                        subtle=True,
                        spacing="none",
                    ),
                ],
            }
        )
    hidden = len(summaries) - CLAIMS_LIMIT
    if hidden > 0:
        more = _T("claims.more_one") if hidden == 1 else _T("claims.more_other", count=hidden)
        body.append(text_block(more, subtle=True, separator=True))
    body.append(_footer())
    partners = _join([plain(s.partner_name, limit=NAME_LIMIT) for s in summaries[:CLAIMS_LIMIT]])
    claims = _claims_count(len(summaries))
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=_T("claims.fallback", claims=claims, partners=partners),
        speak=for_speech(_T("claims.speak", claims=claims)),
    )
