"""bot.ops.manifest_inputs: where each manifest value comes from, and which values are refused."""

from __future__ import annotations

import pytest

from bot.ops.config import Settings
from bot.ops.manifest_inputs import AppDetails, details_from, host_problem, refusals, url_problem

APP_ID = "9e0b9a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
PRODUCTION = {
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppTenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "MicrosoftAppPassword": "s3cret-value",
    "SENDER_NAME": "  Fabrikam   Partner Services ",
    "PUBLIC_URL": "https://cpor.fabrikam.com/",
}
NO_FLAGS: dict[str, str | None] = {}


def test_settings_fill_every_value_and_pages_default_under_public_url() -> None:
    details = details_from(Settings.from_env(PRODUCTION), NO_FLAGS)
    assert (details.bot_id, details.developer_name, details.public_url) == (
        APP_ID,
        "Fabrikam Partner Services",
        "https://cpor.fabrikam.com",
    )
    assert (details.website_url, details.privacy_url, details.terms_url) == (
        "https://cpor.fabrikam.com/",
        "https://cpor.fabrikam.com/privacy",
        "https://cpor.fabrikam.com/terms",
    )
    assert details.public_host == "cpor.fabrikam.com"
    assert details.derived == {"website_url", "privacy_url", "terms_url"}
    assert details.source("bot_id") == "MicrosoftAppId" and details.source("privacy_url") == "PUBLIC_URL"
    assert refusals(details) == []


def test_a_flag_wins_over_its_setting_and_an_empty_flag_does_not() -> None:
    settings = Settings.from_env({**PRODUCTION, "TERMS_URL": "https://www.fabrikam.com/terms"})
    flags = {"developer_name": "Contoso", "public_url": "https://bot.contoso.com", "bot_id": ""}
    details = details_from(settings, flags)
    assert details.developer_name == "Contoso" and details.source("developer_name") == "--developer-name"
    assert details.bot_id == APP_ID and details.source("bot_id") == "MicrosoftAppId"
    assert details.privacy_url == "https://bot.contoso.com/privacy"
    assert details.source("privacy_url") == "--public-url"
    assert (
        details.terms_url == "https://www.fabrikam.com/terms" and details.source("terms_url") == "TERMS_URL"
    )
    assert details.template_values()["PUBLIC_HOST"] == "bot.contoso.com"


@pytest.mark.parametrize(
    "host",
    ["cpor.fabrikam.com", "bots.partner.co.uk", "xn--fabrikm-bxa.de", "20.50.2.1", "2603:1030::5"],
)
def test_public_hosts_pass(host: str) -> None:
    assert host_problem(host) is None


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("example.com", "example.com, a domain reserved"),
        ("CPOR.Example.Net.", "example.net, a domain reserved"),
        ("www.example.org", "example.org, a domain reserved"),
        ("cpor.partner.example", ".example, a name reserved"),
        ("bot.test", ".test, a name reserved"),
        ("bot.invalid", ".invalid, a name reserved"),
        ("localhost", ".localhost, a name reserved"),
        ("bot.localhost", ".localhost, a name reserved"),
        ("printer.local", ".local, a name reserved"),
        ("intranet", "has no domain"),
        ("127.0.0.2", "loopback, private or reserved"),
        ("10.0.0.1", "loopback, private or reserved"),
        ("169.254.1.1", "loopback, private or reserved"),
        ("fd00::1", "loopback, private or reserved"),
        ("0.0.0.0", "loopback, private or reserved"),
    ],
)
def test_placeholder_and_private_hosts_are_named(host: str, reason: str) -> None:
    problem = host_problem(host)
    assert problem is not None and reason in problem


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://cpor.fabrikam.com", "is http://; Teams needs https://"),
        ("ftp://cpor.fabrikam.com", "is not an https:// address"),
        ("https://", "is not an https:// address"),
        ("https://user:pw@cpor.fabrikam.com", "carries a user name or password"),
        ("https://cpor.fabrikam.com/ privacy", "spaces or control characters"),
        ("https://${HOST}/privacy", "unexpanded ${...} placeholder"),
    ],
)
def test_url_problems(url: str, reason: str) -> None:
    problem = url_problem(url)
    assert problem is not None and reason in problem


def test_the_public_address_is_an_origin_only() -> None:
    assert url_problem("https://cpor.fabrikam.com/bot") is None
    assert "no path" in (url_problem("https://cpor.fabrikam.com/bot", base_only=True) or "")
    assert url_problem("https://cpor.fabrikam.com/", base_only=True) is None


def test_refusals_name_the_setting_or_the_flag() -> None:
    from_settings = details_from(Settings.from_env({**PRODUCTION, "SENDER_NAME": ""}), NO_FLAGS)
    assert refusals(from_settings) == [
        "no developer name (Teams shows it as the app's publisher): set SENDER_NAME to the name of "
        "the organisation that runs the service, or pass --developer-name"
    ]
    given = AppDetails(bot_id=APP_ID, developer_name="", public_url="https://cpor.fabrikam.com")
    assert refusals(given) == [
        "no developer name (Teams shows it as the app's publisher): pass the name of the organisation "
        "that runs the service to --developer-name"
    ]


def test_developer_name_limits() -> None:
    def developer(name: str) -> list[str]:
        return refusals(
            AppDetails(bot_id=APP_ID, developer_name=name, public_url="https://cpor.fabrikam.com")
        )

    assert developer("F" * 32) == []
    (too_long,) = developer("F" * 33)
    assert (
        too_long.startswith("--developer-name: 'FFF") and "33 characters; Teams shows at most 32" in too_long
    )
    (control,) = developer("Fabrikam\x07")
    assert control.startswith("--developer-name has control characters")


def test_explicit_pages_are_checked_and_derived_ones_are_not_reported_twice() -> None:
    details = AppDetails(
        bot_id=APP_ID,
        developer_name="Fabrikam",
        public_url="https://cpor.example",
        privacy_url="https://privacy.test/",
    )
    problems = refusals(details)
    assert [p.split(":")[0] for p in problems] == ["--public-url", "--privacy-url"]
