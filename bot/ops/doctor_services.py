"""`cpor-bot doctor`: the checks that reach outside services (the database, the SMTP relay,
Microsoft's token endpoint) and read the Teams app package.

Each is an async function from `Settings` to one `Check`. None changes anything: the database is
read without migrating, no mail is sent, and the token asked for is thrown away. The caller bounds
each with a timeout. Text that comes from a server goes through `scrub` before it is shown.
"""

from __future__ import annotations

import json
import ssl
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import aiosmtplib

from bot.ops.config import Settings
from bot.ops.doctor_checks import Check, Status, sqlite_file_problem
from bot.ops.logs import scrub
from bot.store.status import StoreUnreachable, display_url, schema_status

LOGIN_URL = "https://login.microsoftonline.com"
# What botbuilder asks for (AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE + "/.default").
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
# botbuilder's authority for a MultiTenant bot (AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT).
MULTI_TENANT_AUTHORITY = "botframework.com"
_MAX_REPLY = 300
# What to change for the answers Microsoft Entra ID gives most often to a bot's credentials.
_TOKEN_HINTS = {
    "AADSTS7000215": "MicrosoftAppPassword is not a valid client secret of this app (use the secret's "
    "value, not its id)",
    "AADSTS7000222": "MicrosoftAppPassword has expired: add a new client secret to the app registration",
    "AADSTS700016": "MicrosoftAppId is not an app in that tenant: check MicrosoftAppId, MicrosoftAppType "
    "and MicrosoftAppTenantId",
    "AADSTS90002": "the tenant does not exist: check MicrosoftAppTenantId",
}


