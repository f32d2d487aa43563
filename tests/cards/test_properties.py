"""Property tests: whatever a partner or a customer types, every card is a valid Adaptive Card, stays
within the size budget as sent, and shows the text as text, in Teams, in Outlook and in the email.

Hypothesis writes the text: any Unicode (controls, bidi controls, zero-width and format characters,
lone surrogates, joiners and emoji sequences), markdown and HTML, ``{{DATE(...)}}``, and strings of
thousands of characters. Each example goes into every place a partner or a customer controls: the
partner's, customer's and contacts' names, the solution area, a custom workload, the partner's
message and reference, the reader's name, the operator's name (``SENDER_NAME``), the customer's
question and who asked it, a notice's text, and the claim form's errors and values. Every card kind
is built in every language, for every claim status, for both hosts.

The run is bounded and reproducible: a fixed number of examples, derandomised, and no example
database written to disk.
"""

from __future__ import annotations

import bisect
import datetime
import email
import email.policy
import json
import re
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import orjson
import pytest
import regex
from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from bot.delivery.composing import email_subject
from bot.delivery.sending import EncodedCard
from bot.domain.formats import NAME_MAX
from bot.mail.identity import MailIdentity
from bot.mail.message import build_message, render_html, render_text
from bot.teams.connector import card_message
from cards import (
    STATUS_TEXT,
    SUPPORTED_LOCALES,
    ClaimSummary,
    WorkloadLine,
    about_card,
    access_card,
    claim_card,
    claims_list_card,
    help_card,
    message_card,
    status_changed_card,
    welcome_card,
)
from cards.common import LABEL_LIMIT, MESSAGE_LIMIT, NAME_LIMIT, NOTICE_LIMIT, REFERENCE_LIMIT
from cards.elements import Card
from cards.i18n import Text, catalogue, text_for
from cards.markdown import ELLIPSIS, ONE_DOT_LEADER, WORD_JOINER, plain
from cards.partner import RESPONSE_KINDS, compose_card, compose_done_card, partner_notice_card
from cards.samples import ALL_WORKLOADS, AREAS, OUTLOOK_ORIGINATOR, TEAMS_USER_ID, WORKLOAD_CHOICES
from cards.verbs import QUESTION_MAX_LENGTH
from tests.bot.mail.support import ALLOWED_TAGS, SCRIPT_OPEN
from tests.cards.schema_check import card_problems
from tests.cards.test_markdown_render import rendered_text, structure
from tests.cards.test_size_and_purity import LIMIT_BYTES
from tests.cards.walk import link_hazards, markdown_strings, walk

HOST_VERSION = {"teams": "1.5", "outlook": "1.4"}
STATUSES = tuple(STATUS_TEXT)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# Every example builds each card kind in one language, for every status and both hosts (57 cards), and
# checks all of them; the schema check (jsonschema, 30 to 200 ms a card) runs on two of them, picked
# by Hypothesis. 6 languages x (10 examples + 2 worst cases) takes about 17 s here. Shrinking is off:
# an example is 57 cards, and each problem reported names its card, host and language; add
# Phase.shrink locally to reduce a failing example.
EXAMPLES_PER_LANGUAGE = 10
SCHEMA_CHECKS_PER_EXAMPLE = 2
PROPERTIES = settings(
    max_examples=EXAMPLES_PER_LANGUAGE,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
)

