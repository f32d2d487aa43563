"""`build` dispatches by kind name to the builders."""

from __future__ import annotations

import pytest

from cards import (
    KINDS,
    ClaimSummary,
    about_card,
    access_card,
    build,
    claim_card,
    claims_list_card,
    help_card,
    welcome_card,
)
from tests.cards.conftest import OUTLOOK_ORIGINATOR


def test_each_kind_builds_the_same_card_as_its_builder(contoso_claim: ClaimSummary) -> None:
    o = OUTLOOK_ORIGINATOR
    expected = {
        "claim": claim_card(contoso_claim, host="outlook", originator=o),
        "access": access_card(
            contoso_claim.partner_name, contoso_claim.workloads, host="outlook", originator=o
        ),
        "welcome": welcome_card(host="outlook", originator=o),
        "help": help_card(host="outlook", originator=o),
        "about": about_card(host="outlook", originator=o),
        "claims": claims_list_card([contoso_claim], host="outlook", originator=o),
    }
    data = {"claim": contoso_claim, "access": contoso_claim, "claims": [contoso_claim]}
    assert set(KINDS) == set(expected)
    for kind in KINDS:
        assert build(kind, data.get(kind), host="outlook", originator=o) == expected[kind], kind


def test_access_accepts_a_name_and_workloads_pair(contoso_claim: ClaimSummary) -> None:
    pair = (contoso_claim.partner_name, contoso_claim.workloads)
    assert build("access", pair) == access_card(*pair)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown card kind 'receipt'"):
        build("receipt")


@pytest.mark.parametrize(
    ("kind", "data"),
    [("claim", None), ("claim", {"partner_name": "x"}), ("access", "Contoso"), ("claims", "Contoso")],
)
def test_wrong_data_is_refused(kind: str, data: object) -> None:
    with pytest.raises(TypeError):
        build(kind, data)
