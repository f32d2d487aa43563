"""Sample claims for the card tests: a realistic one, a worst case, and card collections."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from cards import ClaimSummary, WorkloadLine, build

OUTLOOK_ORIGINATOR = "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"

TEAMS = WorkloadLine("Microsoft Teams", "Chat and teamwork")
EXCHANGE = WorkloadLine("Exchange Online", "Email and calendars")
INTUNE = WorkloadLine("Microsoft Intune", "Managing and securing devices")

# The 26 workloads of the seeded catalog (bot/workloads.toml), copied so these tests stand alone.
ALL_WORKLOADS = tuple(
    WorkloadLine(name, plain)
    for name, plain in [
        ("Exchange Online", "Email and calendars"),
        ("SharePoint Online", "Team sites, intranet and shared files"),
        ("Microsoft 365 Apps", "Word, Excel, PowerPoint and Outlook on desktop and web"),
        ("Microsoft Teams", "Chat and teamwork"),
        ("Teams Meetings", "Online meetings and webinars"),
        ("Teams Phone", "Phone calls in Teams"),
        ("Teams Platform", "Apps and workflows built into Teams"),
        ("Viva Engage (Yammer)", "Company-wide communities"),
        ("Viva Insights", "Work-pattern insights and wellbeing"),
        ("Viva Learning", "Training in the flow of work"),
        ("Viva Connections", "Company news and resources in Teams"),
        ("Microsoft Intune", "Managing and securing devices"),
        ("Microsoft Entra ID P1/P2 (Azure AD Premium)", "Sign-in, identity and access control"),
        ("Microsoft Defender for Office 365", "Protection for email and collaboration"),
        ("Microsoft Defender for Endpoint", "Protection for computers and phones"),
        ("Microsoft Defender for Identity", "Detecting attacks on user accounts"),
        ("Microsoft Purview Information Protection", "Labelling and protecting sensitive files"),
        ("Dynamics 365 Sales", "Managing customers and sales"),
        ("Dynamics 365 Customer Service", "Handling customer requests"),
        ("Dynamics 365 Field Service", "Planning work on site"),
        ("Dynamics 365 Finance", "Accounting and finance"),
        ("Dynamics 365 Supply Chain Management", "Stock, production and logistics"),
        ("Dynamics 365 Business Central", "Business management for smaller companies"),
        ("Power Apps", "Custom business apps"),
        ("Power Automate", "Automated workflows"),
        ("Power BI", "Reports and dashboards"),
    ]
)

# What a hostile partner might type, aimed at every markdown feature a Teams TextBlock renders.
INJECTION = (
    "[click](https://evil.example) **bold** # head\n- item {{DATE(2020-01-01T00:00:00Z)}} "
    "<b>html</b> <https://evil.example/auto> ![img](https://evil.example/x.png) _em_ `code` "
    "~~gone~~ www.evil.com &#91;x&#93;(https://evil.example) ${secret} {{TIME(2020-01-01T00:00:00Z)}}"
)


def make_claim(**changes: Any) -> ClaimSummary:
    values: dict[str, Any] = {
        "claim_id": "clm_01HV6Q3W2K",
        "partner_name": "Contoso Consulting",
        "customer_name": "Fabrikam Ltd",
        "solution_area": "Modern Work and Security",
        "workloads": (TEAMS, EXCHANGE, INTUNE),
        "status": "under_review",
        "submitted_on": datetime.date(2026, 3, 12),
        "partner_message": (
            "Thanks for the Teams and Intune rollout this spring. Questions? Call Ana on our team."
        ),
        "partner_reference": "SOW-2026-014",
    }
    values.update(changes)
    return ClaimSummary(**values)


@pytest.fixture
def contoso_claim() -> ClaimSummary:
    """Contoso Consulting claims Teams, Exchange and Intune for Fabrikam Ltd, under review."""
    return make_claim()


@pytest.fixture
def worst_claim() -> ClaimSummary:
    """Every workload, names and message past their caps, full of markdown punctuation."""
    return make_claim(
        partner_name=("[*_Contoso_*](https://evil.example) " * 10),
        customer_name=("**Fabrikam** <i>Ltd</i> " * 10),
        solution_area="Modern Work and Security " * 5,
        workloads=ALL_WORKLOADS,
        partner_message=(INJECTION + " ") * 5,
        partner_reference="[ref](https://evil.example)" * 5,
        status="partner_action_required",
    )


CardFactory = Callable[[str], list[tuple[str, dict[str, Any]]]]


def cards_for(
    summary: ClaimSummary, others: list[ClaimSummary], host: str
) -> list[tuple[str, dict[str, Any]]]:
    """One card of every kind for a host."""
    originator = OUTLOOK_ORIGINATOR if host == "outlook" else None
    return [
        ("claim", build("claim", summary, host=host, originator=originator)),
        ("access", build("access", summary, host=host, originator=originator)),
        ("welcome", build("welcome", host=host, originator=originator)),
        ("help", build("help", host=host, originator=originator)),
        ("about", build("about", host=host, originator=originator)),
        ("claims", build("claims", [summary, *others], host=host, originator=originator)),
        ("claims-empty", build("claims", [], host=host, originator=originator)),
    ]


@pytest.fixture
def every_card(contoso_claim: ClaimSummary) -> CardFactory:
    """Every card kind for a host, built from the Contoso sample."""
    others = [make_claim(partner_name="Northwind Advisors", status="approved", partner_message=None)]
    return lambda host: cards_for(contoso_claim, others, host)


@pytest.fixture
def every_worst_card(worst_claim: ClaimSummary) -> CardFactory:
    """Every card kind for a host, built from the worst case (and a list of 12 worst claims)."""
    return lambda host: cards_for(worst_claim, [worst_claim] * 11, host)
