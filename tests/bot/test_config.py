"""Settings.from_env: defaults, Bot Framework names, and clear failures."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings

APP_ID = "9e0b9a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def test_defaults_run_locally_with_auth_off() -> None:
    settings = Settings.from_env({})
    assert settings.port == 3978
    assert settings.database_url == "sqlite:///var/cpor-bot.db"
    assert not settings.auth_enabled
    assert settings.host == "127.0.0.1"


def test_bot_framework_names_are_read() -> None:
    settings = Settings.from_env(
        {
            "MicrosoftAppId": APP_ID,
            "MicrosoftAppPassword": "s3cret-value",
            "MicrosoftAppType": "SingleTenant",
            "MicrosoftAppTenantId": TENANT,
            "PORT": "8080",
            "DATABASE_URL": "sqlite:////srv/bot/bot.db",
        }
    )
    assert (settings.app_id, settings.app_type, settings.app_tenant_id) == (APP_ID, "SingleTenant", TENANT)
    assert settings.auth_enabled
    assert settings.port == 8080
    assert str(settings.sqlite_path()) == "/srv/bot/bot.db"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"MicrosoftAppId": "my-bot"}, "MicrosoftAppId"),
        ({"MicrosoftAppId": APP_ID}, "MicrosoftAppPassword"),
        ({"MicrosoftAppPassword": "x"}, "MicrosoftAppId"),
        ({"MicrosoftAppType": "Anything"}, "MicrosoftAppType"),
        (
            {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "x", "MicrosoftAppType": "SingleTenant"},
            "MicrosoftAppTenantId",
        ),
        ({"DATABASE_URL": "mysql://db/bot"}, "DATABASE_URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DELIVERY_POLL_SECONDS": "soon"}, "DELIVERY_POLL_SECONDS"),
    ],
)
def test_bad_settings_fail_fast_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env(env)


def test_the_password_never_shows_in_repr() -> None:
    settings = Settings.from_env({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s3cret-value"})
    assert "s3cret-value" not in repr(settings)
    assert "s3cret-value" not in str(settings)
