"""The doctor's offline checks: each from Settings to one line, saying what to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.ops.config import Settings
from bot.ops.doctor_checks import (
    Status,
    email,
    endpoint,
    links,
    outlook,
    pages,
    public_host_problem,
    registration,
    storage,
)
from tests.bot.ops.doctor_support import APP_ID, APP_PASSWORD, TENANT_ID


def app(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "app_id": APP_ID,
        "app_password": APP_PASSWORD,
        "app_type": "SingleTenant",
        "app_tenant_id": TENANT_ID,
    }
    return Settings(**(values | changes))


@pytest.mark.parametrize(
    "url", ["https://cpor.litware.com", "https://20.50.60.70", "https://[2606:4700::1111]:8443"]
)
def test_a_public_https_address_is_reachable(url: str) -> None:
    assert public_host_problem(url) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://cpor.partner.example", "is not https"),
        ("https://bot.localhost", "not a public host name"),
        ("https://cpor.local", "not a public host name"),
        ("https://192.168.1.20", "loopback, private or link-local"),
        ("https://[::1]", "loopback, private or link-local"),
        ("https://[::ffff:127.0.0.1]", "loopback, private or link-local"),
        ("https://100.64.0.1", "loopback, private or link-local"),
    ],
)
def test_an_address_teams_cannot_reach_says_why(url: str, problem: str) -> None:
    assert problem in (public_host_problem(url) or "")


def test_without_an_app_id_a_local_public_url_is_only_a_warning() -> None:
    check = endpoint(Settings(public_url="http://127.0.0.1:3978"))

    assert check.status is Status.WARN
    assert "local use only" in check.message


@pytest.mark.parametrize(
    ("settings", "status", "words"),
    [
        (app(), Status.PASS, f"SingleTenant in tenant {TENANT_ID}"),
        (app(app_type="MultiTenant", app_tenant_id=""), Status.WARN, "before 31 July 2025"),
        (
            app(app_type="UserAssignedMSI", app_password="", app_tenant_id=""),
            Status.FAIL,
            "MicrosoftAppTenantId is required with MicrosoftAppType=UserAssignedMSI",
        ),
        (Settings(), Status.WARN, "authentication is off"),
    ],
)
def test_the_registration_line(settings: Settings, status: Status, words: str) -> None:
    check = registration(settings)

    assert check.status is status
    assert words in check.message


def test_a_managed_identity_with_its_tenant_passes() -> None:
    assert registration(app(app_type="UserAssignedMSI", app_password="")).status is Status.PASS


def test_outlook_is_not_mentioned_when_mail_goes_to_files() -> None:
    assert outlook(Settings()) is None
    assert outlook(Settings(smtp_host="smtp.contoso.com", mail_from="a@contoso.com")) is not None


def test_an_sqlite_file_under_a_file_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("a file where the folder should be")

    check = storage(Settings(database_url=f"sqlite:///{tmp_path / 'var' / 'data' / 'bot.db'}"))

    # The service would stop at start (FileExistsError making the folder): a fail, not a warning.
    assert check.status is Status.FAIL
    assert f"{tmp_path / 'var'} is not a folder" in check.message


def test_a_link_key_file_that_is_missing_is_made_at_start(tmp_path: Path) -> None:
    check = links(Settings(link_key_file=str(tmp_path / "var" / "link-key")))

    assert check.status is Status.WARN
    assert "LINK_KEYS is not set" in check.message


def test_a_link_key_file_with_a_key_is_used(tmp_path: Path) -> None:
    (tmp_path / "link-key").write_text("a" * 64 + "\n", encoding="ascii")

    assert links(Settings(link_key_file=str(tmp_path / "link-key"))).status is Status.WARN


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda path: path.mkdir(), "is a folder, not a file"),
        (lambda path: path.write_bytes(b""), "is empty"),
        (lambda path: path.write_bytes(b" \n"), "is empty"),
        (lambda path: path.write_bytes("clé".encode()), "not ASCII text"),
        (lambda path: path.parent.rmdir() or path.parent.write_text("a file"), "is not a folder"),
    ],
    ids=["folder", "empty", "blank", "not-ascii", "under-a-file"],
)
def test_a_link_key_file_the_service_cannot_use_fails(tmp_path: Path, make: Any, problem: str) -> None:
    path = tmp_path / "var" / "link-key"
    path.parent.mkdir()
    make(path)

    check = links(Settings(link_key_file=str(path)))

    assert check.status is Status.FAIL
    assert f"LINK_KEY_FILE {path} " in check.message
    assert problem in check.message


def test_a_link_key_file_is_not_looked_at_with_link_keys(tmp_path: Path) -> None:
    (tmp_path / "link-key").mkdir()

    check = links(Settings(link_keys=("k" * 32,), link_key_file=str(tmp_path / "link-key")))

    assert check.status is Status.PASS


def test_an_sqlite_database_in_memory_is_lost_at_stop() -> None:
    check = storage(Settings(database_url="sqlite:///:memory:"))

    assert check.status is Status.WARN
    assert "lost" in check.message


def test_a_postgresql_url_is_shown_without_its_password() -> None:
    check = storage(Settings(database_url="postgresql://cpor:hunter2-Pg@db.internal/cpor"))

    assert check.status is Status.PASS
    assert check.message.startswith("postgresql://db.internal/cpor as cpor (password hidden)")
    assert "hunter2" not in check.message


def test_pages_name_the_variables_still_missing() -> None:
    check = pages(Settings(privacy_url="https://contoso.com/privacy"))

    assert check.status is Status.WARN
    assert check.message.startswith("TERMS_URL, WEBSITE_URL not set")
    assert pages(Settings(public_url="https://cpor.litware.com")).status is Status.PASS


def test_pages_and_endpoint_refuse_what_the_manifest_refuses() -> None:
    # A reserved name or a plain-http page would be refused by `cpor-bot manifest`: doctor says so first.
    app: dict[str, Any] = {"app_id": APP_ID, "app_password": APP_PASSWORD, "app_tenant_id": TENANT_ID}
    reserved = Settings(public_url="https://cpor.partner.example", **app)
    assert endpoint(reserved).status is Status.FAIL
    assert pages(reserved).status is Status.FAIL
    assert "PRIVACY_URL https://cpor.partner.example/privacy" in pages(reserved).message
    plain = Settings(public_url="https://cpor.litware.com", privacy_url="https://litware.com/privacy", **app)
    assert pages(plain).status is Status.PASS
    local = Settings(public_url="https://cpor.partner.example")
    assert pages(local).status is Status.WARN  # no app id: a local try-out


def test_email_to_files_warns_while_the_outbox_can_be_written(tmp_path: Path) -> None:
    check = email(Settings(mail_outbox_dir=str(tmp_path / "var" / "outbox")))  # made at the first email
    assert check.status is Status.WARN
    assert "nobody receives it" in check.message


@pytest.mark.parametrize("where", ["a file", "below a file"])
def test_email_to_files_fails_when_no_file_can_be_written_there(tmp_path: Path, where: str) -> None:
    (tmp_path / "var").write_text("a file where the folder should be")
    outbox = tmp_path / "var" if where == "a file" else tmp_path / "var" / "outbox"
    check = email(Settings(mail_outbox_dir=str(outbox)))
    assert check.status is Status.FAIL
    assert check.message.startswith(f"MAIL_OUTBOX_DIR ({outbox}): ")
    assert check.message.endswith("so no email can be written")
