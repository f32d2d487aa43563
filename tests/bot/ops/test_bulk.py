"""`cpor-bot notify-bulk`: every row checked first, bad rows reported by line, re-runs are safe."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from bot.domain.claims import Claim
from bot.ops.bulk import run_bulk
from bot.ops.cli import main
from bot.store.sqlite import SqliteStore
from tests.bot.store.retention_support import purge_the_one_claim

BULK = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "bulk"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "bulk.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("COLUMNS", "220")  # rich wraps tables to the terminal; keep each row on a line
    for name in ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId"):
        monkeypatch.delenv(name, raising=False)
    assert main(["keys", "create", "--partner", "Contoso Partners", "--json"]) == 0
    return path


async def counts(path: Path) -> tuple[int, int, list[str]]:
    store = await SqliteStore.open_file(str(path))
    try:
        partner = await store.partner_by_name("Contoso Partners")
        assert partner is not None
        claims = await store.list_claims(partner.id, limit=100)
        deliveries = [d for c in claims for d in await store.deliveries_for_claim(c.id)]
        return len(claims), len(deliveries), sorted(c.customer_name for c in claims)
    finally:
        await store.close()


def test_a_csv_is_stored_and_queued_and_a_rerun_sends_nothing_twice(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["notify-bulk", str(BULK / "claims.csv"), "--partner", "Contoso Partners"]) == 0
    out = capsys.readouterr().out
    assert "created" in out and "3" in out
    claims, deliveries, names = asyncio.run(counts(database))
    assert (claims, deliveries) == (3, 3)
    assert names == ["Fabrikam Ltd", "Northwind Traders", "Tailspin Toys GmbH"]

    assert main(["notify-bulk", str(BULK / "claims.csv"), "--partner", "Contoso Partners"]) == 0
    assert "already there" in capsys.readouterr().out
    assert asyncio.run(counts(database))[:2] == (3, 3)


def test_json_lines_with_several_contacts_and_a_channel(database: Path) -> None:
    args = ["notify-bulk", str(BULK / "claims.jsonl"), "--partner", "Contoso Partners", "--channel", "both"]
    assert main(args) == 0
    claims, deliveries, _ = asyncio.run(counts(database))
    assert (claims, deliveries) == (2, 6)  # 3 contacts, Teams and email each


def test_bad_rows_are_all_reported_with_line_numbers_and_nothing_is_stored(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["notify-bulk", str(BULK / "bad.csv"), "--partner", "Contoso Partners"]) == 1
    out = capsys.readouterr().out
    assert "2 bad row(s)" in out and "nothing was sent" in out
    assert "must be a GUID" in out and "contacts[0].email: must be a valid email" in out
    lines = {line.split("│")[1].strip() for line in out.splitlines() if line.count("│") >= 2}
    assert {"3", "4"} <= lines
    assert asyncio.run(counts(database))[:2] == (0, 0)


def test_an_unreadable_file_or_unknown_partner_is_refused(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "claims.jsonl"
    broken.write_text('{"customer_name": "x"}\nnot json\n', encoding="utf-8")
    assert main(["notify-bulk", str(broken), "--partner", "Contoso Partners"]) == 1
    assert "not valid JSON" in capsys.readouterr().out
    shutil.copy(BULK / "claims.csv", tmp_path / "claims.txt")
    assert main(["notify-bulk", str(tmp_path / "claims.txt"), "--partner", "Contoso Partners"]) == 2
    assert main(["notify-bulk", str(BULK / "claims.csv"), "--partner", "Nobody"]) == 2


async def test_a_claim_purged_before_its_notification_is_counted_and_the_run_goes_on(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await SqliteStore.open_file(str(database))
    try:
        partner = await store.partner_by_name("Contoso Partners")
        assert partner is not None
        create = store.create_claim

        async def create_then_purge(claim: Claim) -> None:
            # The first row's claim goes to a retention purge just after it is stored.
            await create(claim)
            if claim.customer_name == "Fabrikam Ltd":
                await purge_the_one_claim(store)

        monkeypatch.setattr(store, "create_claim", create_then_purge)
        console = Console(record=True, width=220)  # the summary table, kept to read back
        assert await run_bulk(store, partner, BULK / "claims.csv", console=console) == 0
    finally:
        await store.close()
    summary = console.export_text()
    assert re.search(r"│ notified\s+│\s+2 │", summary), summary
    assert re.search(r"│ deleted meanwhile \(not notified\)\s+│\s+1 │", summary), summary
    claims, deliveries, names = await counts(database)
    assert (claims, deliveries) == (2, 2)
    assert names == ["Northwind Traders", "Tailspin Toys GmbH"]