# --- what a partner or a customer may type ---------------------------------------------------------

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Pieces aimed at the markdown renderer, the date functions, HTML and link detection.
MARKUP = (
    "[x](https://evil.example)",
    "![i](https://evil.example/p.png)",
    "<https://evil.example>",
    "[x]: https://evil.example",
    "https://",
    "javascript:",
    "www.evil.com",
    "evil.example",
    "ana@evil.example",
    ".",
    ":",
    "/",
    "**",
    "__",
    "*",
    "_",
    "~~",
    "`",
    "```",
    "#",
    "# ",
    "## ",
    ">",
    "> ",
    "- ",
    "+ ",
    "* ",
    "1. ",
    "12) ",
    "---",
    "===",
    "|",
    "\\",
    "<b>",
    "</b>",
    "<script>",
    "</script>",
    "<!--",
    "&amp;",
    "&#91;",
    "&#x5B;",
    "&lt;",
    "{{DATE(2020-01-01T00:00:00Z)}}",
    "{{TIME(2020-01-01T00:00:00Z)}}",
    "{{",
    "}}",
    "${x}",
    "$",
    "{",
    '"',
    "'",
)
# Characters that normalisation, truncation or a renderer treat specially.
SPECIAL = (
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\u00a0",
    "\u3000",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\U000e0041",
    "\u0301",
    "\u0903",
    "\u0d4e",
    "\ufe0f",
    "\u1100",
    "\u1161",
    "\u11a8",
    "\uff0e",
    "\uff61",
    "\u2024",
    "\u3002",
    "\ud800",
    "\udfff",
    *BIDI_CONTROLS,
)
# User-perceived characters made of several code points.
CLUSTERS = (
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",  # family
    "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag
    "\U0001f44d\U0001f3fd",  # thumbs up, skin tone
    "\U0001f1ef\U0001f1f5",  # flag: two regional indicators
    "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # flag with tag characters
    "e\u0301\u0302\u0303",  # stacked accents
    "\u0915\u094d\u0937",  # Devanagari conjunct
    "\u1100\u1161\u11a8",  # Hangul syllable from jamo
)
# One character repeated: the costliest text per character once escaped and serialised.
COSTLY = ("<", "\\", "[", "{", "&", '"', "\U0001f600", "a.", "\u6f22", "\u0d4e ", "e\u0301")

piece = st.one_of(
    st.text(st.characters(), max_size=12),  # any code point: controls, format characters, surrogates
    st.sampled_from(MARKUP),
    st.sampled_from(SPECIAL),
    st.sampled_from(CLUSTERS),
    st.text(st.sampled_from(" .:/-0123456789abcXYZ"), min_size=1, max_size=12),
)
# Text with nothing to show once normalised: spaces, controls, format characters, surrogates.
NOTHING_TO_SHOW = (
    " ", "\n", "\t", "\x00", "\u00a0", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\ud800",
    *BIDI_CONTROLS,
)  # fmt: skip
hostile = st.one_of(
    st.lists(piece, max_size=24).map("".join),
    st.text(st.sampled_from(NOTHING_TO_SHOW), min_size=1, max_size=8),
    # Long: pieces repeated into thousands of characters, or one costly character over and over.
    st.tuples(st.lists(piece, min_size=1, max_size=6).map("".join), st.integers(1, 800)).map(
        lambda p: p[0] * p[1]
    ),
    st.tuples(st.sampled_from(COSTLY), st.integers(1, 6000)).map(lambda p: p[0] * p[1]),
)


@lru_cache(maxsize=4096)
def normalised(text: str) -> str:
    """The documented normalisation (`cards.markdown.one_line`), written out again: controls become
    spaces, format characters other than the joiners and stray surrogates are dropped, and runs of
    whitespace become one space."""
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc":
            kept.append(" ")
        elif category not in ("Cf", "Cs") or ch in "\u200c\u200d":
            kept.append(ch)
    return " ".join("".join(kept).split())


def shows_nothing(text: str) -> bool:
    """Nothing visible once normalised: at most spaces and joiners (a joiner joins nothing alone)."""
    return not normalised(text).replace(" ", "").strip("\u200c\u200d")


# Names the API requires (customer, contact) and the partner's registered name are never blank: some
# visible character, anywhere in hostile text.
visible = st.one_of(
    st.sampled_from(MARKUP),
    st.sampled_from(CLUSTERS),
    st.text(st.characters(categories=["L", "M", "N", "P", "S"]), min_size=1, max_size=8),
).filter(lambda s: not shows_nothing(s))
name = st.builds(lambda before, shown, after: before + shown + after, hostile, visible, hostile)
optional = st.none() | hostile
days = st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 12, 31))


