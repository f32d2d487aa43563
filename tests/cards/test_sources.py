"""docs/sources.md: every fact id the catalogues cite is listed there with its kind, nothing cites a
fact marked "do not state", and the English text words each fact as its kind requires."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cards.i18n import catalogue

SOURCES = Path(__file__).resolve().parents[2] / "docs" / "sources.md"
_ROW = re.compile(r"^\| (\d+) \| (verified|inferred|gap|third-party|do not state) \| (.+?) \| (.+?) \|$")
SPECIAL_SOURCES = {"s7", "app"}

# How English text marks each kind that is not a plain Microsoft statement (see docs/sources.md).
MARKERS = {
    "inferred": re.compile(
        r"itself|separate|unchanged|stays as it is|If approved|Through it|once Microsoft approves"
    ),
    "gap": re.compile(r"does not say|names no|gives no|but not how|not documented"),
    "third-party": re.compile(r"Sources outside Microsoft|You may also hear"),
}


def kinds(text: str) -> dict[int, str]:
    """Fact id -> kind, from the tables of docs/sources.md."""
    found = {}
    for line in text.splitlines():
        if m := _ROW.match(line.strip()):
            assert int(m.group(1)) not in found, f"fact {m.group(1)} is listed twice"
            found[int(m.group(1))] = m.group(2)
    return found


FACTS = kinds(SOURCES.read_text(encoding="utf-8"))
ENTRIES = catalogue("en")


def test_the_page_lists_the_facts_with_sources() -> None:
    assert len(FACTS) >= 40
    for line in SOURCES.read_text(encoding="utf-8").splitlines():
        if m := _ROW.match(line.strip()):
            assert m.group(3).strip() and m.group(4).strip(), line


def test_every_cited_fact_is_listed() -> None:
    for key, entry in ENTRIES.items():
        for fact in entry.facts:
            assert fact in SPECIAL_SOURCES or fact in FACTS, (key, fact)


def test_nothing_cites_a_fact_not_to_state() -> None:
    never = {fact for fact, kind in FACTS.items() if kind == "do not state"}
    assert never  # the page does mark some
    for key, entry in ENTRIES.items():
        assert not never & set(entry.facts), key


@pytest.mark.parametrize("kind", sorted(MARKERS))
def test_facts_are_worded_as_their_kind(kind: str) -> None:
    ids = {fact for fact, k in FACTS.items() if k == kind}
    cited = [
        (key, entry.text)
        for key, entry in ENTRIES.items()
        if ids & set(entry.facts) and not entry.text.rstrip().endswith("?")  # a question states nothing
    ]
    assert cited, f"no entry cites a {kind} fact"
    unmarked = [(key, text) for key, text in cited if not MARKERS[kind].search(text)]
    assert unmarked == []


def test_the_wording_check_can_fail() -> None:
    # Guard against a vacuous pass: an inference stated as Microsoft's word has no marker.
    assert not MARKERS["inferred"].search("Microsoft says partners never get admin roles.")
    assert kinds("| 7 | verified | a | b |\n| 8 | gap | c | d |") == {7: "verified", 8: "gap"}
