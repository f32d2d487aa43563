"""`cpor-bot doctor` through the real command line entry point: set-ups an operator would have, with
real SQLite files, the aiosmtpd relay of tests/smtp.py and a local token endpoint.

Every run goes through `run_doctor`, which runs the command twice (text, then --json) and checks
that both say the same, exit alike, and show none of the secrets in the environment."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess  # noqa: S404 - runs this project's own command
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.ops import doctor
from bot.ops.cli import main
from bot.ops.doctor import Targets
from bot.store.postgres import open_postgres
from bot.store.sql import migrations
from bot.store.sqlite import SqliteStore
from tests.bot.ops.doctor_support import (
    APP_ID,
    APP_PASSWORD,
    ISSUED_TOKEN,
    OTHER_APP_ID,
    SETTINGS_VARIABLES,
    TENANT_ID,
    TokenEndpoint,
)
from tests.postgres import PostgresServer
from tests.smtp import LOOPBACK, SmtpServer, free_port, smtp_server
from tests.support import CPOR_BOT, with_read_only_folder

LATEST = migrations()[-1][0]
DB_PASSWORD = "db-Secret-2718"
LINK_KEY = "link-key-3b9e1f0c7a2d4e6b8f1a3c5e7d9b0f2a"
ORIGINATOR = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
SetEnv = Callable[..., None]


@dataclass(frozen=True)
class Report:
    code: int
    checks: dict[str, tuple[str, str]]  # name: (status, message)
    summary: str

    def status(self, name: str) -> str:
        return self.checks[name][0]

    def message(self, name: str) -> str:
        return self.checks[name][1]

    def names_with(self, status: str) -> list[str]:
        return [name for name, (found, _) in self.checks.items() if found == status]


def _secrets_in_environment() -> list[str]:
    found = [os.environ.get("MicrosoftAppPassword", ""), os.environ.get("SMTP_PASSWORD", "")]
    found += os.environ.get("LINK_KEYS", "").split(",")
    url = os.environ.get("DATABASE_URL", "")
    if "@" in url:
        found.append(url.split("://", 1)[1].rsplit("@", 1)[0].partition(":")[2])
    return [secret for secret in found if secret]


def run_doctor(capsys: pytest.CaptureFixture[str], *args: str) -> Report:
    code = main(["doctor", *args])
    text = capsys.readouterr()
    json_code = main(["doctor", "--json", *args])
    as_json = capsys.readouterr()

    secrets = _secrets_in_environment()
    for output in (text.out, text.err, as_json.out, as_json.err):
        for secret in secrets:
            assert secret not in output
        assert "Traceback" not in output
        assert ISSUED_TOKEN not in output

    *lines, summary = text.out.strip().splitlines()
    parsed = [tuple(line.split(None, 2)) for line in lines]
    payload = json.loads(as_json.out)
    assert [(c["status"], c["name"], c["message"]) for c in payload["checks"]] == parsed
    assert json_code == code
    assert payload["ok"] is (code == 0)
    assert code == (1 if any(status == "fail" for status, _, _ in parsed) else 0)
    counts = {
        status: sum(1 for found, _, _ in parsed if found == status) for status in ("pass", "warn", "fail")
    }
    assert summary.startswith(f"{counts['pass']} passed, {counts['warn']} warnings, {counts['fail']} failed")
    return Report(code, {name: (status, message) for status, name, message in parsed}, summary)


async def run_doctor_beside_servers(capsys: pytest.CaptureFixture[str], *args: str) -> Report:
    """The command runs its own event loop: in a thread, while the test's loop serves."""
    return await asyncio.to_thread(run_doctor, capsys, *args)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SetEnv:
    """A clean environment in an empty working folder (relative paths, like var/ and build/, land
    there); the returned function sets variables."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    def set_env(**values: str | int) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, str(value))

    return set_env


async def current_database(path: Path) -> str:
    """The URL of a SQLite file the service has opened once (so its migrations are current)."""
    await (await SqliteStore.open_file(str(path))).close()
    return f"sqlite:///{path}"


def write_package(path: Path, app_id: str, bot_id: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = {"manifestVersion": "1.24", "id": app_id, "bots": [{"botId": bot_id, "scopes": ["personal"]}]}
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("manifest.json", json.dumps(manifest))


def registered_app(set_env: SetEnv, **more: str | int) -> None:
    values: dict[str, str | int] = {
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": APP_PASSWORD,
        "MicrosoftAppTenantId": TENANT_ID,
        "PUBLIC_URL": "https://cpor.litware.com",
    }
    set_env(**(values | more))


@pytest.fixture
async def relay() -> AsyncIterator[SmtpServer]:
    async with smtp_server() as server:
        yield server


@pytest.fixture
async def login_url(aiohttp_server: ServerFactory) -> str:
    server = await aiohttp_server(TokenEndpoint().app())
    return str(server.make_url("")).rstrip("/")


def use_targets(monkeypatch: pytest.MonkeyPatch, targets: Targets) -> None:
    monkeypatch.setattr(doctor, "default_targets", lambda: targets)


# --- the README's local set-up ------------------------------------------------------------------------


async def test_the_local_set_up_passes_with_its_warnings(
    env: SetEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env(DATABASE_URL=await current_database(tmp_path / "var" / "bot.db"))

    report = await run_doctor_beside_servers(capsys)

    assert report.code == 0
    assert report.names_with("fail") == []
    assert report.names_with("warn") == ["registration", "endpoint", "email", "pages", "links"]
    assert report.names_with("skip") == ["smtp", "token", "package"]
    assert report.message("database") == f"sqlite:///{tmp_path / 'var' / 'bot.db'}: schema {LATEST}, current"
    assert "authentication is off" in report.message("registration")
    assert "var/outbox" in report.message("email")
    assert "one instance only" in report.message("storage")


def test_the_local_set_up_before_the_first_start(
    env: SetEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run_doctor(capsys)  # no environment at all: the default sqlite:///var/cpor-bot.db

    assert report.code == 0
    assert report.status("database") == "warn"
    assert "the service creates it at first start" in report.message("database")
    assert report.names_with("fail") == []
    assert not (tmp_path / "var").exists()  # nothing created, nothing migrated


def test_offline_reaches_no_service(env: SetEnv, capsys: pytest.CaptureFixture[str]) -> None:
    env(SMTP_HOST=LOOPBACK, SMTP_PORT=free_port(), MAIL_FROM="cpor@contoso-partners.com")

    report = run_doctor(capsys, "--offline")

    assert report.code == 0
    assert [report.status(name) for name in ("database", "smtp", "token")] == ["skip"] * 3


# --- broken set-ups: exit 1 and a line that names what to fix --------------------------------------


def test_an_app_id_without_a_tenant_is_a_configuration_error(
    env: SetEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    env(MicrosoftAppId=APP_ID, MicrosoftAppPassword=APP_PASSWORD)

    report = run_doctor(capsys)

    assert report.code == 1
    assert list(report.checks) == ["settings"]
    assert report.status("settings") == "fail"
    assert "MicrosoftAppTenantId is required" in report.message("settings")


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://cpor:{DB_PASSWORD}@[::1/cpor",
        f"postgresql://cpor:{DB_PASSWORD}@127.0.0.1:1/cpor?options=%ff",
    ],
    ids=["ipv6", "not-utf8"],
)
def test_a_malformed_database_url_is_a_configuration_error(
    env: SetEnv, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    # Before: a traceback and exit 1 without a report (ipv6), or "the check itself failed" (not-utf8).
    env(DATABASE_URL=url)

    report = run_doctor(capsys, "--offline")

    assert report.code == 1
    assert list(report.checks) == ["settings"]
    assert report.message("settings").startswith("DATABASE_URL ")


@pytest.mark.parametrize("password", ["ost", "p"])
def test_a_short_database_password_changes_no_other_text(
    env: SetEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str], password: str
) -> None:
    # Before: every occurrence of the password's text was masked: "p***gresql://… P***greSQL" with
    # "ost", "MicrosoftA******Id" with "p"; garbled, and the password could be worked out.
    env(DATABASE_URL=f"postgresql://cpor:{password}@127.0.0.1:1/cpor", LINK_KEY_FILE=str(tmp_path / "key"))

    assert main(["doctor", "--offline"]) == 0
    out = capsys.readouterr().out

    assert "postgresql://127.0.0.1:1/cpor as cpor (password hidden)" in out
    assert f":{password}@" not in out and "***" not in out
    for words in ("postgresql://", "PostgreSQL", "MicrosoftAppId is not set", "openssl rand", "app package"):
        assert words in out


@pytest.mark.parametrize(
    "public_url",
    [
        "http://cpor.partner.example",
        "https://127.0.0.1:3978",
        "https://localhost",
        "https://10.20.30.40",
        "https://169.254.169.254",
        "https://[fe80::1]",
        "https://cpor-bot",
    ],
)
def test_a_public_url_teams_cannot_reach_fails_with_an_app_id(
    env: SetEnv, public_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    registered_app(env, PUBLIC_URL=public_url)

    report = run_doctor(capsys, "--offline")

    assert report.code == 1
    assert report.status("endpoint") == "fail"
    assert report.message("endpoint").startswith(f"PUBLIC_URL {public_url} ")


def test_an_app_id_without_a_public_url_fails(env: SetEnv, capsys: pytest.CaptureFixture[str]) -> None:
    env(MicrosoftAppId=APP_ID, MicrosoftAppPassword=APP_PASSWORD, MicrosoftAppTenantId=TENANT_ID)

    report = run_doctor(capsys, "--offline")

    assert report.status("endpoint") == "fail"
    assert "PUBLIC_URL is not set" in report.message("endpoint")


@pytest.mark.parametrize(
    "mail_from",
    ["cpor-bot@localhost", "cpor@partner.example", "cpor@mailhost", "cpor@relay.internal", "bot@example.com"],
)
def test_smtp_with_a_sender_no_server_accepts_fails(
    env: SetEnv, mail_from: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env(SMTP_HOST="smtp.contoso-partners.com", MAIL_FROM=mail_from)

    report = run_doctor(capsys, "--offline")

    assert report.code == 1
    assert report.status("email") == "fail"
    assert report.message("email").startswith(f"MAIL_FROM is {mail_from}")
    assert report.status("outlook") == "warn"  # OUTLOOK_ORIGINATOR left as the placeholder


def test_an_smtp_relay_that_is_not_listening_fails(env: SetEnv, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    env(SMTP_HOST=LOOPBACK, SMTP_PORT=port, SMTP_USERNAME="cpor", SMTP_PASSWORD="smtp-Secret-31415")
    env(MAIL_FROM="cpor@contoso-partners.com")

    report = run_doctor(capsys)

    assert report.code == 1
    assert report.status("smtp") == "fail"
    assert report.message("smtp").startswith(f"{LOOPBACK}:{port}: connect failed")


async def test_a_wrong_smtp_password_fails_at_auth(
    env: SetEnv, relay: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_targets(monkeypatch, Targets(tls_context=relay.client_tls_context))
    env(SMTP_HOST=relay.host, SMTP_PORT=relay.port, SMTP_USERNAME=relay.username)
    env(SMTP_PASSWORD="not-the-Relay-password", MAIL_FROM="cpor@contoso-partners.com")

    report = await run_doctor_beside_servers(capsys)

    assert report.code == 1
    assert report.status("smtp") == "fail"
    assert "AUTH failed: 535" in report.message("smtp")


async def test_a_database_without_the_newest_migration_fails(
    env: SetEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await current_database(tmp_path / "bot.db")
    with sqlite3.connect(tmp_path / "bot.db") as raw:
        raw.execute("DELETE FROM schema_migrations WHERE version = ?", (LATEST,))
    env(DATABASE_URL=url)

    report = await run_doctor_beside_servers(capsys)

    assert report.code == 1
    assert report.status("database") == "fail"
    assert f"{LATEST} not applied" in report.message("database")
    assert "applies them when it starts" in report.message("database")


def test_a_database_folder_that_is_a_file_fails_the_storage_and_database_checks(
    env: SetEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "afile").write_text("a file where the folder should be")
    env(DATABASE_URL="sqlite:///afile/x.db")

    report = run_doctor(capsys)

    assert report.code == 1
    assert report.status("storage") == "fail"
    assert report.status("database") == "fail"
    assert f"{tmp_path / 'afile'} is not a folder" in report.message("storage")


@pytest.mark.parametrize("kind", ["folder", "empty file", "below a file"])
def test_a_link_key_file_the_service_cannot_use_fails(
    env: SetEnv, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if kind == "folder":
        (tmp_path / "keys").mkdir()
        env(LINK_KEY_FILE="keys")
    elif kind == "empty file":
        (tmp_path / "link-key").write_bytes(b"")
        env(LINK_KEY_FILE="link-key")
    else:
        (tmp_path / "afile").write_text("a file where the folder should be")
        env(LINK_KEY_FILE="afile/link-key")

    report = run_doctor(capsys, "--offline")

    assert report.code == 1
    assert report.status("links") == "fail"
    assert "LINK_KEY_FILE" in report.message("links")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_link_key_file_that_is_not_a_regular_file_fails_at_once(
    env: SetEnv, tmp_path: Path, kind: str
) -> None:
    # Before: a FIFO blocked the doctor for ever; /dev/null was "empty: delete it".
    if kind == "fifo":
        os.mkfifo(tmp_path / "link-key")
    env(LINK_KEY_FILE=str(tmp_path / "link-key") if kind == "fifo" else "/dev/null")

    done = subprocess.run(  # noqa: S603 - our own command; a hang fails after 20 s
        [*CPOR_BOT, "doctor", "--offline", "--json"], capture_output=True, text=True, timeout=20, check=False
    )

    links = {check["name"]: check for check in json.loads(done.stdout)["checks"]}["links"]
    assert done.returncode == 1
    assert links["status"] == "fail"
    assert "is not a regular file" in links["message"] and "LINK_KEY_FILE" in links["message"]
    assert "delete it" not in links["message"]


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_a_database_folder_nobody_may_write_to_fails(env: SetEnv, tmp_path: Path, existing: bool) -> None:
    # A read-only folder: SQLite cannot make the file, nor the -wal and -shm files beside one that is
    # there (as root too); before, a warning and exit 0.
    folder = tmp_path / "var"
    folder.mkdir()
    if existing:
        (folder / "bot.db").write_bytes(b"")
    env(DATABASE_URL=f"sqlite:///{folder / 'bot.db'}", LINK_KEY_FILE=str(tmp_path / "link-key"))
    command = with_read_only_folder(folder, [*CPOR_BOT, "doctor", "--json"])

    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603

    checks = {check["name"]: check for check in json.loads(done.stdout)["checks"]}
    assert done.returncode == 1
    assert checks["storage"]["status"] == "fail"
    written = "the file is not writable" if existing else f"{folder} is not writable"
    assert written in checks["storage"]["message"]
    assert checks["database"]["status"] != "pass"


def test_a_postgresql_server_that_does_not_answer_fails_without_its_password(
    env: SetEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    env(DATABASE_URL=f"postgresql://cpor:{DB_PASSWORD}@{LOOPBACK}:{port}/cpor")

    report = run_doctor(capsys)

    assert report.code == 1
    assert report.status("database") == "fail"
    assert report.message("database").startswith(
        f"postgresql://{LOOPBACK}:{port}/cpor as cpor (password hidden): cannot connect"
    )
    assert report.message("storage").startswith(
        f"postgresql://{LOOPBACK}:{port}/cpor as cpor (password hidden)"
    )


async def test_a_current_postgresql_database_passes_without_showing_its_password(
    env: SetEnv, postgres: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # The test server trusts loopback: the password is accepted and not needed.
    url = postgres.create_database().replace(f"//{postgres.user}@", f"//{postgres.user}:{DB_PASSWORD}@", 1)
    await (await open_postgres(url)).close()
    env(DATABASE_URL=url)

    report = await run_doctor_beside_servers(capsys)

    assert report.code == 0
    shown = f"postgresql://{postgres.host}:{postgres.port}/"
    assert report.status("database") == "pass"
    assert report.message("database").startswith(shown)
    assert f" as {postgres.user} (password hidden): " in report.message("database")
    assert report.message("database").endswith(f": schema {LATEST}, current")


async def test_a_secret_the_token_endpoint_refuses_fails(
    env: SetEnv, login_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_targets(monkeypatch, Targets(login_url=login_url))
    registered_app(env, MicrosoftAppPassword="an~Old.Secret_that-expired")

    report = await run_doctor_beside_servers(capsys)

    assert report.code == 1
    assert report.status("token") == "fail"
    assert "invalid_client: AADSTS7000215" in report.message("token")
    assert "MicrosoftAppPassword" in report.message("token")


def test_a_package_built_for_another_app_fails(
    env: SetEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registered_app(env)
    write_package(tmp_path / "other.zip", OTHER_APP_ID, OTHER_APP_ID)

    report = run_doctor(capsys, "--offline", "--package", "other.zip")

    assert report.code == 1
    assert report.status("package") == "fail"
    assert OTHER_APP_ID in report.message("package") and APP_ID in report.message("package")


def test_a_fault_in_a_check_is_its_fail_line(
    env: SetEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError(f"unexpected state near {APP_PASSWORD}")

    monkeypatch.setattr(doctor, "check_package", broken)
    registered_app(env)

    report = run_doctor(capsys, "--offline")

    assert report.code == 1
    assert report.checks["package"] == (
        "fail",
        "the check itself failed: RuntimeError: unexpected state near ***",
    )


# --- a production-like set-up ---------------------------------------------------------------------------


async def test_a_production_like_set_up_passes_every_check(
    env: SetEnv,
    tmp_path: Path,
    relay: SmtpServer,
    login_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_targets(monkeypatch, Targets(login_url=login_url, tls_context=relay.client_tls_context))
    registered_app(
        env,
        DATABASE_URL=await current_database(tmp_path / "data" / "cpor-bot.db"),
        SMTP_HOST=relay.host,
        SMTP_PORT=relay.port,
        SMTP_USERNAME=relay.username,
        SMTP_PASSWORD=relay.password,
        MAIL_FROM="cpor@contoso-partners.com",
        OUTLOOK_ORIGINATOR=ORIGINATOR,
        LINK_KEYS=LINK_KEY,
    )
    write_package(tmp_path / "build" / "cpor-bot-teams-app.zip", APP_ID, APP_ID)  # the default path

    report = await run_doctor_beside_servers(capsys)

    assert report.code == 0
    assert report.names_with("warn") == [] and report.names_with("fail") == []
    assert report.names_with("skip") == []
    assert (
        report.message("endpoint") == "register the messaging endpoint https://cpor.litware.com/api/messages"
    )
    assert relay.messages == []
