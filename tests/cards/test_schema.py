"""Every card kind, for each host, matches the official Adaptive Card schema of its version."""

from __future__ import annotations

import copy

import pytest

from cards import KINDS
from cards.samples import Variant, variants
from tests.cards.conftest import CardFactory
from tests.cards.schema_check import card_problems, validate_card

HOST_VERSION = {"teams": "1.5", "outlook": "1.4"}


@pytest.mark.parametrize("host", ["teams", "outlook"])
def test_every_card_matches_the_schema(every_card: CardFactory, host: str) -> None:
    cards = every_card(host)
    assert {kind.split("-")[0] for kind, _ in cards} == set(KINDS)
    for kind, card in cards:
        assert card_problems(card, HOST_VERSION[host]) == [], kind


@pytest.mark.parametrize("host", ["teams", "outlook"])
def test_worst_case_cards_match_the_schema(every_worst_card: CardFactory, host: str) -> None:
    for kind, card in every_worst_card(host):
        assert card_problems(card, HOST_VERSION[host]) == [], kind


def test_validator_reports_readable_problems(every_card: CardFactory) -> None:
    card = copy.deepcopy(every_card("teams")[0][1])
    card["body"][0]["size"] = "Huge"
    card["body"].append({"type": "FancyCarousel"})
    card["actions"].append({"type": "Action.OpenUrl", "title": "No URL"})
    problems = card_problems(card)
    assert "body/0/size: 'Huge' is not one of ['default', 'small', 'medium', 'large', 'extraLarge']" in (
        problems
    )
    assert f"body/{len(card['body']) - 1}: unknown or not-allowed-here type 'FancyCarousel'" in problems
    assert any(p.startswith("actions/") and "'url' is a required property" in p for p in problems)
    with pytest.raises(AssertionError, match="Huge"):
        validate_card(card)


def test_validator_enforces_the_version_schema(every_card: CardFactory) -> None:
    card = copy.deepcopy(every_card("outlook")[0][1])
    card["body"].append({"type": "Table", "columns": [], "rows": []})  # Table arrived in 1.5
    assert any("Table" in p for p in card_problems(card))
    assert card_problems(card, "1.5")[0] == "<root>: version is '1.4', expected '1.5'"


def test_validator_still_rejects_unknown_properties_after_stripping_host_keys(
    every_card: CardFactory,
) -> None:
    card = copy.deepcopy(every_card("teams")[0][1])
    card["body"][0]["colour"] = "red"
    assert any("colour" in p for p in card_problems(card))


# The samples whose structure differs from the Contoso claim (reader states, many services, a
# Back button, the bot's own text); validating each takes a while, so not every language.
STRUCTURAL = {"acknowledged", "not_recognised", "many", "single", "text", "several", "under_review-approved"}


@pytest.mark.parametrize(
    "variant",
    [v for v in variants(locales=("en",)) if v.sample in STRUCTURAL],
    ids=lambda v: v.name,
)
def test_structurally_different_samples_match_the_schema(variant: Variant) -> None:
    assert card_problems(variant.card, HOST_VERSION[variant.host]) == []
