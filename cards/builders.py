"""The card builders: data in, Adaptive Card dict out. Pure: no I/O beyond the text catalogue, no
clock (every date comes from the caller), so the same input always gives the same card.

Every value that came from outside (partner and customer names, the partner's message and reference,
workload names, the reader's name) goes through `escape` before it reaches a TextBlock or Fact, and
through `plain` before it reaches fallbackText, speak or a button title.

Every builder takes `locale` (one of `cards.i18n.SUPPORTED_LOCALES`; `choose_locale` maps a Teams or
contact locale to one) and sets the card's `lang`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from cards import verbs
from cards.elements import (
    Card,
    Element,
    action_set,
    bullets,
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
from cards.markdown import escape, for_speech, plain
from cards.model import ClaimSummary, WorkloadLine

# Microsoft's public pages the cards link to. Microsoft's customer-facing page about CPOR comes
# first on every card that explains the programme; the Learn pages are written for partners and are
# labelled so. Learn links carry no locale segment, so Learn picks the reader's language.
LINKS: dict[str, str] = {
    "about_cpor": "https://aka.ms/about-cpor",
    "how_it_works": "https://learn.microsoft.com/partner-center/incentives/submit-osa-claim",
    "issues": "https://learn.microsoft.com/partner-center/incentives/incentives-customer-association-issues",
    "partner_relationships": "https://admin.microsoft.com/AdminPortal/Home#/partners",
}

NAME_LIMIT = 100  # partner, customer, sender and reader names
SHORT_NAME_LIMIT = 30  # a partner name repeated in the first view, or inside a button title
BUTTON_NAME_LIMIT = SHORT_NAME_LIMIT
MESSAGE_LIMIT = 500  # the partner's message
REFERENCE_LIMIT = 64  # the partner's own claim reference
LABEL_LIMIT = 80  # solution area, workload names and descriptions
CLAIM_ID_LIMIT = 64
NOTICE_LIMIT = 300  # a notice's own text, when the bot passes text rather than a catalogue key
FIRST_VIEW_SERVICES = 3  # services listed in the claim card's first view
HEADLINE_SERVICES = 2  # services named in the claim card's headline (more are counted)
CLAIMS_LIMIT = 10  # claims listed in the claims list card
CARD_ONLY_PREFIX = "card-only-"  # ids of elements that only make sense next to the card's buttons


class CardOptions(TypedDict):
    """The keyword arguments every builder takes.

    `sender` is the organisation that runs this app and sends the cards (the SENDER_NAME setting);
    None when the partner runs it itself, and then the cards name the partner as the sender."""

    host: str
    originator: str | None
    locale: str
    sender: str | None


# Every card kind `cards.build` makes, in the order the samples and golden files list them.
KINDS: tuple[str, ...] = (
    "claim",
    "access",
    "status_changed",
    "notice",
    "welcome",
    "help",
    "about",
    "claims",
)

# Statuses after which there is nothing left to decline.
_CLOSED = frozenset({"rejected_final", "customer_declined"})
# Statuses in which the association gives the partner what it gives: only once Microsoft approved it.
_CURRENT = frozenset({"approved"})


def _join(t: Text, items: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return t("list.pair", first=items[0], second=items[1])
    return t("list.series", items=t("list.separator").join(items[:-1]), last=items[-1])


def _service_names(workloads: Sequence[WorkloadLine], *, safe: bool = True) -> list[str]:
    if safe:
        return [escape(w.name, limit=LABEL_LIMIT) for w in workloads]
    return [plain(w.name, limit=LABEL_LIMIT) for w in workloads]


def _plain_words(t: Text, w: WorkloadLine) -> str:
    """What a workload is in plain words, in the card's language: the catalogue's `workload.<id>`
    when the workload has a catalog id the catalogue knows, else its own words (unescaped)."""
    if w.id is not None and f"workload.{w.id}" in t:
        return t(f"workload.{w.id}")
    return w.plain


def _services_plain_words(t: Text, workloads: Sequence[WorkloadLine]) -> list[str]:
    """ "Chat and teamwork (Microsoft Teams)", escaped; just the name when there are no plain words."""
    out = []
    for w in workloads:
        name = escape(w.name, limit=LABEL_LIMIT)
        words = _plain_words(t, w)
        out.append(
            t("claim.service", plain=escape(words, limit=LABEL_LIMIT), name=name) if words.strip() else name
        )
    return out


def _services_short(t: Text, workloads: Sequence[WorkloadLine], *, safe: bool = True) -> str:
    """The first three product names, then "and N more"."""
    names = _service_names(workloads[:FIRST_VIEW_SERVICES], safe=safe)
    if len(workloads) <= FIRST_VIEW_SERVICES:
        return _join(t, names)
    return t("list.more", items=t("list.separator").join(names), count=len(workloads) - FIRST_VIEW_SERVICES)


def _services_facts(t: Text, workloads: Sequence[WorkloadLine]) -> Element:
    """Each service as a fact row: its product name, then what it is in plain words."""
    rows = []
    for w in workloads:
        words = _plain_words(t, w)
        rows.append(
            (
                escape(w.name, limit=LABEL_LIMIT),
                escape(words, limit=LABEL_LIMIT) if words.strip() else "\u2013",
            )
        )
    return fact_set(rows)


def _claim_data(claim_id: str) -> dict[str, str]:
    return {verbs.CLAIM_ID: claim_id}


def same_name(a: str, b: str) -> bool:
    """Whether two organisation names are the same name (spacing and case aside)."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _sent_by(t: Text, partner_name: str, sender: str | None, *, safe: bool = True) -> str:
    """ "Sent by {sender} for {partner}, not by Microsoft.", or "Sent by {partner}, ..." when the
    partner runs the app itself (no sender set, or the sender is the partner)."""
    clean = escape if safe else plain
    partner = clean(partner_name, limit=NAME_LIMIT)
    if sender is None or not sender.strip() or same_name(sender, partner_name):
        return t("app.sent_by", partner=partner)
    return t("app.sent_by_for", sender=clean(sender, limit=NAME_LIMIT), partner=partner)


