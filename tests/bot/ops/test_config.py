"""Settings.from_env: defaults, Bot Framework names, and clear failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.ops.config import PLACEHOLDER_ORIGINATOR, ConfigError, Settings

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
        ({"HOST": "http://0.0.0.0"}, "HOST"),
        ({"HOST": "[::1]"}, "HOST"),
        ({"HOST": "127.0.0.1:3978"}, "HOST"),
        ({"PORT": "70000"}, "PORT"),
        ({"MicrosoftAppId": "my-bot"}, "MicrosoftAppId"),
        ({"MicrosoftAppId": APP_ID}, "MicrosoftAppPassword"),
        ({"MicrosoftAppPassword": "x"}, "MicrosoftAppId"),
        ({"MicrosoftAppType": "Anything"}, "MicrosoftAppType"),
        (
            {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "x", "MicrosoftAppType": "SingleTenant"},
            "MicrosoftAppTenantId",
        ),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "x"}, "MicrosoftAppTenantId"),
        ({"DATABASE_URL": "mysql://db/bot"}, "DATABASE_URL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"PUBLIC_URL": "cpor.partner.example"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "ftp://cpor.partner.example"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://cpor.partner.example/api/messages"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://user:pw@cpor.partner.example"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://cpor.partner.example?x=1"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://bad host.example"}, "PUBLIC_URL"),
        ({"PRIVACY_URL": "http://partner.example/privacy"}, "PRIVACY_URL"),
        ({"TERMS_URL": "javascript:alert(1)"}, "TERMS_URL"),
        ({"WEBSITE_URL": "https://partner.example/\nx"}, "WEBSITE_URL"),
        ({"OPERATOR_CONTACT": "call us"}, "OPERATOR_CONTACT"),
        ({"OPERATOR_CONTACT": "http://partner.example/contact"}, "OPERATOR_CONTACT"),
        ({"SHUTDOWN_GRACE_SECONDS": "-1"}, "SHUTDOWN_GRACE_SECONDS"),
        ({"SHUTDOWN_GRACE_SECONDS": "0"}, "SHUTDOWN_GRACE_SECONDS"),  # aiohttp reads 0 as "wait for ever"
        ({"RETENTION_DAYS": "a year"}, "RETENTION_DAYS"),
        ({"LINK_KEYS": "short"}, "LINK_KEYS"),
        ({"LINK_KEYS": f"{'a' * 32},{'a' * 32}"}, "LINK_KEYS"),
        ({"LINK_KEYS": "k" * 31 + "\u00e9"}, "LINK_KEYS"),
        ({"LINK_DAYS": "0"}, "LINK_DAYS"),
        ({"LINK_DAYS": "3651"}, "LINK_DAYS"),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppType": "UserAssignedMSI"}, "MicrosoftAppTenantId"),
        ({"RETENTION_DAYS": "36501"}, "RETENTION_DAYS"),
        ({"SHUTDOWN_GRACE_SECONDS": "forever"}, "SHUTDOWN_GRACE_SECONDS"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DELIVERY_POLL_SECONDS": "soon"}, "DELIVERY_POLL_SECONDS"),
        ({"SMTP_HOST": "smtp://mail.example", "MAIL_FROM": "a@b.example"}, "SMTP_HOST"),
        ({"SMTP_HOST": "mail.example:587", "MAIL_FROM": "a@b.example"}, "SMTP_HOST"),
        ({"SMTP_PORT": "0"}, "SMTP_PORT"),
        ({"SMTP_PORT": "smtp"}, "SMTP_PORT"),
        ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS"),
        ({"SMTP_HOST": "mail.example", "MAIL_FROM": "a@b.example", "SMTP_USERNAME": "cpor"}, "SMTP_PASSWORD"),
        ({"SMTP_HOST": "mail.example", "MAIL_FROM": "a@b.example", "SMTP_PASSWORD": "x"}, "SMTP_USERNAME"),
        ({"SMTP_USERNAME": "cpor", "SMTP_PASSWORD": "x"}, "SMTP_HOST"),
        (
            {
                "SMTP_HOST": "mail.example",
                "MAIL_FROM": "a@b.example",
                "SMTP_USERNAME": "cpor",
                "SMTP_PASSWORD": "x",
                "SMTP_STARTTLS": "false",
            },
            "SMTP_STARTTLS",
        ),
        ({"SMTP_HOST": "mail.example"}, "MAIL_FROM"),
        ({"SMTP_HOST": "mail.example", "MAIL_FROM": "CPOR <cpor@partner.example>"}, "MAIL_FROM"),
        ({"MAIL_FROM": "not-an-address"}, "MAIL_FROM"),
        ({"MAIL_FROM_NAME": "CPOR\r\nBcc: everyone@example.com"}, "MAIL_FROM_NAME"),
        ({"SENDER_NAME": "Litware\nBcc: everyone@example.com"}, "SENDER_NAME"),
        ({"SENDER_NAME": "L" * 101}, "SENDER_NAME"),
        ({"OUTLOOK_ORIGINATOR": "my-provider"}, "OUTLOOK_ORIGINATOR"),
        ({"PORT": "\u0661\u0662"}, "PORT"),  # Arabic-Indic digits: isdigit() but not a port
        ({"NOTIFY_PER_MINUTE": "-1"}, "NOTIFY_PER_MINUTE"),
        ({"NOTIFY_PER_MINUTE": "many"}, "NOTIFY_PER_MINUTE"),
        ({"NOTIFY_MESSAGES_PER_DAY": "1e6"}, "NOTIFY_MESSAGES_PER_DAY"),
        ({"NOTIFY_COOLDOWN_MINUTES": "99999999"}, "NOTIFY_COOLDOWN_MINUTES"),
    ],
)
def test_bad_settings_fail_fast_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env(env)


@pytest.mark.parametrize(
    "url", ["sqlite:///", "sqlite:///  ", "sqlite:///var/", "sqlite:////", "sqlite:///."]
)
def test_a_sqlite_url_must_name_a_database_file(url: str) -> None:
    # An empty path is a temporary database SQLite throws away; a folder cannot be opened.
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Settings.from_env({"DATABASE_URL": url})


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://cpor:Pw-7731@[::1/cpor", "not a valid URL"),  # urlsplit: Invalid IPv6 URL
        ("postgresql://cpor:Pw-7731@127.0.0.1:1/cpor?options=%ff", "cannot be read"),  # not UTF-8
        ("postgresql://cpor:Pw-7731%zz@db.example/cpor", "cannot be read"),  # libpq quotes the password
        ("postgres://cpor:Pw-7731@db.example/cpor?no_such_parameter=1", "cannot be read"),
        ("postgresql://cpor:Pw-7731@db.example:0/cpor", "port 0"),
        ("postgresql://cpor:Pw-7731@db.example:65536/cpor", "port 65536"),
        ("postgresql://cpor:Pw-7731@db.example/cpor?port=99999", "port 99999"),
        ("postgresql://cpor@db.example:Pw-7731/cpor", "port: a TCP port"),  # not quoted: it may be a password
    ],
)
def test_a_postgresql_url_is_read_in_full_and_refused_without_its_password(url: str, reason: str) -> None:
    with pytest.raises(ConfigError, match="^DATABASE_URL") as caught:
        Settings.from_env({"DATABASE_URL": url})
    assert reason in str(caught.value)
    assert "Pw-7731" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://cpor:p%40ss@db.example:5432/cpor?sslmode=require",
        "postgresql://cpor:pw@db1.example:5432,db2.example:5433/cpor",  # libpq's several hosts
        "postgres://cpor:pw@[::1]:5432/cpor",
        "postgresql:///cpor?host=/run/postgresql",
    ],
)
def test_a_well_formed_postgresql_url_is_taken(url: str) -> None:
    assert Settings.from_env({"DATABASE_URL": url}).database_url == url


def test_a_sqlite_url_naming_an_existing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"DATABASE_URL names the folder {tmp_path}"):
        Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path}"})
    # A file in it, created or not yet, and SQLite's in-memory database are fine.
    assert Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path}/bot.db"}).sqlite_path().name == "bot.db"
    assert Settings.from_env({"DATABASE_URL": "sqlite:///:memory:"}).database_url == "sqlite:///:memory:"


def test_the_password_never_shows_in_repr() -> None:
    settings = Settings.from_env(
        {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s3cret-value", "MicrosoftAppTenantId": TENANT}
    )
    assert "s3cret-value" not in repr(settings)
    assert "s3cret-value" not in str(settings)


def test_sender_name_is_one_line_of_at_most_100_characters() -> None:
    assert Settings.from_env({"SENDER_NAME": "  Litware   Managed Services "}).sender_name == (
        "Litware Managed Services"
    )
    assert Settings.from_env({"SENDER_NAME": "L" * 100}).sender_name == "L" * 100
    assert "Litware" in repr(Settings.from_env({"SENDER_NAME": "Litware"}))


def test_mail_defaults_write_to_the_outbox_with_the_placeholder_originator() -> None:
    settings = Settings.from_env({})
    assert not settings.smtp_enabled
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == ("", 587, True)
    assert (settings.smtp_username, settings.smtp_password) == ("", "")
    assert settings.mail_from == "cpor-bot@localhost"
    assert settings.mail_from_name == ""  # the From name comes from the partner (bot.delivery.worker)
    assert settings.sender_name == ""  # each partner runs the service itself
    assert settings.mail_outbox_dir == "var/outbox"
    assert settings.outlook_originator == PLACEHOLDER_ORIGINATOR == "00000000-0000-0000-0000-000000000000"
    assert settings.outlook_originator_is_placeholder


def test_smtp_relay_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            "SMTP_HOST": "smtp.office365.com",
            "SMTP_PORT": "25",
            "SMTP_USERNAME": "cpor@contoso-partners.example",
            "SMTP_PASSWORD": "relay-s3cret",
            "SMTP_STARTTLS": "TRUE",
            "MAIL_FROM": "cpor@contoso-partners.example",
            "MAIL_FROM_NAME": "Contoso Partners",
            "OUTLOOK_ORIGINATOR": "C9B4352B-A76B-43B9-88FF-80EDDDAA243B",
            "MAIL_OUTBOX_DIR": "/srv/outbox",
        }
    )
    assert settings.smtp_enabled
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "smtp.office365.com",
        25,
        True,
    )
    assert (settings.smtp_username, settings.smtp_password) == (
        "cpor@contoso-partners.example",
        "relay-s3cret",
    )
    assert (settings.mail_from, settings.mail_from_name) == (
        "cpor@contoso-partners.example",
        "Contoso Partners",
    )
    assert settings.outlook_originator == "c9b4352b-a76b-43b9-88ff-80edddaa243b"
    assert not settings.outlook_originator_is_placeholder
    assert settings.mail_outbox_dir == "/srv/outbox"


def test_a_relay_without_credentials_may_skip_starttls() -> None:
    settings = Settings.from_env(
        {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": "1025",
            "SMTP_STARTTLS": "false",
            "MAIL_FROM": "bot@localhost",
        }
    )
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == ("127.0.0.1", 1025, False)


def test_the_smtp_password_never_shows_in_repr() -> None:
    settings = Settings.from_env(
        {
            "SMTP_HOST": "smtp.office365.com",
            "SMTP_USERNAME": "cpor@contoso-partners.example",
            "SMTP_PASSWORD": "relay-s3cret",
            "MAIL_FROM": "cpor@contoso-partners.example",
        }
    )
    assert "relay-s3cret" not in repr(settings)
    assert "relay-s3cret" not in str(settings)
    assert "smtp.office365.com" in repr(settings)


def test_every_secret_is_left_out_of_repr_by_construction() -> None:
    import dataclasses

    # Public addresses (PUBLIC_URL, the manifest's pages) carry no credentials; the database's can.
    public = {"public_url", "website_url", "privacy_url", "terms_url"}
    assert not next(f for f in dataclasses.fields(Settings) if f.name == "link_keys").repr
    secret = {
        f.name
        for f in dataclasses.fields(Settings)
        if "password" in f.name or (f.name.endswith("_url") and f.name not in public)
    }
    assert secret == {"app_password", "smtp_password", "database_url"}
    assert all(not f.repr for f in dataclasses.fields(Settings) if f.name in secret)
    settings = Settings.from_env({"DATABASE_URL": "postgresql://cpor:db-s3cret@db.example/cpor"})
    assert "db-s3cret" not in repr(settings)
    assert settings.database_url_for_logs() == "postgresql://db.example/cpor as cpor (password hidden)"


def test_notification_limits_are_read_and_zero_means_none() -> None:
    default = Settings.from_env({})
    assert (default.notify_per_minute, default.notify_messages_per_day, default.notify_cooldown_minutes) == (
        30,
        2000,
        10,
    )
    off = Settings.from_env(
        {"NOTIFY_PER_MINUTE": "0", "NOTIFY_MESSAGES_PER_DAY": "0", "NOTIFY_COOLDOWN_MINUTES": "0"}
    )
    assert (off.notify_per_minute, off.notify_messages_per_day, off.notify_cooldown_minutes) == (0, 0, 0)


def test_an_app_id_alone_asks_for_the_tenant_because_single_tenant_is_the_default() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "x"})
    message = str(caught.value)
    assert "MicrosoftAppTenantId" in message
    assert "SingleTenant" in message
    assert "MicrosoftAppType=MultiTenant" in message  # the way out for a bot registered before
    settings = Settings.from_env(
        {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "x", "MicrosoftAppTenantId": TENANT}
    )
    assert settings.app_type == "SingleTenant"
    legacy = Settings.from_env(
        {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "x", "MicrosoftAppType": "MultiTenant"}
    )
    assert (legacy.app_type, legacy.app_tenant_id) == ("MultiTenant", "")
    msi = Settings.from_env(
        {"MicrosoftAppId": APP_ID, "MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppTenantId": TENANT}
    )
    assert msi.app_password == ""


def test_public_pages_default_to_the_services_own_under_public_url() -> None:
    local = Settings.from_env({})
    assert (local.public_url, local.privacy_page_url, local.terms_page_url, local.website_page_url) == (
        "",
        "",
        "",
        "",
    )
    hosted = Settings.from_env({"PUBLIC_URL": "https://cpor.partner.example/"})
    assert hosted.public_url == "https://cpor.partner.example"
    assert hosted.privacy_page_url == "https://cpor.partner.example/privacy"
    assert hosted.terms_page_url == "https://cpor.partner.example/terms"
    assert hosted.website_page_url == "https://cpor.partner.example/"
    own = Settings.from_env(
        {
            "PUBLIC_URL": "https://cpor.partner.example",
            "PRIVACY_URL": "https://partner.example/privacy",
            "TERMS_URL": "https://partner.example/terms",
            "WEBSITE_URL": "https://partner.example/",
        }
    )
    assert (own.privacy_page_url, own.terms_page_url, own.website_page_url) == (
        "https://partner.example/privacy",
        "https://partner.example/terms",
        "https://partner.example/",
    )
    assert Settings.from_env({"PUBLIC_URL": "http://127.0.0.1:3978"}).public_url == "http://127.0.0.1:3978"


def test_log_format_contact_and_shutdown_grace() -> None:
    settings = Settings.from_env(
        {"LOG_FORMAT": "JSON", "OPERATOR_CONTACT": "privacy@partner.example", "SHUTDOWN_GRACE_SECONDS": "7.5"}
    )
    assert (settings.log_format, settings.operator_contact, settings.shutdown_grace_seconds) == (
        "json",
        "privacy@partner.example",
        7.5,
    )
    assert Settings.from_env({"OPERATOR_CONTACT": "https://partner.example/contact"}).operator_contact
    defaults = Settings.from_env({})
    assert (defaults.log_format, defaults.operator_contact, defaults.shutdown_grace_seconds) == (
        "text",
        "",
        20.0,
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://cpor:s3cret@db.example/cpor",
            "postgresql://db.example/cpor as cpor (password hidden)",
        ),
        ("postgresql://cpor:p@ss@db.example/cpor", "postgresql://db.example/cpor as cpor (password hidden)"),
        (
            "postgresql://cpor@db.example/cpor?sslmode=require&password=s3cret",
            "postgresql://db.example/cpor?sslmode=require&password=*** as cpor",
        ),
        ("sqlite:///var/cpor-bot.db", "sqlite:///var/cpor-bot.db"),
    ],
)
def test_the_database_url_for_logs_hides_every_password(url: str, shown: str) -> None:
    assert Settings(database_url=url).database_url_for_logs() == shown


def test_link_keys_are_read_newest_first_with_their_lifetime() -> None:
    new, old = "n" * 64, "o" * 40
    settings = Settings.from_env({"LINK_KEYS": f" {new} , {old} ", "LINK_DAYS": "30"})
    assert settings.link_keys == (new, old)
    assert settings.link_days == 30
    assert new not in repr(settings) and old not in repr(settings)
    defaults = Settings.from_env({})
    assert (defaults.link_keys, defaults.link_key_file, defaults.link_days) == ((), "var/link-key", 90)


# Every whole-number and seconds setting, with a value it refuses: the message states its range.
RANGED = ["NOTIFY_PER_MINUTE", "NOTIFY_MESSAGES_PER_DAY", "NOTIFY_COOLDOWN_MINUTES", "RETENTION_DAYS"]
RANGED += ["LINK_DAYS", "DELIVERY_POLL_SECONDS", "DELIVERY_LEASE_SECONDS", "SHUTDOWN_GRACE_SECONDS"]
_RANGE = re.compile(r"(?:from|between) ([0-9.]+)(?: \(([^)]*)\))? (?:to|and) ([0-9.]+)")


@pytest.mark.parametrize("name", RANGED)
def test_each_range_stated_in_a_message_is_the_range_the_variable_takes(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: "abc"})
    found = _RANGE.search(str(caught.value))
    assert found, str(caught.value)
    low, high = found.group(1), found.group(3)
    Settings.from_env({name: low})
    Settings.from_env({name: high})
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: str(float(high) + 1) if "." in high else str(int(high) + 1)})
    if float(low) > 0:
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: "0"})


def test_link_days_says_it_takes_1_to_3650() -> None:
    with pytest.raises(ConfigError, match=r"^LINK_DAYS must be a whole number from 1 to 3650, not 'abc'\.$"):
        Settings.from_env({"LINK_DAYS": "abc"})
    with pytest.raises(
        ConfigError, match=r"^RETENTION_DAYS must be a whole number from 0 \(kept until deleted\)"
    ):
        Settings.from_env({"RETENTION_DAYS": "abc"})
