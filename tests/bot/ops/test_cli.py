"""`cpor-bot`: partner keys and the manifest, through the real command line entry point."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess  # noqa: S404 - runs this project's own command
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ops.cli import main
from bot.partner_api.keys import authenticate
from bot.store.sqlite import SqliteStore
from tests.smtp import free_port
from tests.support import CPOR_BOT


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    for name in ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture(autouse=True)
def process_umask() -> Iterator[None]:
    """The command sets the process's umask, as a command should; the test process gets its own back."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


def test_the_files_the_command_creates_are_private(database: Path) -> None:
    os.umask(0o022)  # a usual login shell's
    assert main(["keys", "create", "--partner", "Contoso Partners"]) == 0
    assert database.stat().st_mode & 0o777 == 0o600
    for journal in database.parent.glob(database.name + "-*"):
        assert journal.stat().st_mode & 0o077 == 0, journal


async def partner_of(path: Path, key: str) -> str | None:
    store = await SqliteStore.open_file(str(path))
    try:
        partner = await authenticate(store, key)
        return partner.name if partner else None
    finally:
        await store.close()


def test_keys_create_shows_the_key_once_and_stores_only_a_hash(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "--partner", "Contoso Partners", "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["key"].startswith(f"cpor_{created['key_id']}_")
    assert asyncio.run(partner_of(database, created["key"])) == "Contoso Partners"
    secret = created["key"].split("_", 2)[2]
    assert secret.encode() not in database.read_bytes()

    # A second key for the same partner reuses the partner.
    assert main(["keys", "create", "--partner", "Contoso Partners", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["partner_id"] == created["partner_id"]


def test_keys_list_and_revoke(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["keys", "create", "--partner", "Contoso Partners", "--label", "billing system", "--json"])
    created = json.loads(capsys.readouterr().out)
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert created["key_id"] in listing and "active" in listing and "billing system" in listing
    assert created["key"] not in listing

    assert main(["keys", "revoke", created["key_id"]]) == 0
    assert asyncio.run(partner_of(database, created["key"])) is None
    assert main(["keys", "revoke", created["key_id"]]) == 1
    assert "no active key" in capsys.readouterr().err


def test_a_bad_partner_name_is_refused(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "--partner", "Evil\nName"]) == 2
    assert "--partner" in capsys.readouterr().err


def test_bad_configuration_names_the_variable(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    assert main(["keys", "list"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err


def test_an_empty_sqlite_path_is_a_configuration_error_not_a_throwaway_database(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///")
    assert main(["keys", "create", "--partner", "Contoso Partners"]) == 2
    captured = capsys.readouterr()
    assert "configuration error: DATABASE_URL" in captured.err
    assert "Key:" not in captured.out


def test_manifest_builds_the_app_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "MicrosoftAppId",
        "MicrosoftAppPassword",
        "MicrosoftAppTenantId",
        "SENDER_NAME",
        "PUBLIC_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "app.zip"
    bot_id = "9e0b9a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
    flags = ["--bot-id", bot_id, "--developer-name", "Fabrikam", "--public-url", "https://cpor.fabrikam.com"]
    assert main(["manifest", *flags, "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as package:
        manifest = json.loads(package.read("manifest.json"))
        assert set(package.namelist()) == {"manifest.json", "color.png", "outline.png"}
    assert manifest["bots"][0]["botId"] == bot_id
    assert manifest["developer"]["name"] == "Fabrikam"


def test_purge_counts_then_deletes_what_is_older_than_the_days(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    from tests.bot.store.support import make_claim

    async def seed() -> None:
        store = await SqliteStore.open_file(str(database))
        try:
            partner = await store.create_partner("Contoso Partners")
            now = dt.datetime.now(dt.UTC)
            old, recent = now - dt.timedelta(days=40), now - dt.timedelta(days=5)
            await store.create_claim(make_claim(partner.id, "old", created_at=old, updated_at=old))
            await store.create_claim(make_claim(partner.id, "recent", created_at=recent, updated_at=recent))
        finally:
            await store.close()

    async def claims() -> set[str]:
        store = await SqliteStore.open_file(str(database))
        try:
            return {claim_id for claim_id in ("old", "recent") if await store.get_claim(claim_id)}
        finally:
            await store.close()

    asyncio.run(seed())
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    assert main(["purge"]) == 2  # RETENTION_DAYS is 0: nothing is due, and it says so
    assert "RETENTION_DAYS is 0" in capsys.readouterr().err
    assert main(["purge", "--days", "30", "--dry-run"]) == 0
    assert asyncio.run(claims()) == {"old", "recent"}
    assert main(["purge", "--days", "30"]) == 0
    assert asyncio.run(claims()) == {"recent"}
    assert "claims" in capsys.readouterr().out


@pytest.mark.parametrize(
    "days", ["0", "-5", "36501", "99999999", "999999999999", "9" * 5000, "30.5", "x", ""]
)
def test_purge_refuses_days_outside_its_range_and_names_the_option(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], days: str
) -> None:
    monkeypatch.setenv("RETENTION_DAYS", "30")  # set, so a refusal cannot blame it
    with pytest.raises(SystemExit) as exited:
        main(["purge", "--days", days, "--dry-run"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument --days: must be a whole number from 1 to 36500" in err
    assert "Traceback" not in err and "RETENTION_DAYS" not in err
    assert not database.exists()  # refused before the database is opened


@pytest.mark.parametrize("days", ["1", "36500"])
def test_purge_takes_the_ends_of_the_range(
    database: Path, capsys: pytest.CaptureFixture[str], days: str
) -> None:
    assert main(["purge", "--days", days, "--dry-run"]) == 0
    assert f"Would delete what is older than {days} days" in capsys.readouterr().out


def cpor_bot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`cpor-bot ARGS` as an operator runs it, in its own process; one that does not exit within a
    minute (a hang) fails the test."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "SMTP_", "LINK_"))}
    return subprocess.run(  # noqa: S603 - our own command
        [*CPOR_BOT, *args], env={**clean, **env}, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_database_that_fails_after_connecting_ends_the_command(tmp_path: Path) -> None:
    notadb = tmp_path / "notadb.db"
    notadb.write_text("# a README, not a database\n" * 200, encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{notadb}", "LINK_KEY_FILE": str(tmp_path / "link-key")}
    for command in (["keys", "list"], ["work"]):
        done = cpor_bot(*command, env=env)
        assert done.returncode == 2, command
        assert done.stderr == (
            f"cpor-bot: cannot start: DATABASE_URL sqlite:///{notadb}: cannot open the store: "
            "DatabaseError: file is not a database\n"
        ), command


def test_a_malformed_postgresql_url_is_one_line_naming_database_url(tmp_path: Path) -> None:
    # Before: a traceback ending "ValueError: Invalid IPv6 URL" after a 15 s wait, exit 1.
    env = {"DATABASE_URL": "postgresql://cpor:Pw-7731@[::1/cpor", "LINK_KEY_FILE": str(tmp_path / "key")}
    done = cpor_bot("keys", "list", env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("cpor-bot: configuration error: DATABASE_URL is not a valid URL")
    assert len(done.stderr.splitlines()) == 1 and "Pw-7731" not in done.stderr


def test_a_link_key_file_the_worker_cannot_use_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "LINK_KEY_FILE": str(tmp_path / "keys")}

    done = cpor_bot("work", env=env)

    assert done.returncode == 2
    assert done.stderr.startswith(f"cpor-bot: cannot start: LINK_KEY_FILE {tmp_path / 'keys'} ")
    assert "Traceback" not in done.stderr


def test_an_unreachable_postgresql_server_is_one_line_naming_database_url(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.store import postgres

    monkeypatch.setattr(postgres, "OPEN_SECONDS", 0.2)  # instead of waiting 15 s for a server to start
    port = free_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://cpor:Pg-s3cret-pw@127.0.0.1:{port}/cpor")

    assert main(["keys", "list"]) == 2

    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith(
        f"cpor-bot: cannot start: DATABASE_URL postgresql://127.0.0.1:{port}/cpor as cpor (password hidden): "
    )
    assert "Connection refused" in err and "Pg-s3cret-pw" not in err
