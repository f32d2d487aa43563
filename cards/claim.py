"""The claim card: who sent it, what the partner says it claimed and the status it reports, what
the association gives and does not give, what the reader may do; details and the customer's
questions behind "More about this"."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date

from cards import verbs
from cards.common import (
    BUSINESS_APPLICATIONS,
    BUTTON_NAME_LIMIT,
    CLAIM_ID_LIMIT,
    CLOSED,
    CURRENT,
    FIRST_VIEW_SERVICES,
    HEADLINE_SERVICES,
    LABEL_LIMIT,
    LINKS,
    MESSAGE_LIMIT,
    NAME_LIMIT,
    REFERENCE_LIMIT,
    SHORT_NAME_LIMIT,
    about_cpor_link,
    card_only,
    claim_data,
    for_partners_link,
    join_list,
    sent_by,
    sent_by_block,
    service_names,
    services_facts,
    services_plain_words,
)
from cards.elements import (
    Card,
    Element,
    action_set,
    envelope,
    execute,
    fact_set,
    heading,
    open_url,
    quote,
    refresh,
    show_card,
    text_block,
    text_input,
)
from cards.i18n import Text, text_for
from cards.markdown import blank, escape, for_speech, plain
from cards.model import ClaimSummary

# --- the claim card ----------------------------------------------------------------------------


def _details_body(t: Text, host: str, summary: ClaimSummary, partner: str) -> list[Element]:
    """Behind "Claim details": every fact the partner gave about the claim, and what happens next."""
    status = t.status(summary.status)
    rows = [
        (t("claim.details.fact_partner"), partner),
        (t("claim.details.fact_customer"), escape(summary.customer_name, limit=NAME_LIMIT)),
        (t("claim.details.fact_area"), area_words(t, summary)),
    ]
    if summary.status != "draft":  # a draft has not been submitted
        rows.append((t("claim.details.fact_submitted"), t.date(summary.submitted_on)))
    rows += [
        (t("claim.details.fact_status"), t("claim.status_value", label=status.label, meaning=status.meaning)),
        (t("claim.details.fact_claim_id"), escape(summary.claim_id, limit=CLAIM_ID_LIMIT)),
    ]
    return [
        fact_set(rows),
        heading(t("claim.details.fact_services"), host=host),
        services_facts(t, summary.workloads),
        text_block(t("claim.details.from_partner", partner=partner), subtle=True, size="small"),
        heading(t("claim.details.next_title"), host=host),
        text_block(status.next),
    ]


def area_words(t: Text, summary: ClaimSummary, *, markdown: bool = True) -> str:
    """The solution area: what it is in the reader's language, with Microsoft's name for it (for the
    card, or as plain text for the claim page with `markdown=False`)."""
    name = (escape if markdown else plain)(summary.solution_area, limit=LABEL_LIMIT)
    key = f"area.{summary.solution_area_id}"
    if summary.solution_area_id is None or key not in t:
        return name
    return t("claim.service", plain=t(key), name=name)


def faq_entries(
    t: Text, summary: ClaimSummary, short: str, *, markdown: bool = True
) -> list[tuple[str, tuple[str, ...]]]:
    """The questions a customer still has, short, with their answers: behind "Questions and answers"
    on the card, and under *More about this* on the claim page (`markdown=False` there)."""
    expires = summary.web_link.expires_on if summary.web_link is not None else None
    closed = summary.status in CLOSED
    business = summary.solution_area_id == BUSINESS_APPLICATIONS
    return list(_faq_entries(t, closed, business, short, summary.status_reported_on, expires, markdown))


# The same for every claim of a partner with the same status and dates: a fan-out asks again and
# again (strings only, so what is shared cannot be changed).
@functools.lru_cache(maxsize=256)
def _faq_entries(
    t: Text, closed: bool, business: bool, short: str, reported_on: date, expires: date | None, markdown: bool
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    # Business Applications: one partner per subscription, and Dynamics 365 associations last as long
    # as their subscriptions (facts 21, 23); Modern Work and Security: per workload, no end date given.
    area = "_business" if business else ""
    qa: list[tuple[str, tuple[str, ...]]] = [
        (t("claim.faq.what_title"), (t("claim.faq.what"),)),
        (t("claim.faq.why_title"), (t("claim.faq.why"),)),
        (t("claim.faq.poe_title"), (t("claim.faq.poe"), t("claim.faq.poe_seen"))),
        (t("claim.faq.real_title"), (t("claim.faq.real"),)),
        (t("claim.faq.data_title"), (t("claim.faq.data"),)),
        (t("claim.faq.admin_title"), (t("claim.faq.admin"), t("claim.faq.admin_cpor"))),
        (t("claim.faq.one_title"), (t(f"claim.faq.one{area}"),)),
    ]
    if not closed:
        decline = (t("claim.faq.decline"), t("claim.faq.decline_how"), t("claim.faq.decline_effect"))
        qa.append((t("claim.faq.decline_title"), decline))
    fresh = t("claim.faq.fresh", partner=short, date=t.date(reported_on, markdown=markdown))
    qa += [
        (t("claim.faq.last_title"), (t(f"claim.faq.last{area}"),)),
        (t("claim.faq.ask_title"), (t("claim.faq.ask"),)),
        (t("claim.faq.fresh_title"), (fresh,)),
        (t("claim.faq.privacy_title"), (t("claim.faq.privacy"),)),
    ]
    if expires is not None:  # the reader's own link: why not to pass it on
        qa.append(
            (t("claim.faq.link_title"), (t("claim.faq.link", date=t.date(expires, markdown=markdown)),))
        )
    return tuple(qa)


def _faq_body(t: Text, host: str, summary: ClaimSummary, short: str) -> list[Element]:
    """Behind "Questions and answers": the questions a customer still has, short."""
    qa = faq_entries(t, summary, short)
    body: list[Element] = []
    for question, answers in qa:
        body.append(heading(question, host=host))
        body += [text_block(a, spacing="small" if i else None) for i, a in enumerate(answers)]
    return body


def _partner_words_body(t: Text, host: str, summary: ClaimSummary, partner: str) -> list[Element]:
    body: list[Element] = [
        text_block(t("claim.partner_words.intro", partner=partner), subtle=True),
    ]
    if summary.partner_message is not None and not blank(summary.partner_message):
        body.append(quote(escape(summary.partner_message, limit=MESSAGE_LIMIT)))
    if summary.partner_reference is not None and not blank(summary.partner_reference):
        body.append(
            fact_set(
                [
                    (
                        t("claim.partner_words.reference_title"),
                        escape(summary.partner_reference, limit=REFERENCE_LIMIT),
                    )
                ]
            )
        )
    return body


def _acknowledged_line(t: Text, summary: ClaimSummary) -> str:
    """Who selected "Got it" and when, as far as the bot knows."""
    name = escape(summary.acknowledged_by, limit=NAME_LIMIT) if summary.acknowledged_by else ""
    day = t.date(summary.acknowledged_on) if summary.acknowledged_on else ""
    if name and day:
        return t("claim.state.acknowledged_by_on", name=name, date=day)
    if name:
        return t("claim.state.acknowledged_by", name=name)
    if day:
        return t("claim.state.acknowledged_on", date=day)
    return t("claim.state.acknowledged")


def _gives_key(summary: ClaimSummary) -> str:
    """What the association gives the partner: as current only once Microsoft has approved it, as a
    condition while it may still be, and nothing once the claim is closed."""
    if summary.status in CLOSED:
        return "claim.gives_closed"
    return "claim.gives" if summary.status in CURRENT else "claim.gives_pending"


def not_recognised_next_key(summary: ClaimSummary) -> str:
    """What a reader who does not recognise the partner can do, by status."""
    if summary.status in CLOSED:
        return "claim.state.next_closed"
    return "claim.state.next_draft" if summary.status == "draft" else "claim.state.next"


def _can_decline(summary: ClaimSummary) -> bool:
    """Whether there is anything to decline: a claim sent to Microsoft and not closed."""
    return summary.status not in CLOSED and summary.status != "draft"


def todo_key(summary: ClaimSummary) -> str:
    """What the reader needs to do: nothing, and (while there is something to decline) that Microsoft
    says the reader may decline."""
    return "claim.todo_decline" if _can_decline(summary) else "claim.todo"


def _todo_body(t: Text, summary: ClaimSummary, short: str) -> list[Element]:
    """Whether the reader needs to do anything, and what the reader has done with this card."""
    if summary.not_recognised_reported:
        body = [
            text_block(t("claim.state.not_recognised")),
            text_block(t(not_recognised_next_key(summary)), spacing="small"),
        ]
    else:  # while there is something to decline, the first view says the reader may (question 6)
        body = [text_block(t(todo_key(summary)))]
    if summary.acknowledged and not summary.not_recognised_reported:  # the reader's own report first
        body.append(text_block(_acknowledged_line(t, summary), spacing="small"))
    if summary.question_sent:
        body.append(text_block(t("claim.state.question_sent"), spacing="small"))
    return body


def _ask_card(t: Text, host: str, summary: ClaimSummary) -> Element:
    """ "Ask a question": a short text field for the partner and a Send button (verb `claim.ask`)."""
    return show_card(
        t("claim.ask_short"),
        [
            text_input(
                verbs.QUESTION_INPUT,
                label=t("claim.ask.label", partner=plain(summary.partner_name, limit=NAME_LIMIT)),
                placeholder=t("claim.ask.placeholder"),
                max_length=verbs.QUESTION_MAX_LENGTH,
                error_message=t("claim.ask.error"),
            ),
            text_block(t("claim.ask.note"), subtle=True, size="small"),
            action_set(execute(t("claim.ask.send"), verbs.ASK, claim_data(summary.claim_id), host=host)),
        ],
    )


def _headline(t: Text, summary: ClaimSummary, partner: str, *, safe: bool = True) -> str:
    """What the partner says it told Microsoft (or plans to, for a draft): one or two services by
    name, more as a count (the services row then names them)."""
    draft = "_draft" if summary.status == "draft" else ""
    if len(summary.workloads) <= HEADLINE_SERVICES:
        services = join_list(t, service_names(summary.workloads, safe=safe))
        return t(f"claim.headline_few{draft}", partner=partner, services=services)
    return t(f"claim.headline_many{draft}", partner=partner, count=len(summary.workloads))


def claim_card(
    summary: ClaimSummary,
    *,
    host: str = "teams",
    originator: str | None = None,
    locale: str = "en",
    sender: str | None = None,
    refresh_user_ids: Sequence[str] = (),
) -> Card:
    """The card that explains one partner's claim to the customer.

    The first view says who sent it (and that Microsoft did not), what the partner says it claimed
    and the status it reports, what the association gives and does not give (as a condition until
    Microsoft approves it), and whether the reader needs to do anything; the buttons say that they
    only tell the partner. Details and questions and answers sit behind "More about this".
    Buttons that reach the bot are Action.Execute in ActionSets (see `cards.verbs`), and the card
    refreshes with `claim.refresh`: automatically on Teams for `refresh_user_ids` (at most 60 Teams
    user ids; none means a manual refresh only), and whenever it is opened in Outlook.
    """
    if not summary.workloads:
        raise ValueError(f"claim {summary.claim_id!r} names no workloads")
    t = text_for(locale)
    status = t.status(summary.status)
    partner = escape(summary.partner_name, limit=NAME_LIMIT)
    short = escape(summary.partner_name, limit=SHORT_NAME_LIMIT)
    button_partner = plain(summary.partner_name, limit=BUTTON_NAME_LIMIT)
    count = len(summary.workloads)
    data = claim_data(summary.claim_id)

    rows = []
    if count == 1:  # what the one service is, in plain words
        rows.append((t("claim.fact_services"), services_plain_words(t, summary.workloads)[0]))
    elif count > HEADLINE_SERVICES:  # the headline counts them: name them (the first three)
        if count <= FIRST_VIEW_SERVICES:
            named = join_list(t, service_names(summary.workloads))
        else:  # the full list is under the details
            named = t(
                "claim.services_more",
                items=t("list.separator").join(service_names(summary.workloads[:FIRST_VIEW_SERVICES])),
                count=count - FIRST_VIEW_SERVICES,
            )
        rows.append((t("claim.fact_services"), named))
    reported = t(
        "claim.status_reported", label=status.label, partner=short, date=t.date(summary.status_reported_on)
    )

    headline_block = text_block(_headline(t, summary, partner), size="medium", weight="bolder")
    if host == "teams":
        headline_block["style"] = "heading"
    body: list[Element] = [
        sent_by_block(t, summary.partner_name, sender),
        headline_block,
        fact_set([*rows, (t("claim.fact_status"), reported)]),
    ]
    has_message = not blank(summary.partner_message)
    has_reference = not blank(summary.partner_reference)
    if has_message or has_reference:  # the partner's own words, one click away and labelled
        body.append(
            action_set(
                show_card(
                    t("claim.show_partner_words", partner=button_partner),
                    _partner_words_body(t, host, summary, partner),
                )
            )
        )
    body += [
        text_block(t(_gives_key(summary))),
        text_block(t("claim.other_access"), spacing="small"),
        # Microsoft's page is the card's first link; the admin center's page sits at the bottom.
        action_set(
            about_cpor_link(t),
            execute(t("claim.show_access", partner=button_partner), verbs.ACCESS, data, host=host),
        ),
        *_todo_body(t, summary, short),
    ]
    if summary.web_link is not None:
        # The reader's own page, on a row of its own above the note on the buttons that tell the
        # partner (this one tells nobody). An email gives the link in its own words (bot.mail), so
        # the email leaves this row out.
        body.append(card_only(action_set(open_url(t("claim.open_web"), summary.web_link.url))))
    body.append(card_only(text_block(t("claim.buttons_note"), subtle=True, size="small", spacing="medium")))
    # At most two buttons a row, with short titles: Teams and Outlook cut longer rows to "G…".
    first_row: list[Element] = []
    if not summary.acknowledged:
        first_row.append(execute(t("claim.acknowledge"), verbs.ACKNOWLEDGE, data, host=host))
    first_row.append(_ask_card(t, host, summary))
    body.append(action_set(*first_row))
    if not summary.not_recognised_reported:
        body.append(
            action_set(
                execute(
                    t("claim.not_recognised", partner=button_partner), verbs.NOT_RECOGNISED, data, host=host
                )
            )
        )

    more: list[Element] = [
        heading(t("claim.show_details"), host=host, size="medium"),
        *_details_body(t, host, summary, partner),
        heading(t("claim.show_faq"), host=host, size="medium", separator=True),
        *_faq_body(t, host, summary, short),
        for_partners_link(t("app.open_how_it_works"), LINKS["how_it_works"]),
    ]
    # Two buttons: a third in the row gets its title cut ("More abo…") by Teams and Outlook.
    actions: list[Element] = [
        show_card(t("claim.show_more"), more),
        open_url(t("claim.check_access"), LINKS["partner_relationships"]),
    ]

    plain_partner = plain(summary.partner_name, limit=NAME_LIMIT)
    plain_headline = _headline(t, summary, plain_partner, safe=False)
    todo = t(todo_key(summary))
    fallback = t(  # plain text for clients that cannot show the card (Teams mobile up to 1.2)
        "claim.fallback",
        sent_by=sent_by(t, summary.partner_name, sender, safe=False),
        headline=plain_headline,
        status=t(
            "claim.status_reported",
            label=status.label,
            partner=plain_partner,
            date=t.date(summary.status_reported_on, markdown=False),
        ),
        gives=t(_gives_key(summary)),
        todo=todo,
    )
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=fallback,
        speak=for_speech(f"{plain_headline} {todo}"),
        actions=actions,
        lang=t.lang,
        refresh=refresh(verbs.REFRESH, data, title=t("app.refresh"), host=host, user_ids=refresh_user_ids),
    )