@dataclass(frozen=True)
class Typed:
    """One example: what the partner, the customer and the operator typed, and the reader's state."""

    partner: str
    customer: str
    area: str
    custom_workload: WorkloadLine | None
    workload_count: int
    message: str | None
    reference: str | None
    reader: str | None  # the reader's Teams display name, on "Got it"
    sender: str | None  # SENDER_NAME: the organisation that runs the app
    asker: str | None  # the customer who answered the card, as the partner sees them
    question: str | None
    contact: str  # the contact's name, on the email's To line
    notice: str  # text the bot shows as given
    error: str  # an error the claim form shows next to a field
    value: str  # what the partner typed into the claim form
    submitted_on: datetime.date
    reported_on: datetime.date | None
    acknowledged_on: datetime.date | None
    not_recognised: bool
    question_sent: bool
    other_status: str  # the claim's status on the cards that show one status

    def summary(self, status: str) -> ClaimSummary:
        workloads = ALL_WORKLOADS[: self.workload_count]
        if self.custom_workload is not None:
            workloads = (*workloads, self.custom_workload)
        return ClaimSummary(
            claim_id="clm_01HV6Q3W2K",  # made by the service, never typed
            partner_name=self.partner,
            customer_name=self.customer,
            solution_area=self.area,
            workloads=workloads or ALL_WORKLOADS[:1],
            status=status,
            submitted_on=self.submitted_on,
            partner_message=self.message,
            partner_reference=self.reference,
            reported_on=self.reported_on,
            acknowledged_by=self.reader,
            acknowledged_on=self.acknowledged_on,
            not_recognised_reported=self.not_recognised,
            question_sent=self.question_sent,
        )


typed_text = st.builds(
    Typed,
    partner=name,
    customer=name,
    area=name,
    custom_workload=st.none() | st.builds(WorkloadLine, name, hostile),
    workload_count=st.integers(0, len(ALL_WORKLOADS)),
    message=optional,
    reference=optional,
    reader=optional,
    sender=optional,
    asker=optional,
    question=optional,
    contact=name.map(lambda s: s[:NAME_MAX]),  # the API's limit on a contact's name
    notice=name,
    error=name,
    value=hostile,
    submitted_on=days,
    reported_on=st.none() | days,
    acknowledged_on=st.none() | days,
    not_recognised=st.booleans(),
    question_sent=st.booleans(),
    other_status=st.sampled_from(STATUSES),
)

# The costliest text everywhere, at and past every limit, with every optional part and 26 services:
# the largest cards there can be (Outlook: "<" is "\\\u003c" in the email's script element).
WORST = {
    ch: Typed(
        partner=ch * 5000,
        customer=ch * 5000,
        area=ch * 5000,
        custom_workload=None,
        workload_count=len(ALL_WORKLOADS),
        message=ch * 5000,
        reference=ch * 5000,
        reader=ch * 5000,
        sender=ch * 5000,
        asker=ch * 5000,
        question=ch * 5000,
        contact=ch * NAME_MAX,
        notice=ch * 5000,
        error=ch * 5000,
        value=ch * 5000,
        submitted_on=datetime.date(2026, 12, 31),
        reported_on=datetime.date(2026, 12, 31),
        acknowledged_on=datetime.date(2026, 12, 31),
        not_recognised=False,
        question_sent=True,
        other_status="partner_action_required",
    )
    for ch in ("<", "\U0001f600")
}

# --- every card, built from one example ----------------------------------------------------------


@dataclass(frozen=True)
class Built:
    name: str
    host: str
    card: Card


def _options(host: str, locale: str, sender: str | None) -> dict[str, Any]:
    originator = OUTLOOK_ORIGINATOR if host == "outlook" else None
    return {"host": host, "originator": originator, "locale": locale, "sender": sender}


def _storable(text: str) -> str:
    """What the claim form gets back: text the store can keep (the desk asks again for the rest)."""
    return "".join(ch for ch in text if ch != "\x00" and not 0xD800 <= ord(ch) <= 0xDFFF)


