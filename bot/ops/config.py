"""Settings from the environment: read once, frozen, and checked before anything starts."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_DATABASE_URL = "sqlite:///var/cpor-bot.db"
# Not a real Actionable Messages provider: Outlook shows no card with it. Register a provider
# (https://outlook.office.com/connectors/oam/publish) and set OUTLOOK_ORIGINATOR to its id.
PLACEHOLDER_ORIGINATOR = "00000000-0000-0000-0000-000000000000"
DEFAULT_MAIL_FROM = "cpor-bot@localhost"
NAME_LIMIT = 100  # SENDER_NAME and MAIL_FROM_NAME
DEFAULT_MAIL_OUTBOX_DIR = "var/outbox"
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service reads from its environment.

    The Bot Framework names (`MicrosoftAppId` …) are the ones Azure Bot Service and the Teams
    toolkits use, so an existing bot registration's settings work as they are.
    """

    app_id: str = ""
    app_password: str = ""
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 3978
    log_level: str = "INFO"
    delivery_poll_seconds: float = 5.0
    delivery_lease_seconds: float = 300.0
    webhook_allow_loopback: bool = False
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = DEFAULT_MAIL_FROM
    # The email's From name; empty: the partner's name, or "{partner} via {sender}" (see bot.delivery.worker).
    mail_from_name: str = ""
    # The organisation that runs this service and sends the cards, named on every card ("Sent by
    # {sender} for {partner}"); empty: each partner runs it for itself, and the cards name the partner.
    sender_name: str = ""
    outlook_originator: str = PLACEHOLDER_ORIGINATOR
    mail_outbox_dir: str = DEFAULT_MAIL_OUTBOX_DIR

    @property
    def smtp_enabled(self) -> bool:
        """Mail goes to an SMTP relay when SMTP_HOST is set; otherwise to .eml files in the outbox."""
        return bool(self.smtp_host)

    @property
    def outlook_originator_is_placeholder(self) -> bool:
        return self.outlook_originator == PLACEHOLDER_ORIGINATOR

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
        app_type = get("MicrosoftAppType") or "MultiTenant"
        tenant = get("MicrosoftAppTenantId")
        password = get("MicrosoftAppPassword")
        if app_type not in APP_TYPES:
            raise ConfigError(f"MicrosoftAppType must be one of {', '.join(APP_TYPES)}, not {app_type!r}.")
        if app_id and not _GUID.match(app_id):
            raise ConfigError("MicrosoftAppId must be the bot's application (client) id, a GUID.")
        if tenant and not _GUID.match(tenant):
            raise ConfigError("MicrosoftAppTenantId must be a tenant id (a GUID).")
        if app_id and app_type == "SingleTenant" and not tenant:
            raise ConfigError("MicrosoftAppTenantId is required when MicrosoftAppType is SingleTenant.")
        if app_id and app_type != "UserAssignedMSI" and not password:
            raise ConfigError("MicrosoftAppPassword is required when MicrosoftAppId is set.")
        if password and not app_id:
            raise ConfigError("MicrosoftAppPassword is set but MicrosoftAppId is empty.")

        port_text = get("PORT", "3978")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"PORT must be a TCP port number (1-65535), not {port_text!r}.")

        database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
        if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ConfigError("DATABASE_URL must be sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB.")

        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}.")

        poll_text = get("DELIVERY_POLL_SECONDS", "5")
        try:
            poll = float(poll_text)
        except ValueError:
            poll = -1.0
        if not 0.05 <= poll <= 3600:
            raise ConfigError("DELIVERY_POLL_SECONDS must be a number of seconds between 0.05 and 3600.")

        lease_text = get("DELIVERY_LEASE_SECONDS", "300")
        try:
            lease = float(lease_text)
        except ValueError:
            lease = -1.0
        if not 1 <= lease <= 86400:
            raise ConfigError("DELIVERY_LEASE_SECONDS must be a number of seconds between 1 and 86400.")

        loopback_text = (get("WEBHOOK_ALLOW_LOOPBACK") or "false").lower()
        if loopback_text not in ("true", "false", "1", "0", "yes", "no"):
            raise ConfigError("WEBHOOK_ALLOW_LOOPBACK must be true or false.")

        mail = _mail_settings(get)
        sender_name = _name_setting(get, "SENDER_NAME")

        return cls(
            app_id=app_id,
            app_password=password,
            app_type=app_type,
            app_tenant_id=tenant,
            database_url=database_url,
            host=get("HOST") or "127.0.0.1",
            port=int(port_text),
            log_level=log_level,
            delivery_poll_seconds=poll,
            delivery_lease_seconds=lease,
            webhook_allow_loopback=loopback_text in ("true", "1", "yes"),
            sender_name=sender_name,
            **mail,
        )

    def database_url_for_logs(self) -> str:
        """DATABASE_URL with any password replaced by ***."""
        return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", self.database_url)

    def sqlite_path(self) -> Path:
        """The SQLite file named by DATABASE_URL (sqlite:///relative or sqlite:////absolute)."""
        return Path(self.database_url.removeprefix("sqlite:///"))

    def __repr__(self) -> str:
        # Never let the app password reach a log line or a traceback.
        shown = "***" if self.app_password else ""
        return (
            f"Settings(app_id={self.app_id!r}, app_password={shown!r}, app_type={self.app_type!r}, "
            f"app_tenant_id={self.app_tenant_id!r}, database_url={self.database_url_for_logs()!r}, "
            f"host={self.host!r}, port={self.port}, smtp_host={self.smtp_host!r}, "
            f"smtp_port={self.smtp_port}, smtp_username={self.smtp_username!r}, "
            f"smtp_password={'***' if self.smtp_password else ''!r}, smtp_starttls={self.smtp_starttls}, "
            f"mail_from={self.mail_from!r}, sender_name={self.sender_name!r}, "
            f"outlook_originator={self.outlook_originator!r}, "
            f"mail_outbox_dir={self.mail_outbox_dir!r})"
        )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _name_setting(get: Callable[[str, str], str], name: str) -> str:
    """An organisation name shown to customers: one line, at most 100 characters, or empty."""
    value = " ".join(get(name, "").split())
    if len(value) > NAME_LIMIT or any(ord(c) < 32 or ord(c) == 127 for c in get(name, "")):
        raise ConfigError(f"{name} must be at most {NAME_LIMIT} characters, without control characters.")
    return value