def _short(text: str) -> str:
    """The first line of a server's text, at most _MAX_REPLY characters, scrubbed."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return scrub(first[:_MAX_REPLY] + ("…" if len(first) > _MAX_REPLY else ""))


# --- the database -----------------------------------------------------------------------------------


async def check_database(settings: Settings) -> Check:
    """The applied migrations against those this code ships, read without migrating."""
    name, shown = "database", display_url(settings.database_url)
    try:
        status = await schema_status(settings.database_url)
    except StoreUnreachable as exc:
        return Check(name, Status.FAIL, f"{shown}: cannot connect: {exc}")
    if not status.exists:
        path = settings.sqlite_path()
        problem = None if str(path) == ":memory:" else sqlite_file_problem(path.absolute())
        if problem:
            return Check(name, Status.FAIL, f"{shown}: no database file, and the service {problem}")
        return Check(
            name, Status.WARN, f"{shown}: no database file yet (the service creates it at first start)"
        )
    if not status.migrated:
        return Check(name, Status.WARN, f"{shown}: no schema yet (the service creates it at first start)")
    newer = (
        f"; {', '.join(status.unknown)} unknown to this code (a newer version ran here)"
        if status.unknown
        else ""
    )
    if status.pending:
        return Check(
            name,
            Status.FAIL,
            f"{shown}: schema {status.version}, behind: {', '.join(status.pending)} not applied "
            f"(the service applies them when it starts){newer}",
        )
    if status.unknown:
        return Check(
            name,
            Status.WARN,
            f"{shown}: schema {status.version}, ahead of this code's {status.shipped[-1]}: "
            f"{', '.join(status.unknown)} unknown (a newer version of the service ran here)",
        )
    return Check(name, Status.PASS, f"{shown}: schema {status.version}, current")


# --- the SMTP relay ---------------------------------------------------------------------------------


async def check_smtp(settings: Settings, *, tls_context: ssl.SSLContext | None = None) -> Check:
    """Connect, EHLO, STARTTLS (when SMTP_STARTTLS), AUTH (when SMTP_USERNAME), QUIT: nothing is sent.
    `tls_context` is the trust for the relay's certificate (None: the system's)."""
    name = "smtp"
    if not settings.smtp_enabled:
        return Check(name, Status.SKIP, "SMTP_HOST is not set")
    relay = f"{settings.smtp_host}:{settings.smtp_port}"
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host, port=settings.smtp_port, start_tls=False, tls_context=tls_context
    )
    step = "connect"
    try:
        await client.connect()
        step = "EHLO"
        await client.ehlo()
        if settings.smtp_starttls:
            step = "STARTTLS"
            await client.starttls()
            step = "EHLO after STARTTLS"
            await client.ehlo()
        if settings.smtp_username:
            step = "AUTH"
            await client.login(settings.smtp_username, settings.smtp_password)
        step = "QUIT"
        await client.quit()
    except aiosmtplib.SMTPResponseException as exc:
        return Check(name, Status.FAIL, f"{relay}: {step} failed: {exc.code} {_short(exc.message)}")
    except aiosmtplib.SMTPException as exc:
        return Check(name, Status.FAIL, f"{relay}: {step} failed: {_short(exc.message)}")
    except OSError as exc:  # includes ssl.SSLError, e.g. a certificate the system does not trust
        return Check(name, Status.FAIL, f"{relay}: {step} failed: {type(exc).__name__}: {_short(str(exc))}")
    finally:
        if client.is_connected:
            client.close()
    done = (
        ["EHLO"]
        + (["STARTTLS"] if settings.smtp_starttls else [])
        + ([f"AUTH as {settings.smtp_username}"] if settings.smtp_username else [])
    )
    unencrypted = "" if settings.smtp_starttls else " (unencrypted: SMTP_STARTTLS is false)"
    return Check(name, Status.PASS, f"{relay}: {', '.join(done)} accepted; nothing sent{unencrypted}")


# --- Microsoft's token endpoint ---------------------------------------------------------------------


def token_authority(settings: Settings) -> str:
    """The tenant botbuilder asks for the bot's token: the app's own for SingleTenant, botframework.com
    for MultiTenant (PasswordServiceClientCredentialFactory, AppCredentials.oauth_endpoint)."""
    return settings.app_tenant_id if settings.app_type == "SingleTenant" else MULTI_TENANT_AUTHORITY


async def check_token(settings: Settings, *, login_url: str = LOGIN_URL) -> Check:
    """Ask Microsoft Entra ID for a Bot Framework token with the app's id and secret (client
    credentials, as botbuilder does); the token is not kept or shown."""
    name = "token"
    if not settings.app_id:
        return Check(name, Status.SKIP, "MicrosoftAppId is not set")
    if settings.app_type == "UserAssignedMSI":
        return Check(name, Status.WARN, "a managed identity's token can be checked only inside Azure")
    authority = token_authority(settings)
    url = f"{login_url.rstrip('/')}/{authority}/oauth2/v2.0/token"
    host = urlsplit(login_url).netloc
    form = {
        "grant_type": "client_credentials",
        "client_id": settings.app_id,
        "client_secret": settings.app_password,
        "scope": BOT_FRAMEWORK_SCOPE,
    }
    try:
        async with aiohttp.ClientSession(trust_env=False) as session:
            async with session.post(url, data=form, allow_redirects=False) as response:
                code, text = response.status, await response.text(errors="replace")
    except aiohttp.ClientError as exc:
        return Check(name, Status.WARN, f"could not reach {host}: {type(exc).__name__}")
    answer = _json_object(text)
    if code == 200 and isinstance(answer.get("access_token"), str) and answer["access_token"]:
        return Check(
            name, Status.PASS, f"{host} issued a Bot Framework token to app {settings.app_id} ({authority})"
        )
    error = answer.get("error")
    if not isinstance(error, str) or code >= 500:
        return Check(name, Status.WARN, f"{host} answered HTTP {code} without a token or an error to show")
    description = answer.get("error_description")
    detail = _short(description) if isinstance(description, str) else ""
    aadsts = detail.split(":", 1)[0] if detail.startswith("AADSTS") else ""
    hint = _TOKEN_HINTS.get(
        aadsts, "check MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType and MicrosoftAppTenantId"
    )
    return Check(
        name,
        Status.FAIL,
        f"{host} refused app {settings.app_id} ({authority}): {scrub(error[:80])}: "
        f"{detail or '(no description)'} -> {hint}",
    )


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --- the Teams app package --------------------------------------------------------------------------


def check_package(settings: Settings, path: Path) -> Check:
    """The package's manifest names this bot: `id` and bots[0].botId equal MicrosoftAppId."""
    name = "package"
    if not settings.app_id:
        return Check(name, Status.SKIP, "MicrosoftAppId is not set")
    if not path.exists():
        return Check(name, Status.WARN, f"{path} not found: build it with `cpor-bot manifest`")
    try:
        with zipfile.ZipFile(path) as package:
            manifest = json.loads(package.read("manifest.json"))
    except zipfile.BadZipFile:
        return Check(name, Status.FAIL, f"{path} is not a zip file: build it again with `cpor-bot manifest`")
    except KeyError:
        return Check(
            name, Status.FAIL, f"{path} has no manifest.json: build it again with `cpor-bot manifest`"
        )
    except (ValueError, OSError) as exc:
        return Check(name, Status.FAIL, f"{path}: manifest.json cannot be read ({type(exc).__name__})")
    if not isinstance(manifest, dict):
        return Check(name, Status.FAIL, f"{path}: manifest.json is not a JSON object")
    bots = manifest.get("bots")
    first_bot = bots[0] if isinstance(bots, list) and bots and isinstance(bots[0], dict) else {}
    app_id, bot_id = manifest.get("id"), first_bot.get("botId")
    if app_id != settings.app_id or bot_id != settings.app_id:
        return Check(
            name,
            Status.FAIL,
            f"{path} is for app {app_id} (bots[0].botId {bot_id}), not MicrosoftAppId {settings.app_id}: "
            "build it again with `cpor-bot manifest`",
        )
    version = manifest.get("manifestVersion", "?")
    return Check(name, Status.PASS, f"{path}: manifest {version} for app {settings.app_id}")
