"""The other customer cards: a status update, short notices, welcome, help, about (with how CPOR
differs from other partner links) and the list of claims about the reader's organisation."""

from __future__ import annotations

from collections.abc import Sequence

from cards import verbs
from cards.common import (
    CLAIMS_LIMIT,
    LINKS,
    NAME_LIMIT,
    NOTICE_LIMIT,
    about_cpor_link,
    claim_data,
    footer,
    for_partners_link,
    join_list,
    sent_by,
    sent_by_block,
    services_short,
    with_run_by,
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
    show_card,
    text_block,
)
from cards.i18n import Text, text_for
from cards.markdown import blank, escape, for_speech, plain
from cards.model import ClaimSummary

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
        sent_by_block(t, summary.partner_name, sender),
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
                (t("status_changed.fact_services"), services_short(t, summary.workloads)),
                (t("status_changed.fact_now"), current.meaning),
            ]
        ),
        heading(t("status_changed.next_title"), host=host),
        text_block(current.next),
        text_block(
            t("status_changed.from_partner", partner=partner), subtle=True, size="small", separator=True
        ),
        text_block(t("app.no_link"), subtle=True, size="small", spacing="small"),
        action_set(execute(t("status_changed.open"), verbs.SHOW, claim_data(summary.claim_id), host=host)),
    ]
    plain_partner = plain(summary.partner_name, limit=NAME_LIMIT)
    fallback = t(
        "status_changed.fallback",
        sent_by=sent_by(t, summary.partner_name, sender, safe=False),
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
        actions=[about_cpor_link(t)],
    )


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


# --- short answers -----------------------------------------------------------------------------

NOTICE_KEYS: tuple[str, ...] = (
    "notice.other_tenant",
    "notice.unknown_claim",
    "notice.question_empty",
    "notice.unknown_action",
    "notice.not_a_contact",
    "notice.text_unreadable",
)
# Notices that end the reader's way through the claim (it is gone, or not theirs to see or act on):
# they point on to Microsoft's page, so the reader is not left at a dead end.
NOTICES_WITH_ABOUT_LINK = frozenset({"notice.other_tenant", "notice.unknown_claim", "notice.not_a_contact"})


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
        if blank(text_key_or_text):
            raise ValueError("a notice needs some text")
        shown = escape(text_key_or_text, limit=NOTICE_LIMIT)
        said = plain(text_key_or_text, limit=NOTICE_LIMIT)
    body: list[Element] = [text_block(shown), footer(t, sender, separator=False)]
    body[-1]["spacing"] = "small"
    if claim_id is not None:
        body.append(action_set(execute(t("app.back"), verbs.SHOW, claim_data(claim_id), host=host)))
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=with_run_by(t, said, sender),
        speak=for_speech(said),
        lang=t.lang,
        actions=[about_cpor_link(t)] if text_key_or_text in NOTICES_WITH_ABOUT_LINK else (),
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
        footer(t, sender),
    ]
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=with_run_by(t, t("welcome.fallback"), sender),
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
        footer(t, sender),
    ]
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=with_run_by(t, t("help.fallback"), sender),
        speak=for_speech(f"{t('help.body')} {t('help.fallback')}"),
        lang=t.lang,
        actions=[about_cpor_link(t)],
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
        action_set(about_cpor_link(t)),  # Microsoft's page first, then the pages written for partners
        for_partners_link(t("app.open_how_it_works"), LINKS["how_it_works"]),
        for_partners_link(t("app.open_issues"), LINKS["issues"]),
        text_block(t("about.source"), subtle=True, size="small", separator=True),
        footer(t, sender, separator=False),
    ]
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=with_run_by(t, t("about.fallback"), sender),
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
        body += [text_block(t("claims.empty")), footer(t, sender)]
        return envelope(
            body,
            host=host,
            originator=originator,
            fallback_text=with_run_by(t, t("claims.fallback_empty"), sender),
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
                        t("claims.item_services", services=services_short(t, summary.workloads)),
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
    body.append(footer(t, sender))
    partners = join_list(t, [plain(s.partner_name, limit=NAME_LIMIT) for s in summaries[:CLAIMS_LIMIT]])
    claims = _claims_count(t, len(summaries))
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=with_run_by(t, t("claims.fallback", claims=claims, partners=partners), sender),
        speak=for_speech(t("claims.speak", claims=claims)),
        lang=t.lang,
    )
