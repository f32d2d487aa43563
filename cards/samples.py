"""Named sample data, and every card variant built from it: for golden files, previews, size checks
and the benchmark.

`variants()` enumerates kinds x hosts x locales x samples (samples only where the kind takes claim
data). `recipes()` gives the same list unbuilt, so callers can time or rebuild each card.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial

from cards.access import access_card
from cards.claim import claim_card
from cards.common import KINDS, CardOptions
from cards.elements import HOSTS, Card
from cards.i18n import SUPPORTED_LOCALES
from cards.messages import (
    about_card,
    claims_list_card,
    help_card,
    message_card,
    status_changed_card,
    welcome_card,
)
from cards.model import ClaimSummary, WebLink, WorkloadLine
from cards.partner import Choice, compose_card, partner_notice_card

# Outlook's originator is the provider id from the Actionable Email Developer Dashboard; this one is
# made up. The Teams user id is a made-up MRI of the shape Teams uses ("29:" and an opaque id).
OUTLOOK_ORIGINATOR = "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"
TEAMS_USER_ID = "29:1f2e3d4c5b6a79880716253443526170-sample"

TEAMS = WorkloadLine("Microsoft Teams", "Chat and teamwork", id="teams")
EXCHANGE = WorkloadLine("Exchange Online", "Email and calendars", id="exchange")
INTUNE = WorkloadLine("Microsoft Intune", "Managing and securing devices", id="intune")
DYNAMICS_SALES = WorkloadLine("Dynamics 365 Sales", "Managing customers and sales", id="dynamics_sales")
POWER_BI = WorkloadLine("Power BI", "Reports and dashboards", id="power_bi")

# The 26 workloads of the seeded catalog (bot/domain/workloads.toml), copied so the package stands alone;
# with their ids, so each card shows the plain words in its own language.
ALL_WORKLOADS: tuple[WorkloadLine, ...] = tuple(
    WorkloadLine(name, plain, id=workload_id)
    for workload_id, name, plain in [
        ("exchange", "Exchange Online", "Email and calendars"),
        ("sharepoint", "SharePoint Online", "Team sites, intranet and shared files"),
        ("m365_apps", "Microsoft 365 Apps", "Word, Excel, PowerPoint and Outlook on desktop and web"),
        ("teams", "Microsoft Teams", "Chat and teamwork"),
        ("teams_meetings", "Teams Meetings", "Online meetings and webinars"),
        ("teams_phone", "Teams Phone", "Phone calls in Teams"),
        ("teams_platform", "Teams Platform", "Apps and workflows built into Teams"),
        ("viva_engage", "Viva Engage (Yammer)", "Company-wide communities"),
        ("viva_insights", "Viva Insights", "Work-pattern insights and wellbeing"),
        ("viva_learning", "Viva Learning", "Training in the flow of work"),
        ("viva_connections", "Viva Connections", "Company news and resources in Teams"),
        ("intune", "Microsoft Intune", "Managing and securing devices"),
        (
            "entra_id_premium",
            "Microsoft Entra ID P1/P2 (Azure AD Premium)",
            "Sign-in, identity and access control",
        ),
        ("defender_office365", "Microsoft Defender for Office 365", "Protection for email and collaboration"),
        ("defender_endpoint", "Microsoft Defender for Endpoint", "Protection for computers and phones"),
        ("defender_identity", "Microsoft Defender for Identity", "Detecting attacks on user accounts"),
        (
            "information_protection",
            "Microsoft Purview Information Protection",
            "Labelling and protecting sensitive files",
        ),
        ("dynamics_sales", "Dynamics 365 Sales", "Managing customers and sales"),
        ("dynamics_customer_service", "Dynamics 365 Customer Service", "Handling customer requests"),
        ("dynamics_field_service", "Dynamics 365 Field Service", "Planning work on site"),
        ("dynamics_finance", "Dynamics 365 Finance", "Accounting and finance"),
        ("dynamics_supply_chain", "Dynamics 365 Supply Chain Management", "Stock, production and logistics"),
        ("business_central", "Dynamics 365 Business Central", "Business management for smaller companies"),
        ("power_apps", "Power Apps", "Custom business apps"),
        ("power_automate", "Power Automate", "Automated workflows"),
        ("power_bi", "Power BI", "Reports and dashboards"),
    ]
)

# What a hostile partner might type, aimed at every markdown feature a Teams TextBlock renders.
INJECTION = (
    "[click](https://evil.example) **bold** # head\n- item {{DATE(2020-01-01T00:00:00Z)}} "
    "<b>html</b> <https://evil.example/auto> ![img](https://evil.example/x.png) _em_ `code` "
    "~~gone~~ www.evil.com &#91;x&#93;(https://evil.example) ${secret} {{TIME(2020-01-01T00:00:00Z)}}"
)


def _fill(pattern: str, length: int) -> str:
    """`pattern` repeated to exactly `length` characters."""
    return (pattern * (length // len(pattern) + 1))[:length]


CONTOSO = ClaimSummary(
    claim_id="clm_01HV6Q3W2K",
    partner_name="Contoso Consulting",
    customer_name="Fabrikam Ltd",
    solution_area="Modern Work and Security",
    solution_area_id="modern_work_security",
    workloads=(TEAMS, EXCHANGE, INTUNE),
    status="under_review",
    submitted_on=datetime.date(2026, 3, 12),
    reported_on=datetime.date(2026, 3, 19),
    partner_message="Thanks for the Teams and Intune rollout this spring. Questions? Call Ana on our team.",
    partner_reference="SOW-2026-014",
)

# A contact's own link to the claim's web page, as the bot makes it (bot.web.links): made up, as is
# its key. The worst case's is as long as a link gets: a long public address, the longest ids.
SAMPLE_LINK = WebLink(
    "https://cpor.litware.example/c/1.clm_01HV6Q3W2K.ctc_01HV6Q3W4T.1781689800.Zt3q0pTj2mXcY8kWb1vR4A",
    datetime.datetime(2026, 6, 17, 9, 30, tzinfo=datetime.UTC),
)
WORST_LINK = WebLink(
    "https://"
    + _fill("cpor-service.", 60)
    + "example/c/1."
    + _fill("clm-0123456789", 64)
    + "."
    + _fill("ctc-0123456789", 64)
    + ".99999999999."
    + _fill("Zt3q0pTj2mXcY8kWb1vR4A", 22),
    datetime.datetime(2026, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),
)

# The largest input the partner API accepts (names 100, message 500, reference 64 characters, all 26
# workloads), full of markdown and link punctuation, with a reader name from Teams past its cap.
WORST = ClaimSummary(
    claim_id=_fill("clm_[x](https://evil.example)_", 64),
    partner_name=_fill("[*_Contoso_*](https://evil.example) **Consulting** <b>Int'l</b> ", 100),
    customer_name=_fill("**Fabrikam** <i>Ltd</i> {{DATE(2020-01-01T00:00:00Z)}} ", 100),
    solution_area=_fill("Modern Work and Security ", 100),
    workloads=ALL_WORKLOADS,
    status="partner_action_required",
    submitted_on=datetime.date(2026, 12, 31),
    partner_message=_fill(INJECTION + " ", 500),
    partner_reference=_fill("[ref](https://evil.example)", 64),
    web_link=WORST_LINK,
)

SINGLE = ClaimSummary(
    claim_id="clm_01HV7A9Z3M",
    partner_name="Northwind Advisors",
    customer_name="Fabrikam Ltd",
    solution_area="Modern Work and Security",
    solution_area_id="modern_work_security",
    workloads=(TEAMS,),
    status="submitted",
    submitted_on=datetime.date(2026, 4, 2),
)

ACKNOWLEDGED_BY = "Anna Schmidt"
ACKNOWLEDGED_ON = datetime.date(2026, 3, 14)


def _claims() -> dict[str, ClaimSummary]:
    out: dict[str, ClaimSummary] = {
        "contoso": CONTOSO,
        "single": SINGLE,
        "many": replace(CONTOSO, workloads=ALL_WORKLOADS, solution_area="Modern Work and Security"),
        "worst": WORST,
        # Business Applications: one partner per subscription, and an end date for Dynamics 365.
        "business": replace(
            CONTOSO,
            solution_area="Business Applications",
            solution_area_id="business_applications",
            workloads=(DYNAMICS_SALES, POWER_BI),
            partner_message=None,
        ),
    }
    for status in (
        "draft",
        "submitted",
        "partner_action_required",
        "approved",
        "rejected",
        "dispute",
        "rejected_final",
        "customer_declined",
    ):
        out[status] = replace(CONTOSO, status=status)
    # The same claim, sent by an organisation that runs the app for the partner (see SENDERS).
    out["operator"] = CONTOSO
    # Reader states as they happen: "Got it" and then a question; "I don't recognise this partner"
    # and then a question; a question alone.
    out["acknowledged"] = replace(
        CONTOSO, acknowledged_by=ACKNOWLEDGED_BY, acknowledged_on=ACKNOWLEDGED_ON, question_sent=True
    )
    out["not_recognised"] = replace(CONTOSO, not_recognised_reported=True, question_sent=True)
    out["question_sent"] = replace(CONTOSO, question_sent=True)
    # As the bot sends it to a contact: with the contact's own link to the claim's web page.
    out["link"] = replace(CONTOSO, web_link=SAMPLE_LINK)
    return out


# Every sample claim by name: a typical claim, the worst case, one per status, one per reader state.
CLAIMS: dict[str, ClaimSummary] = _claims()

# The organisation that runs the app, by claim sample, where it is not the partner itself.
SENDERS: dict[str, str] = {"operator": "Litware Managed Services", "worst": _fill("**Litware** [x](y) ", 100)}

# Samples made of injection text at the input limits: for size, schema and safety checks. Their
# text is hostile by design, so the readability rules (Flesch, sentence length) do not apply to them.
HOSTILE_SAMPLES: frozenset[str] = frozenset({"worst", "text"})

# Claims lists: several claims (newest first), none, and twelve worst-case claims (over the cap).
CLAIM_LISTS: dict[str, tuple[ClaimSummary, ...]] = {
    "several": (
        replace(SINGLE, status="approved"),
        CONTOSO,
        replace(CONTOSO, claim_id="clm_01HT0B2C4D", partner_name="Adatum Partners", status="rejected_final"),
    ),
    "empty": (),
    "worst": (WORST,) * 12,
}

# Status changes: (claim, previous status).
STATUS_CHANGES: dict[str, tuple[ClaimSummary, str]] = {
    "under_review-approved": (replace(CONTOSO, status="approved"), "under_review"),
    "under_review-partner_action_required": (
        replace(CONTOSO, status="partner_action_required"),
        "under_review",
    ),
    "approved-customer_declined": (replace(CONTOSO, status="customer_declined"), "approved"),
    "worst": (replace(WORST, status="rejected"), "partner_action_required"),
}

# Notices: a catalogue key (and the claim to go back to, if any), or the bot's own text.
NOTICES: dict[str, tuple[str, str | None]] = {
    "other_tenant": ("notice.other_tenant", None),
    "unknown_claim": ("notice.unknown_claim", None),
    "question_empty": ("notice.question_empty", CONTOSO.claim_id),
    "unknown_action": ("notice.unknown_action", None),
    "not_a_contact": ("notice.not_a_contact", None),
    "text": (_fill(INJECTION + " ", 400), WORST.claim_id),
}

# Access cards: with "Back to the claim" (the answer to claim.access) and on their own.
ACCESS: dict[str, tuple[ClaimSummary, bool]] = {
    "contoso": (CONTOSO, True),
    "many": (replace(CONTOSO, workloads=ALL_WORKLOADS), True),
    "worst": (WORST, True),
    "standalone": (CONTOSO, False),
}


# Cards for partner users in Teams (not sent to customers, never by email).
PARTNER_KINDS: tuple[str, ...] = ("partner_notice", "compose")
ALL_KINDS: tuple[str, ...] = (*KINDS, *PARTNER_KINDS)

AREAS = (
    Choice("modern_work_security", "Modern Work and Security"),
    Choice("business_applications", "Business Applications"),
)
WORKLOAD_CHOICES = tuple(Choice(w.id or w.name, f"{w.name}: {w.plain}") for w in ALL_WORKLOADS)
PARTNER_NOTICES: dict[str, tuple[ClaimSummary, str, str | None, str | None]] = {
    "acknowledged": (CONTOSO, "acknowledged", "Megan Bowen", None),
    "not_recognised": (CONTOSO, "not_recognised", None, None),
    "question": (CONTOSO, "question", "Megan Bowen", "Which statement of work is this claim about?"),
    "worst": (WORST, "question", WORST.partner_name, WORST.partner_message),
}
COMPOSE_FORMS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "empty": ({}, {}),
    "errors": (
        {"customer_tenant_id": "fabrikam", "customer_name": "Fabrikam Ltd", "workloads": "teams,power_bi"},
        {
            "customer_tenant_id": "must be a GUID such as 00000000-0000-0000-0000-000000000000",
            "workloads": "'power_bi' belongs to solution area 'business_applications'",
        },
    ),
}

# The kinds that take no data.
_PLAIN: dict[str, Callable[..., Card]] = {"welcome": welcome_card, "help": help_card, "about": about_card}


@dataclass(frozen=True, slots=True)
class Variant:
    """One built card: which kind, for which host and locale, from which sample."""

    kind: str
    host: str
    locale: str
    sample: str | None
    card: Card

    @property
    def filename(self) -> str:
        """ "claim.teams.en.contoso.json"; no sample part for kinds without samples."""
        return _filename(self.kind, self.host, self.locale, self.sample)

    @property
    def name(self) -> str:
        """The file name without ".json"."""
        return self.filename.removesuffix(".json")

    def to_json(self) -> str:
        """The card as the dump and the golden files store it: indented, UTF-8, final newline."""
        return json.dumps(self.card, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True, slots=True)
class Recipe:
    """One card variant, not yet built."""

    kind: str
    host: str
    locale: str
    sample: str | None
    make: Callable[[], Card]

    @property
    def filename(self) -> str:
        return _filename(self.kind, self.host, self.locale, self.sample)

    def build(self) -> Variant:
        return Variant(self.kind, self.host, self.locale, self.sample, self.make())


def _filename(kind: str, host: str, locale: str, sample: str | None) -> str:
    return f"{kind}.{host}.{locale}" + (f".{sample}" if sample else "") + ".json"


def _recipes_for(kind: str, host: str, locale: str) -> Iterator[Recipe]:
    common: CardOptions = {
        "host": host,
        "originator": OUTLOOK_ORIGINATOR if host == "outlook" else None,
        "locale": locale,
        "sender": None,
    }
    users = (TEAMS_USER_ID,) if host == "teams" else ()

    def recipe(sample: str | None, make: Callable[[], Card]) -> Recipe:
        return Recipe(kind, host, locale, sample, make)

    if kind == "claim":
        for name, claim in CLAIMS.items():
            options: CardOptions = {**common, "sender": SENDERS.get(name)}
            yield recipe(name, partial(claim_card, claim, refresh_user_ids=users, **options))
    elif kind == "access":
        for name, (claim, back) in ACCESS.items():
            claim_id = claim.claim_id if back else None
            make = partial(access_card, claim.partner_name, claim.workloads, claim_id=claim_id, **common)
            yield recipe(name, make)
    elif kind == "status_changed":
        for name, (claim, previous) in STATUS_CHANGES.items():
            yield recipe(name, partial(status_changed_card, claim, previous, **common))
    elif kind == "notice":
        for name, (text, claim_id) in NOTICES.items():
            yield recipe(name, partial(message_card, text, claim_id=claim_id, **common))
    elif kind == "claims":
        for name, claims in CLAIM_LISTS.items():
            yield recipe(name, partial(claims_list_card, claims, **common))
    elif kind in _PLAIN:
        yield recipe(None, partial(_PLAIN[kind], **common))
    elif kind in PARTNER_KINDS:
        if host != "teams":  # partner users work in Teams only
            return
        if kind == "partner_notice":
            for name, (claim, response, who, question) in PARTNER_NOTICES.items():
                make = partial(
                    partner_notice_card,
                    claim,
                    response,
                    user_name=who,
                    text=question,
                    customer_name=claim.customer_name,
                    locale=locale,
                )
                yield recipe(name, make)
        else:
            for name, (values, errors) in COMPOSE_FORMS.items():
                make = partial(
                    compose_card,
                    AREAS,
                    WORKLOAD_CHOICES,
                    partner_name=CONTOSO.partner_name,
                    form_id="form-1",
                    values=values,
                    errors=errors,
                    locale=locale,
                )
                yield recipe(name, make)
    else:
        raise ValueError(f"unknown card kind {kind!r}")


def recipes(
    *,
    kinds: tuple[str, ...] = ALL_KINDS,
    hosts: tuple[str, ...] = HOSTS,
    locales: tuple[str, ...] = SUPPORTED_LOCALES,
) -> Iterator[Recipe]:
    """Every card variant, unbuilt, in a stable order: kind, then host, locale and sample."""
    for kind in kinds:
        for host in hosts:
            for locale in locales:
                yield from _recipes_for(kind, host, locale)


def variants(
    *,
    kinds: tuple[str, ...] = ALL_KINDS,
    hosts: tuple[str, ...] = HOSTS,
    locales: tuple[str, ...] = SUPPORTED_LOCALES,
) -> Iterator[Variant]:
    """Every card variant, built: kinds x hosts x locales x samples."""
    for r in recipes(kinds=kinds, hosts=hosts, locales=locales):
        yield r.build()
