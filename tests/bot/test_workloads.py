"""The workload catalog."""

from __future__ import annotations

import pytest

from bot.workloads import catalog, parse_catalog


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
