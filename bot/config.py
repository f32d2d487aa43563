"""Settings from the environment: read once, frozen, and checked before anything starts."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_DATABASE_URL = "sqlite:///var/cpor-bot.db"


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
    webhook_allow_loopback: bool = False

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
        if not database_url.startswith("sqlite:///"):
            raise ConfigError(
                "DATABASE_URL must be sqlite:///PATH (PostgreSQL support comes with the scale-out store)."
            )

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

        loopback_text = (get("WEBHOOK_ALLOW_LOOPBACK") or "false").lower()
        if loopback_text not in ("true", "false", "1", "0", "yes", "no"):
            raise ConfigError("WEBHOOK_ALLOW_LOOPBACK must be true or false.")

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
            webhook_allow_loopback=loopback_text in ("true", "1", "yes"),
        )

    def sqlite_path(self) -> Path:
        """The SQLite file named by DATABASE_URL (sqlite:///relative or sqlite:////absolute)."""
        return Path(self.database_url.removeprefix("sqlite:///"))

    def __repr__(self) -> str:
        # Never let the app password reach a log line or a traceback.
        shown = "***" if self.app_password else ""
        return (
            f"Settings(app_id={self.app_id!r}, app_password={shown!r}, app_type={self.app_type!r}, "
            f"app_tenant_id={self.app_tenant_id!r}, database_url={self.database_url!r}, "
            f"host={self.host!r}, port={self.port})"
        )
