"""Host rules: Teams gets 1.5 at full width; Outlook gets 1.4, the originator and no Submit/Time."""

from __future__ import annotations

import pytest

from cards import ClaimSummary, about_card, claim_card
from cards.elements import SCHEMA_URL
from tests.cards.conftest import OUTLOOK_ORIGINATOR, CardFactory
from tests.cards.walk import actions, walk

OUTLOOK_UNSUPPORTED = {"Action.Submit", "Input.Time"}


def test_outlook_cards_carry_the_originator_and_no_unsupported_elements(
    every_card: CardFactory, every_worst_card: CardFactory
) -> None:
    for kind, card in every_card("outlook") + every_worst_card("outlook"):
        assert card["version"] == "1.4", kind
        assert card["originator"] == OUTLOOK_ORIGINATOR, kind
        assert "msteams" not in card, kind
        types = {node.get("type") for node in walk(card)}
        assert not types & OUTLOOK_UNSUPPORTED, kind


def test_teams_cards_are_1_5_full_width_without_originator(every_card: CardFactory) -> None:
    for kind, card in every_card("teams"):
        assert card["version"] == "1.5", kind
        assert card["lang"] == "en", kind
        assert card["msteams"] == {"width": "Full"}, kind
        assert "originator" not in card, kind
        assert card["$schema"] == SCHEMA_URL, kind
        assert card["type"] == "AdaptiveCard", kind


def test_every_card_has_plain_fallback_text(every_card: CardFactory) -> None:
    for host in ("teams", "outlook"):
        for kind, card in every_card(host):
            fallback = card["fallbackText"]
            assert len(fallback.split()) >= 8, kind
            assert "\\" not in fallback and "**" not in fallback, kind
            assert "not from Microsoft" in fallback or "not by Microsoft" in fallback, kind


def test_outlook_needs_an_originator(contoso_claim: ClaimSummary) -> None:
    with pytest.raises(ValueError, match="originator"):
        claim_card(contoso_claim, host="outlook")
    with pytest.raises(ValueError, match="originator"):
        about_card(host="outlook", originator="  ")


def test_unknown_host_is_refused() -> None:
    with pytest.raises(ValueError, match="host"):
        about_card(host="slack")


def test_show_cards_are_not_versioned_cards(contoso_claim: ClaimSummary) -> None:
    card = claim_card(contoso_claim)
    show_cards = [a["card"] for a in actions(card) if a["type"] == "Action.ShowCard"]
    assert len(show_cards) == 3  # what the partner wrote, ask, more about this
    for inner in show_cards:
        assert inner["type"] == "AdaptiveCard"
        assert "version" not in inner and "msteams" not in inner


def test_headings_are_marked_for_screen_readers_where_the_version_allows(contoso_claim: ClaimSummary) -> None:
    teams = claim_card(contoso_claim)
    mail = claim_card(contoso_claim, host="outlook", originator=OUTLOOK_ORIGINATOR)
    assert sum(1 for n in walk(teams) if n.get("style") == "heading") >= 5
    assert not [n for n in walk(mail) if n.get("style") == "heading"]  # TextBlock style is 1.5


def test_nothing_relies_on_colour_or_images(every_card: CardFactory) -> None:
    for host in ("teams", "outlook"):
        for kind, card in every_card(host):
            for node in walk(card):
                assert node.get("type") not in ("Image", "ImageSet", "Media"), kind
                assert "color" not in node, kind
                assert "backgroundImage" not in node, kind