def _sent_by_block(t: Text, partner_name: str, sender: str | None) -> Element:
    """The first line of every card about a claim: who sent it, for whom, and not Microsoft."""
    return text_block(_sent_by(t, partner_name, sender), subtle=True, spacing="none")


def _run_by(t: Text, sender: str | None, *, safe: bool = True) -> str:
    """Who runs the app ("{sender} runs this app. It is not from Microsoft."), or just that it is not
    from Microsoft when the sender is not known."""
    if sender is not None and sender.strip():
        return t("app.run_by", sender=(escape if safe else plain)(sender, limit=NAME_LIMIT))
    return t("app.not_from_microsoft")


def _footer(t: Text, sender: str | None, *, separator: bool = True) -> Element:
    """The last line of the cards that are not about one claim: who runs the app, not Microsoft."""
    return text_block(_run_by(t, sender), subtle=True, size="small", separator=separator)


def _with_run_by(t: Text, fallback: str, sender: str | None) -> str:
    """A plain-text fallback, closed with who runs the app."""
    return f"{fallback} {_run_by(t, sender, safe=False)}"


def _card_only(element: Element) -> Element:
    """Mark an element that speaks of the card's own buttons: the email's text and HTML parts, which
    have no buttons, leave it out (see `bot.mail.message`)."""
    element["id"] = CARD_ONLY_PREFIX + str(element.get("type", "")).lower()
    return element


def _for_partners(title: str, url: str) -> Element:
    """A link to a Learn page written for partners ("For partners: ..."), on a row of its own: its
    title is long, and beside another button Teams would cut it."""
    return action_set(open_url(title, url))


def _about_cpor(t: Text) -> Element:
    return open_url(t("app.open_about_cpor"), LINKS["about_cpor"])


# --- the access card ---------------------------------------------------------------------------


def _access_body(
    t: Text, host: str, partner: str, workloads: Sequence[WorkloadLine], *, from_claim: bool
) -> list[Element]:
    """What the association gives and does not give. `partner` is already escaped."""
    gets = [text_block(t("access.gets", services=_join(t, _service_names(workloads))))]
    if len(workloads) > FIRST_VIEW_SERVICES:  # not one long sentence: the claim card has the list
        gets = [text_block(t("access.gets_many", count=len(workloads)))]
        if from_claim:
            gets.append(text_block(t("access.gets_listed"), spacing="small"))
        else:
            gets.append(_services_facts(t, workloads))
    return [
        heading(t("access.title", partner=partner), host=host, size="medium"),
        text_block(t("access.intro")),
        heading(t("access.gets_title"), host=host),
        *gets,
        text_block(t("access.gets_example"), spacing="small"),
        text_block(t("access.gets_source"), spacing="small"),
        heading(t("access.not_title"), host=host),
        bullets([t("access.not_data"), t("access.not_admin"), t("access.not_billing")]),
        heading(t("access.other_title"), host=host),
        text_block(t("access.other")),
        text_block(t("access.check"), spacing="small"),
        heading(t("access.poe_title"), host=host),
        text_block(t("access.poe", partner=partner)),
        text_block(t("access.poe_sow"), spacing="small"),
    ]