def build_all(typed: Typed, locale: str) -> list[Built]:
    """Every card kind in `locale`, for every status and both hosts (the partner's cards in Teams)."""
    out: list[Built] = []
    for host in ("teams", "outlook"):
        o = _options(host, locale, typed.sender)
        users = (TEAMS_USER_ID,) if host == "teams" else ()
        for i, status in enumerate(STATUSES):
            summary = typed.summary(status)
            out.append(Built(f"claim.{status}", host, claim_card(summary, refresh_user_ids=users, **o)))
            previous = STATUSES[i - 1]
            out.append(
                Built(
                    f"status_changed.{previous}-{status}", host, status_changed_card(summary, previous, **o)
                )
            )
        summary = typed.summary(typed.other_status)
        out += [
            Built("access", host, access_card(summary.partner_name, summary.workloads, **o)),
            Built(
                "access.back", host, access_card(summary.partner_name, summary.workloads, claim_id="c", **o)
            ),
            Built("notice", host, message_card(typed.notice, claim_id="c", **o)),
            Built("notice.key", host, message_card("notice.other_tenant", **o)),
            Built("claims", host, claims_list_card([typed.summary(s) for s in STATUSES[:4]] * 3, **o)),
            Built("welcome", host, welcome_card(**o)),
            Built("help", host, help_card(**o)),
            Built("about", host, about_card(**o)),
        ]
    summary = typed.summary(typed.other_status)
    for kind in RESPONSE_KINDS:
        card = partner_notice_card(
            summary,
            kind,
            user_name=typed.asker,
            text=typed.question,
            customer_name=typed.customer,
            locale=locale,
        )
        out.append(Built(f"partner_notice.{kind}", "teams", card))
    value = _storable(typed.value)
    values = {
        "customer_tenant_id": value[:36],
        "customer_name": value[:NAME_LIMIT],
        "contact_name": value[:NAME_LIMIT],
        "contact_email": value[:254],
        "message": value[:MESSAGE_LIMIT],
    }
    errors = {"customer_name": typed.error, "workloads": typed.error}
    compose = compose_card(
        AREAS, WORKLOAD_CHOICES, partner_name=typed.partner, values=values, errors=errors, locale=locale
    )
    out.append(Built("compose", "teams", compose))
    out.append(Built("compose_done", "teams", compose_done_card(summary, queued=3, waiting=1, locale=locale)))
    return out


# --- what a reader sees ----------------------------------------------------------------------------

_GRAPHEME = regex.compile(r"\X")
_DOTS = str.maketrans({"\uff0e": ".", "\uff61": ".", ONE_DOT_LEADER: ".", WORD_JOINER: None})


@lru_cache(maxsize=16384)
def rendered(markdown: str) -> str:
    """The text markdown-it makes of a TextBlock or fact string."""
    return rendered_text(markdown)


@lru_cache(maxsize=16384)
def seen(markdown: str) -> str:
    """What the reader sees of a TextBlock or fact string: its rendered text, with the invisible
    word joiners gone and every kind of full stop read as one."""
    return rendered(markdown).translate(_DOTS)


def cut_problem(shown: str, typed: str, limit: int) -> str | None:
    """Why `shown` is not how `typed` should read at `limit` characters, or None.

    Normalised (`normalised`); when longer than `limit`, cut to at most `limit` characters ending
    with an ellipsis, never inside a user-perceived character (an extended grapheme cluster), and
    not much shorter than needed (at most back to a word boundary close to the end)."""
    want = folded(typed)
    shown = shown.translate(_DOTS)
    if len(want) <= limit:
        return None if shown == want else f"shown {shown[:80]!r}, typed {want[:80]!r}"
    if len(shown) > limit or not shown.endswith(ELLIPSIS):
        return f"not cut to {limit} with an ellipsis: {shown[-40:]!r} ({len(shown)} characters)"
    kept = shown[: -len(ELLIPSIS)]
    if not want.startswith(kept):
        return f"not the start of what was typed: {kept[-40:]!r}"
    bounds, boundary = grapheme_bounds(want)
    if len(kept) not in boundary:
        return (
            f"cut inside a user-perceived character at {len(kept)}: {want[len(kept) - 3 : len(kept) + 3]!r}"
        )
    # Whether the ellipsis stands alone depends on the few characters before it (a prepended mark).
    if _GRAPHEME.findall(shown[-8:])[-1] != ELLIPSIS:
        return f"the ellipsis joins the character before it: {shown[-4:]!r}"
    longest = bounds[bisect.bisect_right(bounds, limit - len(ELLIPSIS)) - 1]
    if len(kept) < 0.6 * longest - 1:
        return f"cut to {len(kept)} characters where {longest} fit"
    return None


