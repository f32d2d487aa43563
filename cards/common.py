"""What every card builder shares: Microsoft's links, the limits on shown text, the options every
builder takes, and small helpers (lists of services, who sent the card, footers).

Every value that came from outside (partner and customer names, the partner's message and reference,
workload names, the reader's name) goes through `escape` before it reaches a TextBlock or Fact, and
through `plain` before it reaches fallbackText, speak or a button title. Pure: no I/O beyond the
text catalogue, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from cards import verbs
from cards.elements import (
    Element,
    action_set,
    fact_set,
    open_url,
    text_block,
)
from cards.i18n import Text, choose_locale, text_for
from cards.markdown import blank, escape, one_line, plain
from cards.model import WebLink, WorkloadLine

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
CLOSED = frozenset({"rejected_final", "customer_declined"})
# Statuses in which the association gives the partner what it gives: only once Microsoft approved it.
CURRENT = frozenset({"approved"})
# The catalog id of the solution area whose associations are per subscription (fact 21).
BUSINESS_APPLICATIONS = "business_applications"


def join_list(t: Text, items: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return t("list.pair", first=items[0], second=items[1])
    return t("list.series", items=t("list.separator").join(items[:-1]), last=items[-1])


def service_names(workloads: Sequence[WorkloadLine], *, safe: bool = True) -> list[str]:
    if safe:
        return [escape(w.name, limit=LABEL_LIMIT) for w in workloads]
    return [plain(w.name, limit=LABEL_LIMIT) for w in workloads]


def plain_words(t: Text, w: WorkloadLine) -> str:
    """What a workload is in plain words, in the card's language: the catalogue's `workload.<id>`
    when the workload has a catalog id the catalogue knows, else its own words (unescaped)."""
    if w.id is not None and f"workload.{w.id}" in t:
        return t(f"workload.{w.id}")
    return w.plain


def services_plain_words(t: Text, workloads: Sequence[WorkloadLine]) -> list[str]:
    """ "Chat and teamwork (Microsoft Teams)", escaped; just the name when there are no plain words."""
    out = []
    for w in workloads:
        name = escape(w.name, limit=LABEL_LIMIT)
        words = plain_words(t, w)
        out.append(
            name if blank(words) else t("claim.service", plain=escape(words, limit=LABEL_LIMIT), name=name)
        )
    return out


def services_short(t: Text, workloads: Sequence[WorkloadLine], *, safe: bool = True) -> str:
    """The first three product names, then "and N more"."""
    names = service_names(workloads[:FIRST_VIEW_SERVICES], safe=safe)
    if len(workloads) <= FIRST_VIEW_SERVICES:
        return join_list(t, names)
    return t("list.more", items=t("list.separator").join(names), count=len(workloads) - FIRST_VIEW_SERVICES)


def services_facts(t: Text, workloads: Sequence[WorkloadLine]) -> Element:
    """Each service as a fact row: its product name, then what it is in plain words."""
    rows = []
    for w in workloads:
        words = plain_words(t, w)
        rows.append(
            (
                escape(w.name, limit=LABEL_LIMIT),
                "\u2013" if blank(words) else escape(words, limit=LABEL_LIMIT),
            )
        )
    return fact_set(rows)


def claim_data(claim_id: str) -> dict[str, str]:
    return {verbs.CLAIM_ID: claim_id}


def same_name(a: str, b: str) -> bool:
    """Whether two organisation names are the same name (spacing, invisible characters and case
    aside)."""
    return one_line(a).casefold() == one_line(b).casefold()


def sent_by(t: Text, partner_name: str, sender: str | None, *, safe: bool = True) -> str:
    """ "Sent by {sender} for {partner}, not by Microsoft.", or "Sent by {partner}, ..." when the
    partner runs the app itself (no sender set, or the sender is the partner)."""
    clean = escape if safe else plain
    partner = clean(partner_name, limit=NAME_LIMIT)
    if sender is None or blank(sender) or same_name(sender, partner_name):
        return t("app.sent_by", partner=partner)
    return t("app.sent_by_for", sender=clean(sender, limit=NAME_LIMIT), partner=partner)


def sent_by_block(t: Text, partner_name: str, sender: str | None) -> Element:
    """The first line of every card about a claim: who sent it, for whom, and not Microsoft."""
    return text_block(sent_by(t, partner_name, sender), subtle=True, spacing="none")


def run_by(t: Text, sender: str | None, *, safe: bool = True) -> str:
    """Who runs the app ("{sender} runs this app. It is not from Microsoft."), or just that it is not
    from Microsoft when the sender is not known."""
    if sender is not None and not blank(sender):
        return t("app.run_by", sender=(escape if safe else plain)(sender, limit=NAME_LIMIT))
    return t("app.not_from_microsoft")


def footer(t: Text, sender: str | None, *, separator: bool = True) -> Element:
    """The last line of the cards that are not about one claim: who runs the app, not Microsoft."""
    return text_block(run_by(t, sender), subtle=True, size="small", separator=separator)


def with_run_by(t: Text, fallback: str, sender: str | None) -> str:
    """A plain-text fallback, closed with who runs the app."""
    return f"{fallback} {run_by(t, sender, safe=False)}"


def card_only(element: Element) -> Element:
    """Mark an element that speaks of the card's own buttons: the email's text and HTML parts, which
    have no buttons, leave it out (see `bot.mail.message`)."""
    element["id"] = CARD_ONLY_PREFIX + str(element.get("type", "")).lower()
    return element


def for_partners_link(title: str, url: str) -> Element:
    """A link to a Learn page written for partners ("For partners: ..."), on a row of its own: its
    title is long, and beside another button Teams would cut it."""
    return action_set(open_url(title, url))


def about_cpor_link(t: Text) -> Element:
    return open_url(t("app.open_about_cpor"), LINKS["about_cpor"])


def web_link_words(link: WebLink, locale: str) -> tuple[str, str]:
    """What an email says with the reader's own link: its title, and a note that it is theirs alone
    and when it stops working. Plain text (an email part is not a card), in `locale` or English."""
    t = text_for(choose_locale(None, locale, None))
    return t("email.web_link"), t("email.web_link_note", date=t.date(link.expires_on, markdown=False))
