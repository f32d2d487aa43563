"""Every sample card, rendered by Microsoft's JS SDK in headless Chromium (offline), has no events.

One renderer call (one browser launch) for the whole module. Without Node, the npm packages or
Chromium the tests skip, except under CI, where they fail: CI must never skip them.
"""

from __future__ import annotations

import copy
import os
from typing import Any, NoReturn

import pytest

from cards import claim_card, help_card
from cards.render import (
    OUTLOOK_SAMPLE_ORIGINATOR,
    RendererUnavailable,
    RenderReport,
    render,
    sample_cards,
)
from tests.cards.conftest import make_claim

CARDS = sample_cards()


def _outlook_claim() -> dict[str, Any]:
    return copy.deepcopy(claim_card(make_claim(), host="outlook", originator=OUTLOOK_SAMPLE_ORIGINATOR))


def _teams_help() -> dict[str, Any]:
    return copy.deepcopy(help_card(host="teams"))


def _unknown_element() -> dict[str, Any]:
    card = _teams_help()
    card["body"].append({"type": "FancyCarousel", "items": []})
    return card


def _version_1_6() -> dict[str, Any]:
    card = _teams_help()
    card["version"] = "1.6"
    return card


def _submit_in_outlook() -> dict[str, Any]:
    card = _outlook_claim()
    card.setdefault("actions", []).append({"type": "Action.Submit", "title": "Decline", "data": {"x": 1}})
    return card


def _outlook_without_originator() -> dict[str, Any]:
    card = _outlook_claim()
    del card["originator"]
    return card


# name -> (host, card, an event it must produce)
BROKEN: dict[str, tuple[str, dict[str, Any], str]] = {
    "broken-unknown-element": (
        "teams",
        _unknown_element(),
        '[Parse] UnknownElementType: Unknown element type "FancyCarousel"',
    ),
    "broken-version-1-6": (
        "teams",
        _version_1_6(),
        "[Validation] UnsupportedCardVersion: The specified card version (1.6) is not supported",
    ),
    "broken-submit-in-outlook": (
        "outlook",
        _submit_in_outlook(),
        '[Parse] UnknownActionType: Unknown action type "Action.Submit"',
    ),
    "broken-no-originator": ("outlook", _outlook_without_originator(), "[Validation] MissingOriginator"),
}


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"card renderer unavailable under CI: {reason}", pytrace=False)
    pytest.skip(f"card renderer unavailable: {reason}")


@pytest.fixture(scope="module")
def reports() -> dict[str, RenderReport]:
    jobs = [*CARDS, *((name, host, card) for name, (host, card, _) in BROKEN.items())]
    try:
        results = render(jobs)
    except RendererUnavailable as err:
        _unavailable(err.reason)
    return {report.name: report for report in results}


def test_sample_names_are_unique() -> None:
    names = [name for name, _, _ in CARDS]
    assert len(names) == len(set(names))
    assert {host for _, host, _ in CARDS} == {"teams", "outlook"}


@pytest.mark.parametrize(("name", "host"), [pytest.param(name, host, id=name) for name, host, _ in CARDS])
def test_card_renders_without_events(reports: dict[str, RenderReport], name: str, host: str) -> None:
    report = reports[name]
    assert report.events == [], f"{name} ({host}):\n" + "\n".join(report.events)
    assert report.rendered, name
    assert report.png is None


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_card_is_caught(reports: dict[str, RenderReport], name: str) -> None:
    expected = BROKEN[name][2]
    events = reports[name].events
    assert any(expected in event for event in events), events
    assert not any("BlockedRequest" in event or "[Page]" in event for event in events), events