@lru_cache(maxsize=1024)
def folded(typed: str) -> str:
    """`typed` normalised, with every kind of full stop read as one (as `seen` reads the card)."""
    return normalised(typed).translate(_DOTS)


@lru_cache(maxsize=1024)
def grapheme_bounds(text: str) -> tuple[tuple[int, ...], frozenset[int]]:
    """Where `text` may be cut: between user-perceived characters (extended grapheme clusters)."""
    bounds = (0, *(m.end() for m in _GRAPHEME.finditer(text)))
    return bounds, frozenset(bounds)


@lru_cache(maxsize=16384)
def markdown_structure(text: str) -> tuple[str, ...]:
    return tuple(structure(text))


def facts(card: Card) -> dict[str, list[str]]:
    """Fact values by fact title, ShowCards included (what the reader sees)."""
    out: dict[str, list[str]] = {}
    for node in walk(card):
        if node.get("type") == "FactSet":
            for fact in node["facts"]:
                out.setdefault(seen(fact["title"]), []).append(seen(fact["value"]))
    return out


def quotes(card: Card) -> list[str]:
    return [seen(n["items"][0]["text"]) for n in walk(card) if n.get("style") == "emphasis"]


def filled(card: Card, t: Text, key: str, **known: str) -> list[str]:
    """What fills the one unknown placeholder of catalogue text `key` wherever the card shows it."""
    sentinel = "QQPLACEHOLDERQQ"
    (unknown,) = set(re.findall(r"\{(\w+)\}", catalogue(t.locale)[key].text)) - set(known)
    before, after = seen(t(key, **{unknown: sentinel}, **known)).split(sentinel)
    shown = [seen(s) for s in markdown_strings(card)]
    return [
        s[len(before) : len(s) - len(after)]
        for s in shown
        if s.startswith(before) and s.endswith(after) and len(s) >= len(before) + len(after)
    ]


def check_shown(where: str, shown: list[str], typed: str | None, limit: int) -> list[str]:
    """`typed` reads as typed (after normalisation and the cut) in at least one of `shown`; and when
    it shows nothing, it is not there at all."""
    if typed is None or shows_nothing(typed):
        return []
    if not shown:
        return [f"{where}: not shown"]
    problems = [cut_problem(s, typed, limit) for s in shown]
    return [] if None in problems else [f"{where}: {problems[0]}"]


def partner_text_problems(built: Built, typed: Typed, locale: str) -> list[str]:
    """The partner's and customer's text where each card shows it, as typed."""
    t = text_for(locale)
    kind = built.name.split(".")[0]
    card = built.card
    found = facts(card)
    problems: list[str] = []
    if kind == "claim":
        problems += check_shown(
            "partner", found[seen(t("claim.details.fact_partner"))], typed.partner, NAME_LIMIT
        )
        problems += check_shown(
            "customer", found[seen(t("claim.details.fact_customer"))], typed.customer, NAME_LIMIT
        )
        problems += check_shown("area", found[seen(t("claim.details.fact_area"))], typed.area, LABEL_LIMIT)
        reference = found.get(seen(t("claim.partner_words.reference_title")), [])
        problems += check_shown("reference", reference, typed.reference, REFERENCE_LIMIT)
        problems += check_shown("message", quotes(card), typed.message, MESSAGE_LIMIT)
        if typed.custom_workload is not None:
            problems += check_shown("workload", list(found), typed.custom_workload.name, LABEL_LIMIT)
    elif kind in ("access", "status_changed"):
        key = "access.title" if kind == "access" else "status_changed.title"
        problems += check_shown("partner", filled(card, t, key), typed.partner, NAME_LIMIT)
    elif built.name == "notice":
        problems += check_shown("notice", [seen(card["body"][0]["text"])], typed.notice, NOTICE_LIMIT)
    elif kind == "claims":
        names = [
            seen(n["items"][0]["text"])
            for n in walk(card)
            if n.get("type") == "Container" and n.get("separator")
        ]
        problems += check_shown("partner", names, typed.partner, NAME_LIMIT)
    elif kind in ("welcome", "help", "about"):
        problems += check_shown("sender", filled(card, t, "app.run_by"), typed.sender, NAME_LIMIT)
    elif kind == "partner_notice":
        problems += check_shown(
            "customer", found[seen(t("partner.fact_customer"))], typed.customer, NAME_LIMIT
        )
        problems += check_shown("asker", found[seen(t("partner.fact_from"))], typed.asker, NAME_LIMIT)
        if built.name.endswith("question"):
            problems += check_shown("question", quotes(card), typed.question, QUESTION_MAX_LENGTH)
    elif kind == "compose":
        problems += check_shown("partner", filled(card, t, "compose.intro"), typed.partner, NAME_LIMIT)
        problems += check_shown("error", filled(card, t, "compose.error"), typed.error, LABEL_LIMIT * 2)
        values = {n["id"]: n.get("value") for n in walk(card) if n.get("type") == "Input.Text"}
        if values["message"] != _storable(typed.value)[:MESSAGE_LIMIT]:
            problems.append("compose: the partner's own text is not given back as typed")
    elif kind == "compose_done":
        problems += check_shown("customer", filled(card, t, "compose.done_title"), typed.customer, NAME_LIMIT)
    return problems


