"""Every English card variant matches its golden file (``tests/cards/golden/*.json``).

After a deliberate change, rewrite them with ``python -m tests.cards.update_golden`` or run the tests
with ``UPDATE_GOLDEN=1``, and review the diff.
"""

from __future__ import annotations

import os

import pytest

from cards import HOSTS, KINDS
from cards.samples import PARTNER_KINDS, Variant
from tests.cards.update_golden import GOLDEN_DIR, golden_variants, update

VARIANTS = golden_variants()
UPDATING = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module", autouse=True)
def _maybe_update() -> None:
    if UPDATING:
        update()


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_card_matches_its_golden_file(variant: Variant) -> None:
    path = GOLDEN_DIR / variant.filename
    assert path.exists(), f"no golden file {path.name}: run python -m tests.cards.update_golden"
    assert variant.to_json() == path.read_text(encoding="utf-8"), (
        f"{path.name} differs: if the change is deliberate, run python -m tests.cards.update_golden"
    )


def test_no_stale_golden_files() -> None:
    assert sorted(p.name for p in GOLDEN_DIR.glob("*.json")) == sorted(v.filename for v in VARIANTS)


def test_golden_files_cover_every_kind_and_host() -> None:
    expected = {(k, h) for k in KINDS for h in HOSTS} | {(k, "teams") for k in PARTNER_KINDS}
    assert {(v.kind, v.host) for v in VARIANTS} == expected


def test_building_twice_gives_the_same_json() -> None:
    assert [v.to_json() for v in VARIANTS] == [v.to_json() for v in golden_variants()]
