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
    message_card,
    status_changed_card,
    welcome_card,
)
from tests.cards.conftest import OUTLOOK_ORIGINATOR


def test_each_kind_builds_the_same_card_as_its_builder(contoso_claim: ClaimSummary) -> None:
    o = {"host": "outlook", "originator": OUTLOOK_ORIGINATOR, "locale": "de"}
    c = contoso_claim
    expected = {
        "claim": claim_card(c, **o),
        "access": access_card(c.partner_name, c.workloads, claim_id=c.claim_id, **o),
        "status_changed": status_changed_card(c, "submitted", **o),
        "notice": message_card("notice.other_tenant", **o),
        "welcome": welcome_card(**o),
        "help": help_card(**o),
        "about": about_card(**o),
        "claims": claims_list_card([c], **o),
    }
    data: dict[str, object] = {
        "claim": c,
        "access": c,
        "status_changed": (c, "submitted"),
        "notice": "notice.other_tenant",
        "claims": [c],
    }
    assert set(KINDS) == set(expected)
    for kind in KINDS:
        assert build(kind, data.get(kind), **o) == expected[kind], kind


def test_claim_passes_the_refresh_users(contoso_claim: ClaimSummary) -> None:
    ids = ["29:abc"]
    assert build("claim", contoso_claim, refresh_user_ids=ids) == claim_card(
        contoso_claim, refresh_user_ids=ids
    )


def test_access_accepts_a_name_and_workloads_pair_without_a_back_button(contoso_claim: ClaimSummary) -> None:
    pair = (contoso_claim.partner_name, contoso_claim.workloads)
    assert build("access", pair) == access_card(*pair)
    assert build("access", contoso_claim) == access_card(*pair, claim_id=contoso_claim.claim_id)


def test_notice_accepts_a_key_and_claim_pair(contoso_claim: ClaimSummary) -> None:
    card = build("notice", ("notice.question_empty", contoso_claim.claim_id))
    assert card == message_card("notice.question_empty", claim_id=contoso_claim.claim_id)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown card kind 'receipt'"):
        build("receipt")


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("claim", None),
        ("claim", {"partner_name": "x"}),
        ("access", "Contoso"),
        ("access", ("Contoso", "Teams")),
        ("claims", "Contoso"),
        ("status_changed", "approved"),
        ("notice", None),
        ("notice", ("notice.other_tenant", 3)),
    ],
)
def test_wrong_data_is_refused(kind: str, data: object) -> None:
    with pytest.raises(TypeError):
        build(kind, data)


def test_unknown_locale_is_refused(contoso_claim: ClaimSummary) -> None:
    with pytest.raises(ValueError, match="unsupported locale 'de-DE'.*choose_locale"):
        build("claim", contoso_claim, locale="de-DE")