def markdown_problems(card: Card) -> list[str]:
    """Every TextBlock and fact string is one paragraph of plain text that shows as written, with
    nothing a client could turn into a link or a date, and nothing empty where a name belonged."""
    problems = []
    for text in markdown_strings(card):
        if shows_nothing(seen(text)):
            problems.append(f"nothing to see in {text!r}")
            continue
        found = markdown_structure(text)
        if found:
            problems.append(f"markdown {found} in {text[:80]!r}")
        shown = seen(text)
        if "  " in shown or shown != shown.strip():
            problems.append(f"an empty placeholder in {shown[:80]!r}")
        # What a client could link is in what it renders (a markdown escape's backslash is gone).
        problems += [f"{hazard} in {text[:80]!r}" for hazard in link_hazards(rendered(text))]
    return problems


def plain_strings(card: Card) -> list[str]:
    """The plain-text places: fallback, speech, button titles, input labels and placeholders."""
    strings = [card["fallbackText"], card.get("speak", "")]
    for node in walk(card):
        strings += [node[k] for k in ("title", "label", "placeholder", "errorMessage") if k in node]
    return [s for s in strings if isinstance(s, str)]


def shown_strings(card: Card) -> list[str]:
    """Every string the card shows a reader, except what the reader typed into its inputs."""
    return [*markdown_strings(card), *plain_strings(card)]


def plain_problems(card: Card) -> list[str]:
    """Plain-text places: no links, no dates, no empty placeholders."""
    strings = plain_strings(card)
    problems = [f"{hazard} in {s[:80]!r}" for s in strings for hazard in link_hazards(s)]
    problems += [f"empty placeholder in {s[:80]!r}" for s in strings if "  " in s]
    return problems


def bidi_problems(what: str, text: str) -> list[str]:
    found = sorted({f"U+{ord(ch):04X}" for ch in text if ch in BIDI_CONTROLS})
    return [f"{what}: bidi controls {found}"] if found else []


# --- as sent -------------------------------------------------------------------------------------
#
# The budget is the project's own (`LIMIT_BYTES`, 28 KB, as in the other size tests), here on the
# bytes the service sends: for Teams the whole activity it posts, envelope and `summary` (a copy of
# the fallback text) included, serialised as `ConnectorCardSender` does (ensure_ascii=False, UTF-8);
# for Outlook the card as the email's script element holds it (every "<" written "\u003c"). Teams
# itself takes bot messages of up to 100 KB counted in UTF-16 (Microsoft Learn, "Format your bot
# messages"); 28 KB of UTF-8 is at most 56 KB of UTF-16.


@cache
def teams_reference() -> dict[str, Any]:
    """A conversation reference as the service stores it on install (`TurnContext`'s own, from a
    real installation activity): the envelope every Teams card is posted in."""
    activity = Activity().deserialize(json.loads((FIXTURES / "activities/installation_add.json").read_text()))
    reference: dict[str, Any] = TurnContext.get_conversation_reference(activity).serialize()
    return reference


