"""Cards stay small in the worst case, in every language and host, and the package stays pure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cards import HOSTS, KINDS, SUPPORTED_LOCALES, ClaimSummary, claim_card
from cards.common import MESSAGE_LIMIT
from cards.samples import PARTNER_KINDS, variants
from tests.cards.conftest import CardFactory
from tests.cards.readability import unescape
from tests.cards.walk import markdown_strings, walk

LIMIT_BYTES = 28 * 1000  # the connector limit is about 28 KB; the bot limit (100 KB) is far above
# English leaves room for translations, which run up to a third longer than English.
ENGLISH_LIMIT_BYTES = int(LIMIT_BYTES * 0.8)
REPO = Path(__file__).resolve().parents[2]


def size(card: dict[str, object]) -> int:
    """Bytes as sent: JSON with ASCII escapes (the larger form for non-Latin text)."""
    return len(json.dumps(card).encode("utf-8"))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_variant_stays_under_28_kb(locale: str) -> None:
    seen = set()
    for variant in variants(locales=(locale,)):
        seen.add((variant.kind, variant.host))
        limit = ENGLISH_LIMIT_BYTES if locale == "en" else LIMIT_BYTES
        assert size(variant.card) < limit, (variant.name, size(variant.card))
    expected = {(kind, host) for kind in KINDS for host in HOSTS} | {(k, "teams") for k in PARTNER_KINDS}
    assert seen == expected


def test_worst_case_cards_stay_under_28_kb(every_worst_card: CardFactory) -> None:
    for host in ("teams", "outlook"):
        for kind, card in every_worst_card(host):
            assert size(card) < ENGLISH_LIMIT_BYTES, (host, kind, size(card))


def test_worst_case_really_is_large(every_worst_card: CardFactory) -> None:
    claim = dict(every_worst_card("teams"))["claim"]
    assert size(claim) > 15_000  # all 26 workloads and capped names made it in


def test_partner_text_is_capped(worst_claim: ClaimSummary) -> None:
    card = claim_card(worst_claim)
    quoted = [n["items"][0]["text"] for n in walk(card) if n.get("style") == "emphasis"]
    assert len(quoted) == 1  # the message appears once, behind "What ... wrote"
    assert len(unescape(quoted[0])) <= MESSAGE_LIMIT
    others = [t for t in markdown_strings(card) if t != quoted[0]]
    assert max(len(unescape(t)) for t in others) < 250  # no other string carries much partner text


def test_importing_cards_loads_no_bot_framework_and_no_bot_code() -> None:
    code = (
        "import sys, cards; cards.about_card(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('bot', 'botbuilder', 'botframework', 'aiohttp', 'jsonschema', 'app', 'textstat')))"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_builders_read_no_clock() -> None:
    modules = (
        "common",
        "claim",
        "access",
        "messages",
        "partner",
        "elements",
        "i18n",
        "markdown",
        "model",
        "samples",
        "verbs",
    )
    source = "\n".join((REPO / "cards" / f"{m}.py").read_text(encoding="utf-8") for m in modules)
    for call in ("today(", "now(", "utcnow(", "time.time("):
        assert call not in source, call
