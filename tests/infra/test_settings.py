"""The template, the deployment guide and the settings the service reads stay in step."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from bot.ops.config import Settings
from tests.infra import bicep
from tests.infra.service_settings import ROOT, environment_reads, names_read, service_settings

GUIDE = ROOT / "docs" / "deploy.md"

# App settings the template sets for App Service itself rather than for the service.
PLATFORM_SETTINGS = {
    # Learn, "Configure a Linux Python app for Azure App Service", Customize build automation.
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "PRE_BUILD_COMMAND",
    # Learn, "Set up staging environments in Azure App Service", Customize warm-up.
    "WEBSITE_SWAP_WARMUP_PING_PATH",
    "WEBSITE_SWAP_WARMUP_PING_STATUSES",
    # Learn, "Environment variables and app settings in Azure App Service", App environment.
    "WEBSITE_WARMUP_PATH",
    "WEBSITE_WARMUP_STATUSES",
}


def template_settings() -> dict[str, set[str]]:
    """App setting names per `...Settings` variable of infra/azure.bicep."""
    code = bicep.strip(bicep.MAIN.read_text(encoding="utf-8"))
    return {
        name: bicep.object_keys(bicep.variable_statement(code, name))
        for name in bicep.settings_variables(code)
    }


def all_template_settings() -> set[str]:
    return set().union(*template_settings().values())


def guide_section(title: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"docs/deploy.md has no section '## {title}'"
    return match.group(1)


def by_hand_table() -> set[str]:
    """The first column of the table headed `setting` under "Settings set by hand"."""
    names: set[str] = set()
    in_table = False
    for line in guide_section("Settings set by hand").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if cells and cells[0] == "setting":
            in_table = True
        elif not cells:
            in_table = False
        elif in_table and (name := re.fullmatch(r"`([A-Za-z_]\w*)`", cells[0])):
            names.add(name.group(1))
    return names


def test_the_service_settings_are_found_in_config_source() -> None:
    found = service_settings()
    for known in (
        "MicrosoftAppId",
        "MicrosoftAppPassword",
        "MicrosoftAppType",
        "MicrosoftAppTenantId",
        "DATABASE_URL",
        "PORT",
        "PUBLIC_URL",
        "RETENTION_DAYS",
        "SMTP_HOST",
        "OUTLOOK_ORIGINATOR",
        "SHUTDOWN_GRACE_SECONDS",
        "WEBHOOK_ALLOW_LOOPBACK",
    ):
        assert known in found, known
    # Every one of them is a real setting: Settings.from_env rejects a bad value for it or uses it.
    assert len(found) >= 30


def test_the_extraction_follows_new_helpers_and_ignores_other_calls() -> None:
    source = (
        "def from_env(get):\n"
        "    a = get('ALPHA')\n"
        "    b = _brand_new_helper(get, 'BETA', 3, high=9)\n"
        "    c = other(thing, 'NOT_A_SETTING')\n"
        "    d = get(name_variable)\n"
        "    e = helper(get)\n"
    )
    assert names_read(source) == {"ALPHA", "BETA"}


def test_every_setting_the_service_reads_is_set_by_the_template_or_listed_as_set_by_hand() -> None:
    missing = service_settings() - all_template_settings() - by_hand_table()
    assert not missing, (
        f"{sorted(missing)}: set them in infra/azure.bicep, or add them to the table "
        "'Settings set by hand' in docs/deploy.md"
    )


def test_the_template_sets_only_settings_the_service_or_app_service_reads() -> None:
    unknown = all_template_settings() - service_settings() - PLATFORM_SETTINGS
    assert not unknown, f"{sorted(unknown)} are set by infra/azure.bicep but read by nothing"


def test_the_by_hand_table_names_real_settings_the_template_leaves_alone() -> None:
    table = by_hand_table()
    assert table, "the table 'Settings set by hand' is empty or was not found"
    assert not table - service_settings(), f"{sorted(table - service_settings())} are not read by the service"
    both = table & all_template_settings()
    assert not both, f"{sorted(both)} are set by the template and also listed as set by hand"


def test_the_by_hand_defaults_are_the_service_defaults() -> None:
    defaults = Settings.from_env({})
    checked = 0
    for line in guide_section("Settings set by hand").splitlines():
        row = re.match(r"^\| `([A-Z_]+)` \| `([^`]+)` \|", line)
        if not row or not re.fullmatch(r"\d+(\.\d+)?|true|false", row.group(2)):
            continue  # a default that depends on other settings (the page addresses)
        name, documented = row.groups()
        actual = getattr(defaults, name.lower())
        expected: object = documented == "true" if documented in ("true", "false") else float(documented)
        assert actual == expected, f"{name}: the guide says {documented}, the service defaults to {actual!r}"
        checked += 1
    assert checked >= 6


def test_the_app_settings_resource_applies_every_settings_variable() -> None:
    code = bicep.strip(bicep.MAIN.read_text(encoding="utf-8"))
    union = re.search(r"properties:\s*union\(([^)]*)\)", code)
    assert union, "the appsettings resource no longer merges the settings variables with union(...)"
    merged = [arg.strip() for arg in union.group(1).split(",")]
    assert set(merged) == set(template_settings()) | {"extraAppSettings"}
    # extraAppSettings last: what the operator adds by hand wins.
    assert merged[-1] == "extraAppSettings"


def test_extra_app_settings_in_the_parameters_file_are_service_settings() -> None:
    parameters = json.loads(bicep.PARAMETERS.read_text(encoding="utf-8"))["parameters"]
    extra = parameters.get("extraAppSettings", {}).get("value", {})
    assert isinstance(extra, dict)
    assert not set(extra) - service_settings()


def test_nothing_else_in_the_service_reads_the_environment_behind_settings_back() -> None:
    sources = [ROOT / "app.py", *sorted((ROOT / "bot").rglob("*.py"))]
    read = set().union(*(environment_reads(path.read_text(encoding="utf-8")) for path in sources))
    assert not read - service_settings(), f"{sorted(read - service_settings())} are read outside Settings"


def _literal_values() -> dict[str, str]:
    """Settings the template gives a fixed value (no parameter, no interpolation), per its source."""
    raw = bicep.MAIN.read_text(encoding="utf-8")
    return dict(re.findall(r"^\s*([A-Za-z_]\w*):\s*'([^'$]*)'\s*$", raw, re.MULTILINE))


@pytest.mark.parametrize("app_type", ["SingleTenant", "UserAssignedMSI"])
def test_the_service_accepts_the_values_the_template_sets(tmp_path: Path, app_type: str) -> None:
    fixed = {name: value for name, value in _literal_values().items() if name in all_template_settings()}
    for name in ("HOST", "PORT", "LOG_FORMAT", "MAIL_OUTBOX_DIR", "DATABASE_URL", "MicrosoftAppType"):
        assert name in fixed, f"{name} no longer has a fixed value in infra/azure.bicep"
    env = {name: value for name, value in fixed.items() if name not in PLATFORM_SETTINGS}
    env["MicrosoftAppType"] = app_type
    env.update(
        MicrosoftAppId=str(uuid.uuid4()),
        MicrosoftAppTenantId=str(uuid.uuid4()),
        PUBLIC_URL="https://cpor-contoso.azurewebsites.net",
        SHUTDOWN_GRACE_SECONDS="20",
        RETENTION_DAYS="0",
        SMTP_PORT="587",
        LOG_LEVEL="INFO",
    )
    if app_type == "SingleTenant":
        env["MicrosoftAppPassword"] = "resolved-from-key-vault"
    settings = Settings.from_env(env)
    assert (settings.host, settings.port, settings.log_format) == ("0.0.0.0", 8000, "json")
    assert settings.sqlite_path() == Path("/home/data/cpor-bot.db")
    assert settings.mail_outbox_dir.startswith("/home/")
    assert settings.app_type == app_type


def test_key_vault_references_name_the_secrets_the_guide_tells_the_operator_about() -> None:
    raw = bicep.MAIN.read_text(encoding="utf-8")
    referenced = set(re.findall(r"\$\{keyVaultReference\}([\w-]+)\)", raw))
    assert referenced == {"bot-app-password", "database-url", "link-keys", "smtp-password"}
    secrets_table = guide_section("Settings set by hand")
    for secret in referenced:
        assert f"`{secret}`" in secrets_table, secret
    # database-url is the one secret the template writes itself.
    assert "name: 'database-url'" in (bicep.INFRA / "modules" / "keyvault.bicep").read_text(encoding="utf-8")