def access_card(
    partner_name: str,
    workloads: Sequence[WorkloadLine],
    *,
    host: str = "teams",
    originator: str | None = None,
    locale: str = "en",
    sender: str | None = None,
    claim_id: str | None = None,
) -> Card:
    """What a partner can and cannot see through a customer association.

    With `claim_id` it is the bot's answer to `claim.access` and ends with a "Back to the claim"
    button (verb `claim.show`), because it replaces the claim card in place."""
    t = text_for(locale)
    partner = escape(partner_name, limit=NAME_LIMIT)
    body = [
        _sent_by_block(t, partner_name, sender),
        *_access_body(t, host, partner, workloads, from_claim=claim_id is not None),
    ]
    if claim_id is not None:
        body.append(action_set(execute(t("app.back"), verbs.SHOW, _claim_data(claim_id), host=host)))
    fallback = t(
        "access.fallback",
        sent_by=_sent_by(t, partner_name, sender, safe=False),
        partner=plain(partner_name, limit=NAME_LIMIT),
        services=_join(t, _service_names(workloads, safe=False)),
    )
    speak = for_speech(t("access.speak", partner=plain(partner_name, limit=NAME_LIMIT)))
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=fallback,
        speak=speak,
        lang=t.lang,
        actions=[_about_cpor(t), open_url(t("app.open_admin"), LINKS["partner_relationships"])],
    )


# --- the claim card ----------------------------------------------------------------------------


def _details_body(t: Text, host: str, summary: ClaimSummary, partner: str) -> list[Element]:
    """Behind "Claim details": every fact the partner gave about the claim, and what happens next."""
    status = t.status(summary.status)
    rows = [
        (t("claim.details.fact_partner"), partner),
        (t("claim.details.fact_customer"), escape(summary.customer_name, limit=NAME_LIMIT)),
        (t("claim.details.fact_area"), escape(summary.solution_area, limit=LABEL_LIMIT)),
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
        _services_facts(t, summary.workloads),
        text_block(t("claim.details.from_partner", partner=partner), subtle=True, size="small"),
        heading(t("claim.details.next_title"), host=host),
        text_block(status.next),
    ]


def _faq_body(t: Text, host: str, summary: ClaimSummary, short: str) -> list[Element]:
    """Behind "Questions and answers": the questions a customer still has, short."""
    qa: list[tuple[str, tuple[str, ...]]] = [
        (t("claim.faq.what_title"), (t("claim.faq.what"),)),
        (t("claim.faq.why_title"), (t("claim.faq.why"),)),
        (t("claim.faq.poe_title"), (t("claim.faq.poe"), t("claim.faq.poe_seen"))),
        (t("claim.faq.real_title"), (t("claim.faq.real"),)),
        (t("claim.faq.data_title"), (t("claim.faq.data"),)),
        (t("claim.faq.admin_title"), (t("claim.faq.admin"), t("claim.faq.admin_cpor"))),
        (t("claim.faq.one_title"), (t("claim.faq.one"),)),
    ]
    if summary.status not in _CLOSED:
        decline = (t("claim.faq.decline"), t("claim.faq.decline_how"), t("claim.faq.decline_effect"))
        qa.append((t("claim.faq.decline_title"), decline))
    qa += [
        (t("claim.faq.last_title"), (t("claim.faq.last"),)),
        (t("claim.faq.ask_title"), (t("claim.faq.ask"),)),
        (
            t("claim.faq.fresh_title"),
            (t("claim.faq.fresh", partner=short, date=t.date(summary.status_reported_on)),),
        ),
        (t("claim.faq.privacy_title"), (t("claim.faq.privacy"),)),
    ]
    body: list[Element] = []
    for question, answers in qa:
        body.append(heading(question, host=host))
        body += [text_block(a, spacing="small" if i else None) for i, a in enumerate(answers)]
    return body


