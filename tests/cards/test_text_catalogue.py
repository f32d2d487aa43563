"""The English text catalogue: traceable to facts, no markdown, short sentences, nothing unused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cards.i18n import EN, catalogue
from tests.cards.walk import markdown_hazards

CARDS_DIR = Path(__file__).resolve().parents[2] / "cards"
FACT_IDS = set(range(1, 42))
SPECIAL_SOURCES = {"s7", "app"}
# Fact 19 (how a customer declines) is unverified; fact 33 is loose wording the cards must not repeat.
NOT_TO_STATE = {19, 33}
# Words that make an entry a statement about Microsoft's programme, which must cite its facts.
PROGRAMME_WORDS = re.compile(
    r"Microsoft|CPOR|association|incentive|proof|business days|working days|admin|customer data|"
    r"seat|decline|licen[cs]e|partners? (?:gets?|can)",
    re.IGNORECASE,
)

ENTRIES = catalogue()


def test_every_fact_reference_exists() -> None:
    for key, entry in ENTRIES.items():
        for fact in entry.facts:
            assert fact in FACT_IDS or fact in SPECIAL_SOURCES, (key, fact)


def test_unverified_facts_are_not_stated() -> None:
    for key, entry in ENTRIES.items():
        assert not NOT_TO_STATE & set(entry.facts), key


def test_programme_statements_cite_their_facts() -> None:
    for key, entry in ENTRIES.items():
        if PROGRAMME_WORDS.search(entry.text):
            assert entry.facts, f"{key} makes a programme statement without facts: {entry.text!r}"


def test_loose_data_access_wording_is_absent() -> None:
    text = " ".join(e.text for e in ENTRIES.values()).lower()
    for phrase in ("some of their data", "some of your data", "management services"):
        assert phrase not in text


@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_own_text_has_no_markdown(key: str) -> None:
    assert markdown_hazards(re.sub(r"\{[a-z_]+\}", "X", ENTRIES[key].text)) == []


def test_sentences_are_at_most_20_words() -> None:
    for key, entry in ENTRIES.items():
        if key.endswith(("fallback", "speak", "fallback_empty")):
            continue  # plain-text summaries for old clients, not shown on the card
        for sentence in re.split(r"(?<=[.?!])\s+", entry.text):
            assert len(sentence.split()) <= 20, (key, sentence)


def test_every_status_has_label_meaning_and_next() -> None:
    for code in EN.status_codes():
        for part in ("label", "meaning", "next"):
            assert ENTRIES[f"status.{code}.{part}"].text, (code, part)


def test_every_entry_is_used_by_a_builder() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in CARDS_DIR.glob("*.py"))
    used = set(re.findall(r"""_T\(\s*"([a-z_.]+)\"""", source))
    used |= set(re.findall(r"""self\(\s*"([a-z_.]+)\"""", source))
    dynamic = ("status.", "month.", "command.", "claim.headline_")  # looked up with f-strings
    unused = sorted(k for k in ENTRIES if k not in used and not k.startswith(dynamic))
    assert unused == []
    missing = sorted(k for k in used if k not in ENTRIES)
    assert missing == []


def test_dates_read_naturally() -> None:
    import datetime

    assert EN.date(datetime.date(2026, 3, 12)) == "12 March 2026"
    assert EN.date(datetime.date(2025, 12, 1)) == "1 December 2025"
