"""The doctor's online checks, called directly: the real aiosmtpd relay of tests/smtp.py, a local
token endpoint in Microsoft Entra ID's place, real SQLite files and package zips."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.ops.config import Settings
from bot.ops.doctor import Targets, online_checks
from bot.ops.doctor_checks import Check, Status
from bot.ops.doctor_services import check_database, check_package, check_smtp, check_token
from bot.store.sql import migrations
from bot.store.sqlite import SqliteStore
from tests.bot.ops.doctor_support import (
    APP_ID,
    APP_PASSWORD,
    ISSUED_TOKEN,
    MULTI_TENANT_AUTHORITY,
    OTHER_APP_ID,
    TENANT_ID,
    TokenEndpoint,
)
from tests.smtp import LOOPBACK, SmtpServer, free_port, smtp_server

LATEST = migrations()[-1][0]
ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
async def relay() -> AsyncIterator[SmtpServer]:
    async with smtp_server() as server:
        yield server


@pytest.fixture
async def token_endpoint(aiohttp_server: ServerFactory) -> tuple[TokenEndpoint, str]:
    endpoint = TokenEndpoint()
    server = await aiohttp_server(endpoint.app())
    return endpoint, str(server.make_url("")).rstrip("/")


def relay_settings(server: SmtpServer, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_username": server.username,
        "smtp_password": server.password,
        "mail_from": "cpor@contoso-partners.com",
    }
    return Settings(**(values | changes))


def app_settings(**changes: Any) -> Settings:
    values: dict[str, Any] = {
        "app_id": APP_ID,
        "app_password": APP_PASSWORD,
        "app_type": "SingleTenant",
        "app_tenant_id": TENANT_ID,
    }
    return Settings(**(values | changes))


# --- SMTP --------------------------------------------------------------------------------------------


async def test_the_relay_accepts_starttls_and_auth_and_nothing_is_sent(relay: SmtpServer) -> None:
    check = await check_smtp(relay_settings(relay), tls_context=relay.client_tls_context)

    assert check.status is Status.PASS, check
    assert f"AUTH as {relay.username}" in check.message
    assert relay.messages == []


async def test_a_wrong_smtp_password_fails_at_auth_with_the_server_reply(relay: SmtpServer) -> None:
    check = await check_smtp(
        relay_settings(relay, smtp_password="wrong-relay-password"), tls_context=relay.client_tls_context
    )

    assert check.status is Status.FAIL
    assert "AUTH failed: 535" in check.message
    assert "wrong-relay-password" not in check.message


async def test_a_relay_certificate_the_system_does_not_trust_fails_at_starttls(relay: SmtpServer) -> None:
    check = await check_smtp(relay_settings(relay))  # the system's trust: the test CA is not in it

    assert check.status is Status.FAIL
    assert "STARTTLS failed" in check.message
    assert "SSLCertVerificationError" in check.message


async def test_without_starttls_the_check_says_the_connection_is_unencrypted(relay: SmtpServer) -> None:
    check = await check_smtp(relay_settings(relay, smtp_starttls=False, smtp_username="", smtp_password=""))

    assert check.status is Status.PASS
    assert "unencrypted" in check.message


async def test_a_closed_smtp_port_fails_at_connect() -> None:
    settings = Settings(smtp_host=LOOPBACK, smtp_port=free_port(), mail_from="cpor@contoso-partners.com")

    check = await check_smtp(settings)

    assert check.status is Status.FAIL
    assert f"{LOOPBACK}:{settings.smtp_port}: connect failed" in check.message


async def test_without_smtp_host_the_relay_is_not_checked() -> None:
    assert (await check_smtp(Settings())).status is Status.SKIP


# --- the token endpoint ------------------------------------------------------------------------------


async def test_a_single_tenant_app_gets_a_token_from_its_own_tenant(
    token_endpoint: tuple[TokenEndpoint, str],
) -> None:
    endpoint, url = token_endpoint

    check = await check_token(app_settings(), login_url=url)

    assert check.status is Status.PASS, check
    assert ISSUED_TOKEN not in check.message
    [(tenant, form)] = endpoint.requests
    assert tenant == TENANT_ID
    assert form == {
        "grant_type": "client_credentials",
        "client_id": APP_ID,
        "client_secret": APP_PASSWORD,
        "scope": "https://api.botframework.com/.default",
    }


async def test_a_multi_tenant_app_asks_the_botframework_tenant(
    token_endpoint: tuple[TokenEndpoint, str],
) -> None:
    endpoint, url = token_endpoint

    check = await check_token(app_settings(app_type="MultiTenant", app_tenant_id=""), login_url=url)

    assert check.status is Status.PASS
    assert [tenant for tenant, _ in endpoint.requests] == [MULTI_TENANT_AUTHORITY]


async def test_a_wrong_secret_fails_with_the_aadsts_code_and_what_to_change(
    token_endpoint: tuple[TokenEndpoint, str],
) -> None:
    _, url = token_endpoint

    check = await check_token(app_settings(app_password="not-the-secret"), login_url=url)

    assert check.status is Status.FAIL
    assert "invalid_client: AADSTS7000215: Invalid client secret provided." in check.message
    assert "MicrosoftAppPassword" in check.message
    assert "Trace ID" not in check.message  # the first line of error_description only
    assert "not-the-secret" not in check.message


async def test_an_app_the_tenant_does_not_know_names_the_app_settings(
    token_endpoint: tuple[TokenEndpoint, str],
) -> None:
    _, url = token_endpoint

    check = await check_token(app_settings(app_id=OTHER_APP_ID), login_url=url)

    assert check.status is Status.FAIL
    assert "AADSTS700016" in check.message
    assert "check MicrosoftAppId" in check.message


async def test_an_unreachable_token_endpoint_is_a_warning() -> None:
    check = await check_token(app_settings(), login_url=f"http://{LOOPBACK}:{free_port()}")

    assert check.status is Status.WARN
    assert check.message.startswith(f"could not reach {LOOPBACK}:")


async def test_a_managed_identity_is_checked_only_inside_azure() -> None:
    check = await check_token(app_settings(app_type="UserAssignedMSI", app_password=""))

    assert check.status is Status.WARN
    assert "only inside Azure" in check.message


# --- timeouts: servers that accept and never answer --------------------------------------------------


@pytest.fixture
def silent_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind((LOOPBACK, 0))
        listener.listen()
        yield listener.getsockname()[1]


async def test_each_online_check_gives_up_after_the_timeout(
    aiohttp_server: ServerFactory, silent_port: int, tmp_path: Path
) -> None:
    stop = asyncio.Event()

    async def never(request: web.Request) -> web.Response:
        await stop.wait()
        return web.Response()

    app = web.Application()
    app.router.add_post("/{tenant}/oauth2/v2.0/token", never)
    server = await aiohttp_server(app)
    settings = app_settings(
        database_url=f"postgresql://cpor:db-pass@{LOOPBACK}:{silent_port}/cpor",
        smtp_host=LOOPBACK,
        smtp_port=silent_port,
        mail_from="cpor@contoso-partners.com",
    )

    checks = await online_checks(
        settings, seconds=0.3, targets=Targets(login_url=str(server.make_url("")).rstrip("/"))
    )
    stop.set()

    by_name = {check.name: check for check in checks}
    assert by_name["database"] == Check(
        "database",
        Status.FAIL,
        f"postgresql://{LOOPBACK}:{silent_port}/cpor as cpor (password hidden): no answer within 0.3 s",
    )
    assert by_name["smtp"] == Check("smtp", Status.FAIL, f"{LOOPBACK}:{silent_port}: no answer within 0.3 s")
    assert by_name["token"].status is Status.WARN
    assert by_name["token"].message.startswith("could not reach")


# --- the database ------------------------------------------------------------------------------------


async def test_a_current_database_passes(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await (await SqliteStore.open_file(str(path))).close()

    check = await check_database(Settings(database_url=f"sqlite:///{path}"))

    assert check == Check("database", Status.PASS, f"sqlite:///{path}: schema {LATEST}, current")


async def test_a_database_the_service_cannot_create_fails(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("a file where the folder should be")
    url = f"sqlite:///{tmp_path / 'var' / 'bot.db'}"

    check = await check_database(Settings(database_url=url))

    assert check.status is Status.FAIL
    assert check.message == (
        f"{url}: no database file, and the service cannot create the database: "
        f"{tmp_path / 'var'} is not a folder"
    )


async def test_a_database_ahead_of_the_code_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await (await SqliteStore.open_file(str(path))).close()
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ('9001', '2027-01-01')")

    check = await check_database(Settings(database_url=f"sqlite:///{path}"))

    assert check.status is Status.WARN
    assert "9001" in check.message and "newer version" in check.message


# --- the package -------------------------------------------------------------------------------------


def write_package(path: Path, app_id: str, bot_id: str | None = None) -> Path:
    manifest = {
        "manifestVersion": "1.24",
        "id": app_id,
        "bots": [{"botId": bot_id or app_id, "scopes": ["personal"]}],
    }
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("manifest.json", json.dumps(manifest))
        package.writestr("color.png", b"")
    return path


def test_a_package_for_this_app_passes(tmp_path: Path) -> None:
    check = check_package(app_settings(), write_package(tmp_path / "app.zip", APP_ID))

    assert check.status is Status.PASS
    assert APP_ID in check.message


def test_a_package_whose_bot_is_another_app_fails_naming_both(tmp_path: Path) -> None:
    check = check_package(app_settings(), write_package(tmp_path / "app.zip", APP_ID, OTHER_APP_ID))

    assert check.status is Status.FAIL
    assert OTHER_APP_ID in check.message and APP_ID in check.message


def test_a_missing_package_says_how_to_build_it(tmp_path: Path) -> None:
    check = check_package(app_settings(), tmp_path / "none.zip")

    assert check.status is Status.WARN
    assert "cpor-bot manifest" in check.message


def test_a_file_that_is_not_a_package_fails(tmp_path: Path) -> None:
    not_zip = tmp_path / "app.zip"
    not_zip.write_text("not a zip")
    no_manifest = tmp_path / "empty.zip"
    with zipfile.ZipFile(no_manifest, "w") as package:
        package.writestr("color.png", b"")

    assert check_package(app_settings(), not_zip).message.endswith(
        "is not a zip file: build it again with `cpor-bot manifest`"
    )
    assert "has no manifest.json" in check_package(app_settings(), no_manifest).message