def teams_wire_bytes(card: Card) -> bytes:
    """The body `ConnectorCardSender` posts (an update: the envelope with the activity id), as it
    serialises it."""
    body = card_message(teams_reference(), EncodedCard.of(card))
    body["id"] = "1:1x7p4Q2kVbXvH9cR2sT8uW5nA6oD1gJ3hK7iM0qE4rS"
    return orjson.dumps(body)


def script_block(document: str) -> str:
    start = document.index(SCRIPT_OPEN) + len(SCRIPT_OPEN)
    return document[start : document.index("</script>", start)]


_TAG_START = re.compile(r"<(?:!DOCTYPE html>|/?([a-z][a-z0-9]*)[\s>/])")


def html_problems(card: Card, document: str) -> list[str]:
    """Every "<" outside the card's script element starts a tag the renderer writes, and the script
    element has none: no "<" of partner text reaches the HTML unescaped."""
    block = script_block(document)
    problems = ["a '<' in the script element"] if "<" in block else []
    if json.loads(block) != {**card, "hideOriginalBody": True}:
        problems.append("the script element is not the card")
    rest = document.replace(block, "")
    for m in re.finditer("<", rest):
        tag = _TAG_START.match(rest, m.start())
        if tag is None or (tag.group(1) is not None and tag.group(1) not in ALLOWED_TAGS):
            problems.append(f"unescaped '<' in the HTML: {rest[m.start() : m.start() + 30]!r}")
    return problems


