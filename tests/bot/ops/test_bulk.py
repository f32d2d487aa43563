"""`cpor-bot notify-bulk`: every row checked first, bad rows reported by line, re-runs are safe."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from bot.domain.claims import Claim
from bot.ops.bulk import CSV_COLUMNS, run_bulk
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


HEADER = ",".join(CSV_COLUMNS)
# Fabrikam's row up to the message, then the message and the locale (the last two columns).
FABRIKAM = (
    "72f988bf-86f1-41af-91ab-2d7cd011db47,Fabrikam Ltd,modern_work_security,teams,Megan Bowen,"
    "megan.bowen@fabrikam.example,,,,,,"
)
TAILSPIN = (
    "0b6d3c41-5e2f-4a8b-9c7d-1e2f3a4b5c6d,Tailspin Toys GmbH,modern_work_security,teams,Lukas Weber,"
    "lukas.weber@tailspin.example,,,,,,"
)


def bad_rows(out: str) -> dict[str, str]:
    """The report's table: line number to problem."""
    cells = [line.split("│")[1:3] for line in out.splitlines() if line.count("│") >= 3]
    return {number.strip(): problem.strip() for number, problem in cells if number.strip().isdigit()}


def stored_messages(path: Path) -> list[str | None]:
    async def read() -> list[str | None]:
        store = await SqliteStore.open_file(str(path))
        try:
            partner = await store.partner_by_name("Contoso Partners")
            assert partner is not None
            return [c.message for c in await store.list_claims(partner.id, limit=100)]
        finally:
            await store.close()

    return asyncio.run(read())


def test_a_csv_row_with_more_or_fewer_values_than_the_header_is_reported_not_cut_or_filled(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        HEADER,
        f'{FABRIKAM}"Hello, we rolled out Teams for you",en',  # quoted: one value, taken whole
        f"{TAILSPIN}Hello, we rolled out Teams for you,en",  # unquoted: two values where one goes
        f"{TAILSPIN}Hello",  # the locale column left out
    ]
    file = tmp_path / "claims.csv"
    file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["notify-bulk", str(file), "--partner", "Contoso Partners"]) == 1
    out = capsys.readouterr().out
    assert "2 bad row(s)" in out and "nothing was sent" in out
    assert bad_rows(out) == {
        "3": "14 values, the header has 13 (a value holding a comma goes in double quotes)",
        "4": "12 values, the header has 13",
    }
    assert asyncio.run(counts(database))[:2] == (0, 0)

    file.write_text("\n".join(rows[:2]) + "\n", encoding="utf-8")
    assert main(["notify-bulk", str(file), "--partner", "Contoso Partners"]) == 0
    assert stored_messages(database) == ["Hello, we rolled out Teams for you"]


def test_a_bad_row_is_named_by_its_first_line_when_a_value_spans_several(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "claims.csv"
    # Fabrikam's row spans lines 2 to 4 and its locale is wrong; a blank line; Tailspin's on line 6.
    rows = [HEADER, f'{FABRIKAM}"Hello,\nwe rolled out\nTeams",english', "", f"{TAILSPIN}Hello, again,en"]
    file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["notify-bulk", str(file), "--partner", "Contoso Partners"]) == 1
    found = bad_rows(capsys.readouterr().out)
    assert list(found) == ["2", "6"]
    assert found["2"].startswith("locale:") and found["6"].startswith("14 values")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            f"{HEADER}\n{FABRIKAM}Hello,en\n{TAILSPIN}Gr\xfc\xdfe,de\n".encode("latin-1"),
            "line 3 is not UTF-8",
        ),
        (f"{HEADER}\n{FABRIKAM}{'x' * 200_000},en\n".encode(), "line 2: field larger than field limit"),
        (
            f"{HEADER},message\n{FABRIKAM}Hello,en,Hi\n".encode(),
            "the CSV header names more than once: message",
        ),
    ],
    ids=["latin-1", "huge value", "repeated column"],
)
def test_a_csv_that_cannot_be_read_is_refused_with_its_line_and_no_traceback(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, problem: str
) -> None:
    file = tmp_path / "claims.csv"
    file.write_bytes(content)
    capsys.readouterr()
    assert main(["notify-bulk", str(file), "--partner", "Contoso Partners"]) == 2
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert f"Cannot read {file}:" in out and problem in out
    assert asyncio.run(counts(database))[:2] == (0, 0)


def test_a_json_line_keeps_a_line_separator_inside_a_string_and_lines_count_as_editors_do(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.loads((BULK / "claims.jsonl").read_text(encoding="utf-8").splitlines()[0])
    body["message"] = "Rolled out\u2028Teams and Exchange"
    file = tmp_path / "claims.jsonl"
    file.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["notify-bulk", str(file), "--partner", "Contoso Partners"]) == 0
    assert stored_messages(database) == ["Rolled out\u2028Teams and Exchange"]

    file.write_text(json.dumps(body, ensure_ascii=False) + "\nnot json\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["notify-bulk", str(file), "--partner", "Contoso Partners"]) == 1
    assert list(bad_rows(capsys.readouterr().out)) == ["2"]
