"""The workload catalog."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.claims import Claim, Status
from bot.domain.workloads import catalog, parse_catalog
from bot.views import ClaimView, claim_summary
from cards.i18n import SUPPORTED_LOCALES, catalogue
from cards.samples import ALL_WORKLOADS


def test_the_shipped_catalog_covers_both_solution_areas() -> None:
    cat = catalog()
    assert set(cat.areas) == {"modern_work_security", "business_applications"}
    assert cat.workloads["teams"].name == "Microsoft Teams"
    assert cat.workloads["teams"].plain
    assert all(w.plain and w.name and w.fact in (8, 9, 11) for w in cat.workloads.values())
    assert {w.id for w in cat.in_area("business_applications")} >= {"power_bi", "dynamics_sales"}


def test_azure_is_not_a_cpor_workload() -> None:
    # Azure uses PAL, DPOR or CSP, not CPOR (fact 12).
    assert not any("azure" in w.id for w in catalog().workloads.values())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[areas.a]\nname="A"\nplain="a"\n[[workload]]\nid="x"\nname="X"\nplain="x"\narea="b"\nfact=8\n',
            "unknown area",
        ),
        (
            '[areas.a]\nname="A"\nplain="a"\n'
            + '[[workload]]\nid="x"\nname="X"\nplain="x"\narea="a"\nfact=8\n' * 2,
            "duplicate",
        ),
        ('[areas.a]\nname="A"\nplain="a"\n', "no workloads"),
    ],
)
def test_a_broken_catalog_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_catalog(text)


def test_every_workload_has_its_plain_words_in_the_card_text_catalogue() -> None:
    # The cards translate `plain` through `workload.<id>`; the English entry must say the same thing,
    # and rest on the same fact, so the catalog and the card text cannot drift apart.
    english = catalogue("en")
    for w in catalog().workloads.values():
        entry = english.get(f"workload.{w.id}")
        assert entry is not None, f"en.toml lacks workload.{w.id}"
        assert entry.text == w.plain, w.id
        assert entry.facts == (w.fact,), w.id
    listed = {key.removeprefix("workload.") for key in english if key.startswith("workload.")}
    assert listed == set(catalog().workloads), "en.toml lists workloads the catalog does not"


def test_every_solution_area_has_its_plain_words_in_the_card_text_catalogue() -> None:
    # The claim card says what the area is through `area.<id>`: the English entry is the catalog's
    # `plain`, and every area the catalog knows has one.
    english = catalogue("en")
    for area_id, area in catalog().areas.items():
        entry = english.get(f"area.{area_id}")
        assert entry is not None, f"en.toml lacks area.{area_id}"
        assert entry.text == area.plain, area_id
    listed = {key.removeprefix("area.") for key in english if key.startswith("area.")}
    assert listed == set(catalog().areas), "en.toml lists areas the catalog does not"


def test_the_card_samples_are_the_catalog() -> None:
    assert [(w.id, w.name, w.plain) for w in ALL_WORKLOADS] == [
        (w.id, w.name, w.plain) for w in catalog().workloads.values()
    ]


def _claim(workloads: tuple[str, ...]) -> Claim:
    now = dt.datetime(2026, 3, 12, 9, 0, tzinfo=dt.UTC)
    return Claim(
        id="claim-1",
        partner_id="p1",
        customer_tenant_id="t1",
        customer_name="Fabrikam Ltd",
        solution_area="modern_work_security",
        workloads=workloads,
        status=Status.UNDER_REVIEW,
        submitted_on=now.date(),
        created_at=now,
        updated_at=now,
    )


def test_claim_summary_passes_catalog_ids_and_leaves_unknown_workloads_without() -> None:
    lines = claim_summary(_claim(("teams", "contoso_cloud")), "Contoso Partners").workloads
    assert [(w.id, w.name, w.plain) for w in lines] == [
        ("teams", "Microsoft Teams", "Chat and teamwork"),
        (None, "contoso_cloud", ""),
    ]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_claim_card_shows_plain_words_in_its_language(locale: str) -> None:
    words = catalogue(locale)
    # One service: its plain words sit in the first view, beside the product name.
    card = ClaimView(_claim(("teams",)), "Contoso Partners", locale=locale).claim_card()
    services = next(el for el in card["body"] if el["type"] == "FactSet")["facts"][0]["value"]
    assert services == f"{words['workload.teams'].text} (Microsoft Teams)"
    # Several: the first view names them, and the claim details say what each is.
    card = ClaimView(_claim(("teams", "exchange")), "Contoso Partners", locale=locale).claim_card()
    more = next(a for a in card["actions"] if a["type"] == "Action.ShowCard")["card"]["body"]
    details = [el for el in more if el["type"] == "FactSet"][1]["facts"]
    assert {(f["title"], f["value"]) for f in details} == {
        ("Microsoft Teams", words["workload.teams"].text),
        ("Exchange Online", words["workload.exchange"].text),
    }
    if locale == "de":
        assert services == "Chat und Teamarbeit (Microsoft Teams)"