def _compare_body(t: Text, host: str) -> list[Element]:
    """How CPOR differs from the other ways a partner can be linked to a customer (facts 36-41)."""
    body: list[Element] = [text_block(t("compare.intro"))]
    for name in ("cpor", "csp", "gdap", "pal", "dpor", "por"):
        body += [
            heading(t(f"compare.{name}_title"), host=host),
            text_block(t(f"compare.{name}"), spacing="small"),
        ]
    body += [
        text_block(t("compare.tpor"), separator=True),
        text_block(t("compare.check"), spacing="small"),
    ]
    return body


def _partner_words_body(t: Text, host: str, summary: ClaimSummary, partner: str) -> list[Element]:
    body: list[Element] = [
        text_block(t("claim.partner_words.intro", partner=partner), subtle=True),
    ]
    if summary.partner_message and summary.partner_message.strip():
        body.append(quote(escape(summary.partner_message, limit=MESSAGE_LIMIT)))
    if summary.partner_reference and summary.partner_reference.strip():
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
    if summary.status in _CLOSED:
        return "claim.gives_closed"
    return "claim.gives" if summary.status in _CURRENT else "claim.gives_pending"


def _not_recognised_next(summary: ClaimSummary) -> str:
    """What a reader who does not recognise the partner can do, by status."""
    if summary.status in _CLOSED:
        return "claim.state.next_closed"
    return "claim.state.next_draft" if summary.status == "draft" else "claim.state.next"


def _todo_body(t: Text, summary: ClaimSummary, short: str) -> list[Element]:
    """Whether the reader needs to do anything, and what the reader has done with this card."""
    if summary.not_recognised_reported:
        body = [
            text_block(t("claim.state.not_recognised")),
            text_block(t(_not_recognised_next(summary)), spacing="small"),
        ]
    else:
        body = [text_block(t("claim.todo"))]
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
            action_set(execute(t("claim.ask.send"), verbs.ASK, _claim_data(summary.claim_id), host=host)),
        ],
    )


def _headline(t: Text, summary: ClaimSummary, partner: str, *, safe: bool = True) -> str:
    """What the partner says it told Microsoft (or plans to, for a draft): one or two services by
    name, more as a count (the services row then names them)."""
    draft = "_draft" if summary.status == "draft" else ""
    if len(summary.workloads) <= HEADLINE_SERVICES:
        services = _join(t, _service_names(summary.workloads, safe=safe))
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
    data = _claim_data(summary.claim_id)

    rows = []
    if count == 1:  # what the one service is, in plain words
        rows.append((t("claim.fact_services"), _services_plain_words(t, summary.workloads)[0]))
    elif count > HEADLINE_SERVICES:  # the headline counts them: name them (the first three)
        if count <= FIRST_VIEW_SERVICES:
            named = _join(t, _service_names(summary.workloads))
        else:  # the full list is under the details
            named = t(
                "claim.services_more",
                items=t("list.separator").join(_service_names(summary.workloads[:FIRST_VIEW_SERVICES])),
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
        _sent_by_block(t, summary.partner_name, sender),
        headline_block,
        fact_set([*rows, (t("claim.fact_status"), reported)]),
    ]
    has_message = bool(summary.partner_message and summary.partner_message.strip())
    has_reference = bool(summary.partner_reference and summary.partner_reference.strip())
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
        action_set(
            execute(t("claim.show_access", partner=button_partner), verbs.ACCESS, data, host=host),
            open_url(t("claim.check_access"), LINKS["partner_relationships"]),
        ),
        *_todo_body(t, summary, short),
        _card_only(text_block(t("claim.buttons_note"), subtle=True, size="small", spacing="medium")),
    ]
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
        _for_partners(t("app.open_how_it_works"), LINKS["how_it_works"]),
    ]
    # Two buttons: a third in the row gets its title cut ("More abo…") by Teams and Outlook.
    actions: list[Element] = [show_card(t("claim.show_more"), more), _about_cpor(t)]

    plain_partner = plain(summary.partner_name, limit=NAME_LIMIT)
    plain_headline = _headline(t, summary, plain_partner, safe=False)
    todo = t("claim.todo")
    fallback = t(  # plain text for clients that cannot show the card (Teams mobile up to 1.2)
        "claim.fallback",
        sent_by=_sent_by(t, summary.partner_name, sender, safe=False),
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


# --- the status update -------------------------------------------------------------------------


def status_changed_card(
    summary: ClaimSummary,
    previous_status: str,
    *,
    host: str = "teams",
    originator: str | None = None,
    locale: str = "en",
    sender: str | None = None,
) -> Card:
    """A short update: the partner reports that the claim's status changed from `previous_status` to
    `summary.status`; what the new status means and what happens next, with a button back to the
    claim (`claim.show`)."""
    t = text_for(locale)
    current = t.status(summary.status)
    previous = t.status(previous_status)
    if previous_status == summary.status:
        raise ValueError(f"the status did not change: both are {previous_status!r}")
    partner = escape(summary.partner_name, limit=NAME_LIMIT)
    body: list[Element] = [
        _sent_by_block(t, summary.partner_name, sender),
        heading(t("status_changed.title", partner=partner), host=host, size="medium"),
        text_block(
            t(
                "status_changed.changed",
                partner=partner,
                previous=previous.label,
                current=current.label,
                date=t.date(summary.status_reported_on),
            ),
            spacing="small",
        ),
        fact_set(
            [
                (t("status_changed.fact_services"), _services_short(t, summary.workloads)),
                (t("status_changed.fact_now"), current.meaning),
            ]
        ),
        heading(t("status_changed.next_title"), host=host),
        text_block(current.next),
        text_block(
            t("status_changed.from_partner", partner=partner), subtle=True, size="small", separator=True
        ),
        text_block(t("app.no_link"), subtle=True, size="small", spacing="small"),
        action_set(execute(t("status_changed.open"), verbs.SHOW, _claim_data(summary.claim_id), host=host)),
    ]
    plain_partner = plain(summary.partner_name, limit=NAME_LIMIT)
    fallback = t(
        "status_changed.fallback",
        sent_by=_sent_by(t, summary.partner_name, sender, safe=False),
        partner=plain_partner,
        previous=previous.label,
        current=current.label,
        meaning=current.meaning,
        next=current.next,
    )
    speak = for_speech(
        t("status_changed.speak", partner=plain_partner, previous=previous.label, current=current.label)
    )
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=fallback,
        speak=speak,
        lang=t.lang,
        actions=[_about_cpor(t)],
    )


