"""The named samples, the variant list and ``python -m cards dump``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cards import HOSTS, KINDS, SUPPORTED_LOCALES
from cards.__main__ import main
from cards.samples import ALL_WORKLOADS, CLAIM_LISTS, CLAIMS, PARTNER_KINDS, STATUS_CHANGES, recipes, variants
from tests.cards.walk import links_in_reading_order

REPO = Path(__file__).resolve().parents[2]
VARIANTS = list(variants())


def test_samples_cover_the_typical_the_worst_and_every_status() -> None:
    assert CLAIMS["contoso"].status == "under_review" and CLAIMS["contoso"].partner_message
    worst = CLAIMS["worst"]
    assert worst.workloads == ALL_WORKLOADS and len(ALL_WORKLOADS) == 26
    assert len(worst.partner_name) == len(worst.customer_name) == 100  # the partner API's limit
    assert worst.partner_message is not None and len(worst.partner_message) == 500
    assert "[" in worst.partner_name and "{{" in worst.partner_message
    statuses = {c.status for c in CLAIMS.values()}
    assert statuses >= {"draft", "submitted", "under_review", "partner_action_required", "approved"}
    assert statuses >= {"rejected", "dispute", "rejected_final", "customer_declined"}
    assert CLAIMS["acknowledged"].acknowledged and CLAIMS["not_recognised"].not_recognised_reported
    assert len(CLAIM_LISTS["several"]) > 1 and CLAIM_LISTS["empty"] == ()
    assert len(STATUS_CHANGES) >= 2


def test_variants_are_kinds_by_hosts_by_locales_by_samples() -> None:
    combos = Counter((v.kind, v.host, v.locale) for v in VARIANTS)
    customer = {(k, h, loc) for k in KINDS for h in HOSTS for loc in SUPPORTED_LOCALES}
    partner = {(k, "teams", loc) for k in PARTNER_KINDS for loc in SUPPORTED_LOCALES}
    assert set(combos) == customer | partner
    assert combos["claim", "teams", "en"] == len(CLAIMS)
    assert combos["claims", "outlook", "ja"] == len(CLAIM_LISTS)
    assert combos["welcome", "teams", "de"] == 1


def test_file_names_are_unique_and_carry_the_sample_only_where_a_kind_has_several() -> None:
    names = [v.filename for v in VARIANTS]
    assert len(names) == len(set(names))
    by_name = {v.filename: v for v in VARIANTS}
    assert "claim.teams.en.contoso.json" in by_name
    assert "claims.outlook.pt-BR.empty.json" in by_name
    assert "access.teams.en.contoso.json" in by_name
    assert "status_changed.teams.en.under_review-approved.json" in by_name
    assert "notice.outlook.fr.other_tenant.json" in by_name
    assert "welcome.teams.en.json" in by_name and "about.outlook.ja.json" in by_name
    for v in VARIANTS:
        assert (v.sample is None) == (v.kind in ("welcome", "help", "about")), v.filename


def test_recipes_rebuild_the_same_cards() -> None:
    again = [r.build() for r in recipes(locales=("en",))]
    assert again == [v for v in VARIANTS if v.locale == "en"]


def test_dump_writes_every_variant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dump", str(tmp_path / "out")]) == 0
    files = sorted((tmp_path / "out").glob("*.json"))
    assert [f.name for f in files] == sorted(v.filename for v in VARIANTS)
    assert f"wrote {len(VARIANTS)} cards to" in capsys.readouterr().out
    card = json.loads((tmp_path / "out" / "claim.teams.en.contoso.json").read_text(encoding="utf-8"))
    assert card == next(v.card for v in VARIANTS if v.filename == "claim.teams.en.contoso.json")


def test_dump_can_select(tmp_path: Path) -> None:
    assert main(["dump", str(tmp_path), "--kind", "notice", "--host", "outlook", "--locale", "en"]) == 0
    assert len(list(tmp_path.glob("*.json"))) == sum(
        1 for v in VARIANTS if (v.kind, v.host, v.locale) == ("notice", "outlook", "en")
    )


def test_python_dash_m_cards_runs(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "cards", "dump", str(tmp_path), "--kind", "help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"wrote 12 cards to {tmp_path}"


def test_a_command_is_required() -> None:
    with pytest.raises(SystemExit):
        main([])


def test_every_sample_card_with_a_link_opens_with_microsofts_page() -> None:
    """Facts, section 7: Microsoft's public page comes first wherever a card links anywhere."""
    linked = 0
    for variant in VARIANTS:
        links = links_in_reading_order(variant.card)
        if links:
            linked += 1
            assert links[0] == "https://aka.ms/about-cpor", (variant.filename, links[:2])
    assert linked > len(VARIANTS) // 2  # most cards link somewhere: the check is not empty


def test_every_sample_card_has_something_for_a_screen_reader_to_say() -> None:
    """Teams reads `speak` aloud where it can; every card gives it, in the card's own language."""
    for variant in VARIANTS:
        assert variant.card.get("speak", "").strip(), variant.filename