def _mail_settings(get: Callable[[str, str], str]) -> dict[str, Any]:
    """SMTP_*, MAIL_* and OUTLOOK_ORIGINATOR, checked; the keyword arguments for Settings."""
    host = get("SMTP_HOST", "")
    if host and not (_HOSTNAME.match(host) or _is_ip(host)):
        raise ConfigError(f"SMTP_HOST must be a host name or IP address (no scheme or port), not {host!r}.")

    port_text = get("SMTP_PORT", "587") or "587"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"SMTP_PORT must be a TCP port number (1-65535), not {port_text!r}.")

    starttls_text = (get("SMTP_STARTTLS", "") or "true").lower()
    if starttls_text not in _BOOLEANS:
        raise ConfigError("SMTP_STARTTLS must be true or false.")
    starttls = _BOOLEANS[starttls_text]

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
    if mail_from and not _EMAIL.match(mail_from):
        raise ConfigError(
            f"MAIL_FROM must be an email address such as cpor@partner.example, not {mail_from!r}."
        )

    from_name = _name_setting(get, "MAIL_FROM_NAME")

    originator = (get("OUTLOOK_ORIGINATOR", "") or PLACEHOLDER_ORIGINATOR).lower()
    if not _GUID.match(originator):
        raise ConfigError(
            "OUTLOOK_ORIGINATOR must be the Actionable Messages provider id (originator), a GUID."
        )

    outbox = get("MAIL_OUTBOX_DIR", "") or DEFAULT_MAIL_OUTBOX_DIR
    if "\x00" in outbox:
        raise ConfigError("MAIL_OUTBOX_DIR must be a folder path.")

    return {
        "smtp_host": host,
        "smtp_port": int(port_text),
        "smtp_username": username,
        "smtp_password": password,
        "smtp_starttls": starttls,
        "mail_from": mail_from or DEFAULT_MAIL_FROM,
        "mail_from_name": from_name,
        "outlook_originator": originator,
        "mail_outbox_dir": outbox,
    }