# --- short answers -----------------------------------------------------------------------------

NOTICE_KEYS: tuple[str, ...] = (
    "notice.other_tenant",
    "notice.unknown_claim",
    "notice.question_empty",
    "notice.unknown_action",
    "notice.not_a_contact",
)


def message_card(
    text_key_or_text: str,
    *,
    host: str = "teams",
    originator: str | None = None,
    locale: str = "en",
    sender: str | None = None,
    claim_id: str | None = None,
) -> Card:
    """A short answer from the bot ("This claim is about another organisation").

    `text_key_or_text` is a catalogue key under ``notice.`` (translated, see `NOTICE_KEYS`) or, for
    anything else, text that is shown as given: escaped and capped, never read as markdown. With
    `claim_id` the card offers "Back to the claim" (verb `claim.show`)."""
    t = text_for(locale)
    if text_key_or_text.startswith("notice."):
        if text_key_or_text not in t:
            raise ValueError(f"unknown notice {text_key_or_text!r}; expected one of {', '.join(NOTICE_KEYS)}")
        shown = said = t(text_key_or_text)
    else:
        if not text_key_or_text.strip():
            raise ValueError("a notice needs some text")
        shown = escape(text_key_or_text, limit=NOTICE_LIMIT)
        said = plain(text_key_or_text, limit=NOTICE_LIMIT)
    body: list[Element] = [text_block(shown), _footer(t, sender, separator=False)]
    body[-1]["spacing"] = "small"
    if claim_id is not None:
        body.append(action_set(execute(t("app.back"), verbs.SHOW, _claim_data(claim_id), host=host)))
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=_with_run_by(t, said, sender),
        speak=for_speech(said),
        lang=t.lang,
    )


notice_card = message_card


# --- welcome, help, about ------------------------------------------------------------------------


def _commands(t: Text) -> Element:
    return fact_set([(name, t(f"command.{name}")) for name in ("help", "about", "claims")])


def welcome_card(
    *, host: str = "teams", originator: str | None = None, locale: str = "en", sender: str | None = None
) -> Card:
    """The first message after the app is installed: what it does and its commands."""
    t = text_for(locale)
    body = [
        heading(t("welcome.title"), host=host, size="medium"),
        text_block(t("welcome.body")),
        heading(t("welcome.commands_title"), host=host),
        _commands(t),
        _footer(t, sender),
    ]
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=_with_run_by(t, t("welcome.fallback"), sender),
        speak=for_speech(t("welcome.speak")),
        lang=t.lang,
    )


