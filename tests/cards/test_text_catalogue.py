"""The text catalogues: traceable to facts, no markdown, short sentences, nothing unused, and every
language with the same keys, placeholders and facts as English."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

from cards.i18n import EN, SUPPORTED_LOCALES, catalogue
from tests.cards.walk import markdown_hazards

CARDS_DIR = Path(__file__).resolve().parents[2] / "cards"
TEXT_DIR = CARDS_DIR / "text"
# Words that make an entry a statement about Microsoft's programme, which must cite its facts.
PROGRAMME_WORDS = re.compile(
    r"Microsoft|CPOR|association|incentive|proof|business days|working days|admin|customer data|"
    r"seat|decline|licen[cs]e|partners? (?:gets?|can)",
    re.IGNORECASE,
)
TRANSLATIONS = [locale for locale in SUPPORTED_LOCALES if locale != "en"]

ENTRIES = catalogue()


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_programme_statements_cite_their_facts() -> None:
    missing = [
        key for key, entry in ENTRIES.items() if PROGRAMME_WORDS.search(entry.text) and not entry.facts
    ]
    assert missing == []


def test_loose_data_access_wording_is_absent() -> None:
    text = " ".join(e.text for e in ENTRIES.values()).lower()
    for phrase in ("some of their data", "some of your data", "management services"):
        assert phrase not in text


@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_own_text_has_no_markdown(key: str) -> None:
    assert markdown_hazards(re.sub(r"\{[a-z_]+\}", "X", ENTRIES[key].text)) == []


def test_sentences_are_at_most_20_words() -> None:
    for key, entry in ENTRIES.items():
        if key.endswith(("fallback", "speak", "fallback_empty", "fallback_draft", "speak_draft")):
            continue  # plain-text summaries for old clients, not shown on the card
        for sentence in re.split(r"(?<=[.?!])\s+", entry.text):
            assert len(sentence.split()) <= 20, (key, sentence)


def test_every_status_has_label_meaning_and_next() -> None:
    for code in EN.status_codes():
        for part in ("label", "meaning", "next"):
            assert ENTRIES[f"status.{code}.{part}"].text, (code, part)


def test_every_entry_is_used_by_a_builder() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in CARDS_DIR.glob("*.py"))
    used = set(re.findall(r"""\bt\(\s*"([a-z_.]+)\"""", source))
    used |= set(re.findall(r"""self\(\s*"([a-z_.]+)\"""", source))
    used |= set(re.findall(r""""(notice\.[a-z_]+)\"""", source))  # NOTICE_KEYS
    # Looked up with f-strings.
    dynamic = (
        "status.",
        "command.",
        "claim.headline_",
        "claim.fallback",
        "claim.gives",
        "claim.state.next",
        "claim.todo",
        "claim.faq.one",
        "claim.faq.last",
        "area.",
        "compare.",
        "workload.",
        "partner.title_",
        "partner.next_",
        "email.subject_",
    )
    unused = sorted(k for k in ENTRIES if k not in used and not k.startswith(dynamic))
    assert unused == []
    missing = sorted(k for k in used if k not in ENTRIES)
    assert missing == []


@pytest.mark.parametrize("locale", TRANSLATIONS)
def test_each_language_has_the_same_keys_placeholders_and_facts(locale: str) -> None:
    other = catalogue(locale)
    assert sorted(set(ENTRIES) - set(other)) == [], f"{locale}.toml lacks these keys"
    assert sorted(set(other) - set(ENTRIES)) == [], f"{locale}.toml has keys English does not"
    for key, entry in ENTRIES.items():
        assert placeholders(other[key].text) == placeholders(entry.text), (locale, key)
        assert other[key].facts == entry.facts, (locale, key)
        assert other[key].text.strip(), (locale, key)


@pytest.mark.parametrize("locale", TRANSLATIONS)
def test_translation_files_parse_and_say_what_they_are(locale: str) -> None:
    path = TEXT_DIR / f"{locale}.toml"
    text = path.read_text(encoding="utf-8")
    tomllib.loads(text)
    if text.startswith("# TRANSLATION PENDING"):
        assert text.splitlines()[0] == "# TRANSLATION PENDING: copy of en.toml"


def test_only_supported_languages_have_files() -> None:
    assert sorted(p.stem for p in TEXT_DIR.glob("*.toml")) == sorted(SUPPORTED_LOCALES)


def test_parity_check_notices_a_broken_translation() -> None:
    # Guard against a vacuous pass: the comparison does see a changed placeholder.
    assert placeholders("{partner} has told Microsoft") != placeholders("{partenaire} a dit")
