"""Cards stay small in the worst case, and the package stays pure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cards.conftest import CardFactory

LIMIT_BYTES = 28 * 1000  # the connector limit is about 28 KB; stay well under it
REPO = Path(__file__).resolve().parents[2]


def test_worst_case_cards_stay_well_under_28_kb(every_worst_card: CardFactory) -> None:
    for host in ("teams", "outlook"):
        for kind, card in every_worst_card(host):
            size = len(json.dumps(card).encode("utf-8"))
            assert size < LIMIT_BYTES * 0.8, (host, kind, size)


def test_worst_case_really_is_large(every_worst_card: CardFactory) -> None:
    claim = dict(every_worst_card("teams"))["claim"]
    assert len(json.dumps(claim)) > 10_000  # all 26 workloads and capped names made it in


def test_importing_cards_loads_no_bot_framework_and_no_bot_code() -> None:
    code = (
        "import sys, cards; cards.build('about'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('bot', 'botbuilder', 'botframework', 'aiohttp', 'jsonschema', 'app')))"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