def help_card(
    *, host: str = "teams", originator: str | None = None, locale: str = "en", sender: str | None = None
) -> Card:
    """The answer to "help": what the app does, its commands, whom to ask."""
    t = text_for(locale)
    body = [
        heading(t("help.title"), host=host, size="medium"),
        text_block(t("help.body")),
        heading(t("help.commands_title"), host=host),
        _commands(t),
        text_block(t("help.questions"), separator=True),
        _footer(t, sender),
    ]
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=_with_run_by(t, t("help.fallback"), sender),
        lang=t.lang,
        actions=[_about_cpor(t)],
    )


def about_card(
    *, host: str = "teams", originator: str | None = None, locale: str = "en", sender: str | None = None
) -> Card:
    """The answer to "about": what a customer association (CPOR) is, in plain words, and how it
    differs from the other ways a partner can be linked to a customer."""
    t = text_for(locale)
    body = [
        heading(t("about.title"), host=host, size="medium"),
        text_block(t("about.what")),
        text_block(t("about.why")),
        text_block(t("about.data")),
        text_block(t("about.not_csp")),
        text_block(t("about.customer")),
        action_set(_about_cpor(t)),  # Microsoft's page first, then the pages written for partners
        _for_partners(t("app.open_how_it_works"), LINKS["how_it_works"]),
        _for_partners(t("app.open_issues"), LINKS["issues"]),
        text_block(t("about.source"), subtle=True, size="small", separator=True),
        _footer(t, sender, separator=False),
    ]
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=_with_run_by(t, t("about.fallback"), sender),
        speak=for_speech(t("about.speak")),
        lang=t.lang,
        actions=[
            show_card(
                t("about.show_compare"),
                _compare_body(t, host),
                [open_url(t("app.open_admin"), LINKS["partner_relationships"])],
            ),
        ],
    )


# --- the claims list ---------------------------------------------------------------------------


def _claims_count(t: Text, count: int) -> str:
    return t("claims.count_one") if count == 1 else t("claims.count_other", count=count)


def claims_list_card(
    summaries: Sequence[ClaimSummary],
    *,
    host: str = "teams",
    originator: str | None = None,
    locale: str = "en",
    sender: str | None = None,
) -> Card:
    """The claims about the user's organisation, in the order given (newest first), at most 10."""
    t = text_for(locale)
    body: list[Element] = [heading(t("claims.title"), host=host, size="medium")]
    if not summaries:
        body += [text_block(t("claims.empty")), _footer(t, sender)]
        return envelope(
            body,
            host=host,
            originator=originator,
            fallback_text=_with_run_by(t, t("claims.fallback_empty"), sender),
            speak=for_speech(t("claims.empty")),
            lang=t.lang,
        )
    body += [
        text_block(t("claims.intro")),
        text_block(_claims_count(t, len(summaries)), subtle=True, spacing="small"),
    ]
    for summary in summaries[:CLAIMS_LIMIT]:
        status = t.status(summary.status)
        body.append(
            {
                "type": "Container",
                "separator": True,
                "spacing": "medium",
                "items": [
                    text_block(escape(summary.partner_name, limit=NAME_LIMIT), weight="bolder"),
                    text_block(
                        t("claims.item_services", services=_services_short(t, summary.workloads)),
                        spacing="none",
                    ),
                    text_block(
                        t(
                            "claims.item_status",
                            label=status.label,
                            date=t.date(summary.status_reported_on),
                        ),
                        subtle=True,
                        spacing="none",
                    ),
                ],
            }
        )
    hidden = len(summaries) - CLAIMS_LIMIT
    if hidden > 0:
        more = t("claims.more_one") if hidden == 1 else t("claims.more_other", count=hidden)
        body.append(text_block(more, subtle=True, separator=True))
    body.append(_footer(t, sender))
    partners = _join(t, [plain(s.partner_name, limit=NAME_LIMIT) for s in summaries[:CLAIMS_LIMIT]])
    claims = _claims_count(t, len(summaries))
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=_with_run_by(t, t("claims.fallback", claims=claims, partners=partners), sender),
        speak=for_speech(t("claims.speak", claims=claims)),
        lang=t.lang,
    )
