"""Settings from the environment: read once, frozen, and checked before anything starts."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from bot.domain.formats import NAME_MAX, is_email, is_guid
from bot.store.limits import NotifyAllowance

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
# Azure has refused to create new multi-tenant bots since 31 July 2025; older ones keep working.
DEFAULT_APP_TYPE = "SingleTenant"
DEFAULT_DATABASE_URL = "sqlite:///var/cpor-bot.db"
# Not a real Actionable Messages provider: Outlook shows no card with it. Register a provider
# (https://outlook.office.com/connectors/oam/publish) and set OUTLOOK_ORIGINATOR to its id.
PLACEHOLDER_ORIGINATOR = "00000000-0000-0000-0000-000000000000"
DEFAULT_MAIL_FROM = "cpor-bot@localhost"
DEFAULT_MAIL_OUTBOX_DIR = "var/outbox"
# The most days RETENTION_DAYS and `cpor-bot purge --days` take: a hundred years.
RETENTION_DAYS_MAX = 36_500
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class SetupError(Exception):
    """A well-formed setting names what this machine cannot give the service at start (an address
    to listen on, a file to keep a key in); the message names the variable and the reason."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service reads from its environment.

    The Bot Framework names (`MicrosoftAppId` …) are the ones Azure Bot Service and the Teams
    toolkits use, so an existing bot registration's settings work as they are.

    Secrets are left out of `repr` by construction (`repr=False`): the app password, the SMTP
    password and the database URL, which can carry one (`database_url_for_logs` is safe to show).
    """

    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = DEFAULT_APP_TYPE
    app_tenant_id: str = ""
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    host: str = "127.0.0.1"
    port: int = 3978
    log_level: str = "INFO"
    log_format: str = "text"
    delivery_poll_seconds: float = 5.0
    delivery_lease_seconds: float = 300.0
    webhook_allow_loopback: bool = False
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = True
    mail_from: str = DEFAULT_MAIL_FROM
    # The email's From name; empty: the partner's name, or "{partner} via {sender}" (see bot.delivery.worker).
    mail_from_name: str = ""
    # The organisation that runs this service and sends the cards, named on every card ("Sent by
    # {sender} for {partner}"); empty: each partner runs it for itself, and the cards name the partner.
    sender_name: str = ""
    outlook_originator: str = PLACEHOLDER_ORIGINATOR
    mail_outbox_dir: str = DEFAULT_MAIL_OUTBOX_DIR
    # What one partner may send through the API or the Teams claim form (0: no limit): a leaked key
    # must not become a mass mailer under the operator's sender.
    notify_per_minute: int = 30
    notify_messages_per_day: int = 2000
    notify_cooldown_minutes: int = 10
    # Where Teams, Outlook and customers reach this service (https://host, no path); empty: local use.
    public_url: str = ""
    # The operator's pages the Teams app manifest links; empty: the pages this service serves.
    website_url: str = ""
    privacy_url: str = ""
    terms_url: str = ""
    # Whom customers and partners write to about the service and the data it keeps (email or https URL).
    operator_contact: str = ""
    # Days after its last change that a claim, with its contacts, messages and responses, is deleted
    # (0: kept until the operator deletes it). Stated on the privacy notice.
    retention_days: int = 0
    # Keys that sign each contact's web link (/c/{token}): the first signs, every one verifies, so a
    # new key goes first and an old one stays until its links have expired. Empty: a key kept in
    # LINK_KEY_FILE (made at first start), fine for one machine.
    link_keys: tuple[str, ...] = field(default=(), repr=False)
    link_key_file: str = "var/link-key"
    link_days: int = 90
    # On SIGTERM: how long sends and invokes already in hand may take before the process exits.
    shutdown_grace_seconds: float = 20.0

    def notify_allowance(self) -> NotifyAllowance:
        """What one partner may send, by the API and by the Teams claim form alike."""
        return NotifyAllowance(
            per_minute=self.notify_per_minute,
            messages_per_day=self.notify_messages_per_day,
            cooldown=dt.timedelta(minutes=self.notify_cooldown_minutes),
        )

    @property
    def smtp_enabled(self) -> bool:
        """Mail goes to an SMTP relay when SMTP_HOST is set; otherwise to .eml files in the outbox."""
        return bool(self.smtp_host)

    @property
    def outlook_originator_is_placeholder(self) -> bool:
        return self.outlook_originator == PLACEHOLDER_ORIGINATOR

    @property
    def privacy_page_url(self) -> str:
        """The privacy notice the manifest links: PRIVACY_URL, or this service's own page."""
        return self.privacy_url or (f"{self.public_url}/privacy" if self.public_url else "")

    @property
    def terms_page_url(self) -> str:
        """The terms of use the manifest links: TERMS_URL, or this service's own page."""
        return self.terms_url or (f"{self.public_url}/terms" if self.public_url else "")

    @property
    def website_page_url(self) -> str:
        """The developer website the manifest links: WEBSITE_URL, or this service's address."""
        return self.website_url or (f"{self.public_url}/" if self.public_url else "")

    @property
    def auth_enabled(self) -> bool:
        """Bot Framework JWT validation is on whenever an app id is configured."""
        return bool(self.app_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from `env` (default: the process environment); raise ConfigError."""
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return env.get(name, default).strip()

        app_id = get("MicrosoftAppId")
        app_type = get("MicrosoftAppType") or DEFAULT_APP_TYPE
        tenant = get("MicrosoftAppTenantId")
        password = get("MicrosoftAppPassword")
        if app_type not in APP_TYPES:
            raise ConfigError(f"MicrosoftAppType must be one of {', '.join(APP_TYPES)}, not {app_type!r}.")
        if app_id and not is_guid(app_id):
            raise ConfigError("MicrosoftAppId must be the bot's application (client) id, a GUID.")
        if tenant and not is_guid(tenant):
            raise ConfigError("MicrosoftAppTenantId must be a tenant id (a GUID).")
        if app_id and app_type != "UserAssignedMSI" and not password:
            raise ConfigError("MicrosoftAppPassword is required when MicrosoftAppId is set.")
        if app_id and app_type == "UserAssignedMSI" and not tenant:
            raise ConfigError(
                "MicrosoftAppTenantId is required when MicrosoftAppType is UserAssignedMSI "
                "(the tenant of the managed identity)."
            )
        if app_id and app_type == "SingleTenant" and not tenant:
            raise ConfigError(
                "MicrosoftAppTenantId is required: MicrosoftAppType is SingleTenant (the default), so set "
                "MicrosoftAppTenantId to the directory (tenant) id of the bot's app registration. A bot "
                "registered as multi-tenant before 31 July 2025 sets MicrosoftAppType=MultiTenant instead."
            )
        if password and not app_id:
            raise ConfigError("MicrosoftAppPassword is set but MicrosoftAppId is empty.")

        port = _port(get, "PORT", 3978)

        database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ConfigError("DATABASE_URL must be sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB.")
        if database_url.startswith("sqlite:///"):
            _sqlite_file(database_url.removeprefix("sqlite:///"))
        else:
            _postgres_url(database_url)

        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}.")
        log_format = (get("LOG_FORMAT") or "text").lower()
        if log_format not in LOG_FORMATS:
            raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}.")

        poll = _seconds(get, "DELIVERY_POLL_SECONDS", 5.0, 0.05, 3600)
        lease = _seconds(get, "DELIVERY_LEASE_SECONDS", 300.0, 1, 86400)
        allow_loopback = _boolean(get, "WEBHOOK_ALLOW_LOOPBACK", False)

        mail = _mail_settings(get)
        sender_name = _name_setting(get, "SENDER_NAME")
        per_minute = _count(get, "NOTIFY_PER_MINUTE", 30, 0, 100_000, zero="no limit")
        per_day = _count(get, "NOTIFY_MESSAGES_PER_DAY", 2000, 0, 10_000_000, zero="no limit")
        cooldown = _count(get, "NOTIFY_COOLDOWN_MINUTES", 10, 0, 7 * 24 * 60, zero="never refused")
        public_url = _base_url(get, "PUBLIC_URL")
        contact = _contact(get, "OPERATOR_CONTACT")
        grace = _seconds(get, "SHUTDOWN_GRACE_SECONDS", 20.0, 1, 600)
        retention = _count(get, "RETENTION_DAYS", 0, 0, RETENTION_DAYS_MAX, zero="kept until deleted")
        link_keys = _link_keys(get, "LINK_KEYS")
        link_key_file = get("LINK_KEY_FILE") or "var/link-key"
        if "\x00" in link_key_file:
            raise ConfigError("LINK_KEY_FILE must be a file path.")
        link_days = _count(get, "LINK_DAYS", 90, 1, 3650)

        return cls(
            app_id=app_id,
            app_password=password,
            app_type=app_type,
            app_tenant_id=tenant,
            database_url=database_url,
            host=_listen_host(get, "HOST"),
            port=port,
            log_level=log_level,
            log_format=log_format,
            delivery_poll_seconds=poll,
            delivery_lease_seconds=lease,
            webhook_allow_loopback=allow_loopback,
            sender_name=sender_name,
            notify_per_minute=per_minute,
            notify_messages_per_day=per_day,
            notify_cooldown_minutes=cooldown,
            public_url=public_url,
            operator_contact=contact,
            shutdown_grace_seconds=grace,
            retention_days=retention,
            link_keys=link_keys,
            link_key_file=link_key_file,
            link_days=link_days,
            website_url=_page_url(get, "WEBSITE_URL"),
            privacy_url=_page_url(get, "PRIVACY_URL"),
            terms_url=_page_url(get, "TERMS_URL"),
            **mail,
        )

    def database_url_for_logs(self) -> str:
        """DATABASE_URL fit for the banner and the log: see bot.store.status.display_url (no password,
        and the server and database in a form the log's email scrubber leaves alone)."""
        from bot.store.status import display_url  # noqa: PLC0415 - psycopg and the migrations, on use only

        return display_url(self.database_url)

    def sqlite_path(self) -> Path:
        """The SQLite file named by DATABASE_URL (sqlite:///relative or sqlite:////absolute)."""
        return Path(self.database_url.removeprefix("sqlite:///"))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _listen_host(get: Callable[[str, str], str], name: str) -> str:
    """A host name or an IP address (IPv6 without brackets) to listen on; 127.0.0.1 by default."""
    host = get(name, "") or "127.0.0.1"
    if not (_HOSTNAME.match(host) or _is_ip(host)):
        raise ConfigError(
            f"{name} must be a host name or IP address to listen on, such as 127.0.0.1 or 0.0.0.0, "
            f"not {host!r}."
        )
    return host


def _sqlite_file(path: str) -> None:
    """The path of sqlite:///PATH names a database file (or :memory:): not nothing, which SQLite would
    take for a temporary database thrown away at exit, and not a folder."""
    example = "such as sqlite:///var/cpor-bot.db or sqlite:////srv/cpor/cpor-bot.db"
    if not path.strip():
        raise ConfigError(f"DATABASE_URL names no database file: sqlite:/// needs a path, {example}.")
    if "\x00" in path:
        raise ConfigError("DATABASE_URL must name a database file: its path holds a NUL character.")
    if path != ":memory:" and (path.endswith("/") or Path(path).is_dir()):
        raise ConfigError(
            f"DATABASE_URL names the folder {path}, not a database file in it: add the file's name, "
            f"{example}."
        )


def _postgres_url(url: str) -> None:
    """A PostgreSQL URL that Python and libpq can both read in full, with port numbers a server can
    have. The message never quotes the URL nor libpq's complaint, either of which may hold the password."""
    example = "such as postgresql://USER:PASSWORD@HOST:5432/DB (percent-encode special characters)"
    try:
        urlsplit(url)
    except ValueError:
        raise ConfigError(
            f"DATABASE_URL is not a valid URL (a host in [ ] not closed?), {example}."
        ) from None
    try:
        params = conninfo_to_dict(url)
    except (psycopg.Error, ValueError):  # UnicodeDecodeError: a percent-encoded value that is not UTF-8
        raise ConfigError(
            "DATABASE_URL cannot be read by PostgreSQL's client: a bad percent-encoding, a value that is not "
            f"UTF-8 or an unknown parameter, {example}."
        ) from None
    for port in str(params.get("port") or "").split(","):
        if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
            shown = f" {port}" if port.isascii() and port.isdigit() else ""  # not what may be a password
            raise ConfigError(f"DATABASE_URL names the port{shown}: a TCP port is a number from 1 to 65535.")


def _port(get: Callable[[str, str], str], name: str, default: int) -> int:
    text = get(name, "") or str(default)
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 65536:
        raise ConfigError(f"{name} must be a TCP port number (1-65535), not {text!r}.")
    return int(text)


def _count(
    get: Callable[[str, str], str], name: str, default: int, low: int, high: int, *, zero: str = ""
) -> int:
    """A whole number from `low` to `high`; `zero` says what 0 means where it is allowed. The message
    states the range this variable takes, and no other."""
    text = get(name, "") or str(default)
    value = whole_number(text)
    if value is None or not low <= value <= high:
        meaning = f" ({zero})" if low == 0 and zero else ""
        raise ConfigError(f"{name} must be a whole number from {low}{meaning} to {high}, not {text!r}.")
    return value


def whole_number(text: str) -> int | None:
    """`text` as a whole number written in ASCII digits, or None. Nine digits at most: every count a
    setting or option takes is smaller, and int() refuses numbers of thousands of digits with an
    error of its own."""
    digits = text.strip()
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 9 else None


def _seconds(get: Callable[[str, str], str], name: str, default: float, low: float, high: float) -> float:
    text = get(name, "") or str(default)
    try:
        value = float(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ConfigError(f"{name} must be a number of seconds between {low:g} and {high:g}.")
    return value


def _boolean(get: Callable[[str, str], str], name: str, default: bool) -> bool:
    text = get(name, "").lower()
    if not text:
        return default
    if text not in _BOOLEANS:
        raise ConfigError(f"{name} must be true or false.")
    return _BOOLEANS[text]


def _base_url(get: Callable[[str, str], str], name: str) -> str:
    """An absolute http(s) address with no path, query or fragment, without its trailing slash."""
    text = get(name, "").rstrip("/")
    if not text:
        return ""
    parts = urlsplit(text)
    host = parts.hostname or ""
    if (
        parts.scheme not in ("https", "http")
        or not host
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username
        or not (_HOSTNAME.match(host) or _is_ip(host.strip("[]")))
        or any(ch.isspace() for ch in text)
    ):
        raise ConfigError(
            f"{name} must be the service's address, such as https://cpor.partner.example, not {text!r}."
        )
    return text


def _page_url(get: Callable[[str, str], str], name: str) -> str:
    """An https address of a page, or empty."""
    text = get(name, "")
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname or any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise ConfigError(f"{name} must be an https:// address of a page, not {text!r}.")
    return text


LINK_KEY_MIN = 32


def _link_keys(get: Callable[[str, str], str], name: str) -> tuple[str, ...]:
    """Comma-separated secrets of at least LINK_KEY_MIN characters each (e.g. `openssl rand -hex 32`)."""
    keys = tuple(key.strip() for key in get(name, "").split(",") if key.strip())
    if any(len(key) < LINK_KEY_MIN or not key.isascii() or not key.isprintable() for key in keys):
        raise ConfigError(
            f"{name} must be one or more keys of at least {LINK_KEY_MIN} printable ASCII characters, "
            "separated by commas (make one with: openssl rand -hex 32)."
        )
    if len(set(keys)) != len(keys):
        raise ConfigError(f"{name} names the same key twice.")
    return keys


def _contact(get: Callable[[str, str], str], name: str) -> str:
    """An email address or an https address, or empty."""
    text = get(name, "")
    if not text or is_email(text, dotless_domain=True):
        return text
    parts = urlsplit(text)
    if parts.scheme == "https" and parts.hostname and not any(ch.isspace() or ord(ch) < 32 for ch in text):
        return text
    raise ConfigError(
        f"{name} must be an email address or an https:// address where people can reach you, not {text!r}."
    )


def _name_setting(get: Callable[[str, str], str], name: str) -> str:
    """An organisation name shown to customers: one line, at most NAME_MAX characters, or empty."""
    raw = get(name, "")
    value = " ".join(raw.split())
    if len(value) > NAME_MAX or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise ConfigError(f"{name} must be at most {NAME_MAX} characters, without control characters.")
    return value


def _mail_settings(get: Callable[[str, str], str]) -> dict[str, Any]:
    """SMTP_*, MAIL_* and OUTLOOK_ORIGINATOR, checked; the keyword arguments for Settings."""
    host = get("SMTP_HOST", "")
    if host and not (_HOSTNAME.match(host) or _is_ip(host)):
        raise ConfigError(f"SMTP_HOST must be a host name or IP address (no scheme or port), not {host!r}.")

    smtp_port = _port(get, "SMTP_PORT", 587)
    starttls = _boolean(get, "SMTP_STARTTLS", True)

    username = get("SMTP_USERNAME", "")
    password = get("SMTP_PASSWORD", "")
    if username and not password:
        raise ConfigError("SMTP_PASSWORD is required when SMTP_USERNAME is set.")
    if password and not username:
        raise ConfigError("SMTP_USERNAME is required when SMTP_PASSWORD is set.")
    if username and not host:
        raise ConfigError("SMTP_USERNAME and SMTP_PASSWORD are set but SMTP_HOST is empty.")
    if username and not starttls:
        raise ConfigError(
            "SMTP_STARTTLS must be true when SMTP_USERNAME is set "
            "(the password would otherwise cross the network unencrypted)."
        )

    mail_from = get("MAIL_FROM", "")
    if host and not mail_from:
        raise ConfigError("MAIL_FROM is required when SMTP_HOST is set (the sender's email address).")
    if mail_from and not is_email(mail_from, dotless_domain=True):
        raise ConfigError(
            f"MAIL_FROM must be an email address such as cpor@partner.example, not {mail_from!r}."
        )

    from_name = _name_setting(get, "MAIL_FROM_NAME")

    originator = (get("OUTLOOK_ORIGINATOR", "") or PLACEHOLDER_ORIGINATOR).lower()
    if not is_guid(originator):
        raise ConfigError(
            "OUTLOOK_ORIGINATOR must be the Actionable Messages provider id (originator), a GUID."
        )

    outbox = get("MAIL_OUTBOX_DIR", "") or DEFAULT_MAIL_OUTBOX_DIR
    if "\x00" in outbox:
        raise ConfigError("MAIL_OUTBOX_DIR must be a folder path.")

    return {
        "smtp_host": host,
        "smtp_port": smtp_port,
        "smtp_username": username,
        "smtp_password": password,
        "smtp_starttls": starttls,
        "mail_from": mail_from or DEFAULT_MAIL_FROM,
        "mail_from_name": from_name,
        "outlook_originator": originator,
        "mail_outbox_dir": outbox,
    }