def mail_problems(built: Built, typed: Typed, locale: str, document: str, *, whole: bool) -> list[str]:
    """The email of an Outlook card: both parts (`document` is the HTML), and (`whole`) the message
    with its headers as a mail client reads them."""
    card = built.card
    text = render_text(card)
    problems = html_problems(card, document)
    problems += bidi_problems("text part", text) + bidi_problems("HTML part", document)
    kind = built.name.split(".")[0]
    if whole:
        identity = MailIdentity("notifications@cpor.example", "", OUTLOOK_ORIGINATOR, typed.sender or "")
        subject = email_subject(locale, typed.partner, status=kind == "status_changed")
        built_message = build_message(
            card,
            subject=subject,
            sender=identity.sender,
            sender_name=identity.from_name(typed.partner),
            to="anna.schmidt@fabrikam.example",
            to_name=typed.contact,
            locale=text_for(locale).lang,
            message_id="dlv_01HV6Q3W2K@cpor.example",
            date=datetime.datetime(2026, 3, 12, 9, 30, tzinfo=datetime.UTC),
        )
        msg = email.message_from_bytes(built_message.as_bytes(), policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        headers = {name: msg[name] for name in ("Subject", "From", "To")}  # each look-up parses again
        for header, value in headers.items():
            value = str(value)
            problems += bidi_problems(header, value)
            if "\n" in value or "\r" in value:
                problems.append(f"{header}: a line break")
        if str(headers["Subject"]) != normalised(subject):
            problems.append(f"Subject: {str(headers['Subject'])[:60]!r}")
        # Each header names its one address and shows the name as given. (Python's reader puts a
        # space between the encoded words a long name is folded into, where RFC 2047 says to
        # join them; spacing aside, the name must be the same.)
        for header, name, addr_spec in (
            ("From", identity.from_name(typed.partner), identity.sender),
            ("To", typed.contact, "anna.schmidt@fabrikam.example"),
        ):
            addresses = headers[header].addresses
            if [a.addr_spec for a in addresses] != [addr_spec]:
                problems.append(f"{header}: addresses {[a.addr_spec[:40] for a in addresses]}")
            elif "".join(addresses[0].display_name.split()) != "".join(normalised(name).split()):
                problems.append(f"{header}: shows {addresses[0].display_name[:60]!r}")
        plain_part, html_part = (part.get_content() for part in msg.iter_parts())
        problems += bidi_problems("text part as sent", plain_part) + bidi_problems("HTML as sent", html_part)
    return problems


# --- the properties ---------------------------------------------------------------------------------


def _check(typed: Typed, locale: str, picks: list[int]) -> None:
    built = build_all(typed, locale)
    problems: list[str] = []
    # The claim and the status emails are sent as messages; their headers do not depend on the status.
    messages = {f"claim.{STATUSES[0]}", f"status_changed.{STATUSES[-1]}-{STATUSES[0]}"}
    for b in built:
        where = f"{b.name}.{b.host}.{locale}"
        # 3. no markdown effect, and the partner's text as typed
        problems += [f"{where}: {p}" for p in markdown_problems(b.card) + plain_problems(b.card)]
        problems += [f"{where}: {p}" for p in partner_text_problems(b, typed, locale)]
        problems += bidi_problems(where, "\n".join(shown_strings(b.card)))
        # 2. within the budget as sent: the Teams activity, or the card in the email's script element
        if b.host == "teams":
            size = len(teams_wire_bytes(b.card))
        else:
            title = plain(typed.partner, limit=NAME_LIMIT)
            document = render_html(b.card, lang=text_for(locale).lang, title=title)
            size = len(script_block(document).encode())
            # 4. the email renderings
            whole = b.name in messages
            problems += [f"{where}: {p}" for p in mail_problems(b, typed, locale, document, whole=whole)]
        if size >= LIMIT_BYTES:
            problems.append(f"{where}: {size} bytes as sent")
    # 1. the official schema of the host's version, on cards Hypothesis picks
    for pick in picks:
        b = built[pick % len(built)]
        problems += [f"{b.name}.{b.host}.{locale}: {p}" for p in card_problems(b.card, HOST_VERSION[b.host])]
    assert problems == [], "\n".join(problems[:20])


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@PROPERTIES
@given(
    typed=typed_text,
    picks=st.lists(
        st.integers(0, 10**6), min_size=SCHEMA_CHECKS_PER_EXAMPLE, max_size=SCHEMA_CHECKS_PER_EXAMPLE
    ),
)
@example(typed=WORST["<"], picks=[])
@example(typed=WORST["\U0001f600"], picks=[])
def test_any_typed_text_gives_valid_small_inert_cards(locale: str, typed: Typed, picks: list[int]) -> None:
    _check(typed, locale, picks)


def test_the_worst_text_comes_close_to_the_budget() -> None:
    # Guard against a vacuous pass: the worst cases the property runs are near the budget.
    teams = outlook = 0
    for typed in WORST.values():
        for b in build_all(typed, "ja"):  # the largest language
            if b.host == "teams":
                teams = max(teams, len(teams_wire_bytes(b.card)))
            else:
                document = render_html(b.card, lang="ja", title="t")
                outlook = max(outlook, len(script_block(document).encode()))
    assert 0.8 * LIMIT_BYTES < teams < LIMIT_BYTES
    assert 0.8 * LIMIT_BYTES < outlook < LIMIT_BYTES


def test_the_checks_see_what_they_look_for() -> None:
    # Guard against a vacuous pass: each check finds the problem it is there for.
    assert cut_problem("Contoso", "Contoso Consulting", 100) is not None  # text lost
    assert cut_problem("Contoso Consulting", "Contoso\u202e\n Consulting", 100) is None  # normalised
    assert cut_problem("Contoso Cons\u2026", "Contoso Consulting Group", 12) is not None  # too long
    cut_at_a_mark = cut_problem("Contoso\u0d4e\u2026", "Contoso\u0d4e Partners", 10)
    assert cut_at_a_mark is not None and "inside a user-perceived character" in cut_at_a_mark

    def card(text: str) -> Card:
        return {"type": "AdaptiveCard", "fallbackText": text, "body": [{"type": "TextBlock", "text": text}]}

    assert any("link_open" in p for p in markdown_problems(card("[x](https://evil.example)")))
    assert any("URL scheme" in p for p in markdown_problems(card("https://evil\\.example")))
    assert any("empty placeholder" in p for p in markdown_problems(card("Sent by  for Contoso")))
    assert any("nothing to see" in p for p in markdown_problems(card("\u200b\u200d")))
    assert any("date function" in p for p in plain_problems(card("{{DATE(2020-01-01T00:00:00Z)}}")))
    shown = card("a <b>bold</b> claim")
    document = render_html(shown, lang="en", title="t")
    assert html_problems(shown, document) == []
    assert html_problems(shown, document.replace("&lt;b&gt;", "<b>"))
    assert bidi_problems("Subject", "Contoso \u202eLtd") == ["Subject: bidi controls ['U+202E']"]
