"""What a Bicep compiler would catch in infra/, as far as a test without one can, and the resource types
the templates may use."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.infra import bicep

# Every resource type and API version infra/ may use, with the Microsoft sample or Learn page it
# comes from. A new one is added here only with its source.
ALLOWED_RESOURCE_TYPES = {
    # OfficeDev/Microsoft-Teams-Samples,
    # samples/bot-auth-quickstart/python/bot-auth-quickstart/infra/azure.bicep
    "Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31",
    "Microsoft.Web/serverfarms@2021-02-01",
    "Microsoft.Web/sites@2021-02-01",
    # Learn, https://learn.microsoft.com/azure/templates/microsoft.web/2021-02-01/sites/config-appsettings
    "Microsoft.Web/sites/config@2021-02-01",
    # Learn, https://learn.microsoft.com/azure/templates/microsoft.botservice/2022-09-15/botservices
    # (msaAppType SingleTenant / UserAssignedMSI), as the Teams samples' botRegistration/azurebot.bicep use it
    "Microsoft.BotService/botServices@2022-09-15",
    # Learn, https://learn.microsoft.com/azure/templates/microsoft.botservice/2022-09-15/botservices/channels
    "Microsoft.BotService/botServices/channels@2022-09-15",
    # Azure/azure-quickstart-templates, quickstarts/microsoft.keyvault/key-vault-secret-create/main.bicep
    "Microsoft.KeyVault/vaults@2023-07-01",
    "Microsoft.KeyVault/vaults/secrets@2023-07-01",
    # Learn, https://learn.microsoft.com/azure/templates/microsoft.authorization/2022-04-01/roleassignments
    "Microsoft.Authorization/roleAssignments@2022-04-01",
    # Learn, https://learn.microsoft.com/azure/templates/microsoft.dbforpostgresql/2024-08-01/flexibleservers
    # (and its databases and firewallRules children)
    "Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01",
    "Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01",
    "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01",
    # Learn, https://learn.microsoft.com/azure/templates/microsoft.operationalinsights/2022-10-01/workspaces
    "Microsoft.OperationalInsights/workspaces@2022-10-01",
    # Learn, https://learn.microsoft.com/azure/templates/microsoft.insights/2021-05-01-preview/diagnosticsettings
    "Microsoft.Insights/diagnosticSettings@2021-05-01-preview",
}

FILES = bicep.bicep_files()
FILE_IDS = [str(path.relative_to(bicep.INFRA)) for path in FILES]


def read(path: Path) -> tuple[str, str]:
    raw = path.read_text(encoding="utf-8")
    return raw, bicep.strip(raw)


def test_the_layout_of_the_teams_samples_is_there() -> None:
    for relative in ("azure.bicep", "azure.parameters.json", "botRegistration/azurebot.bicep"):
        assert (bicep.INFRA / relative).is_file(), relative
    assert len(FILES) >= 4


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_brackets_strings_and_comments_close(path: Path) -> None:
    _, code = read(path)
    bicep.check_brackets(code)


@pytest.mark.parametrize(
    "broken",
    [
        "param a string = 'open\n",
        "var b = {\n  c: [1, 2\n}\n",
        "var d = concat('x', 'y'))\n",
        "/* never closed\nvar e = 1\n",
        "var f = '${g'\n",
    ],
)
def test_the_checks_refuse_what_a_compiler_would(broken: str) -> None:
    with pytest.raises(bicep.BicepSyntaxError):
        bicep.check_brackets(bicep.strip(broken))


def test_strings_and_comments_do_not_count_as_code() -> None:
    source = "var a = '{ ( [ // no'  // } comment\nvar b = '${c ? '}' : d}' /* ] */\n"
    code = bicep.strip(source)
    bicep.check_brackets(code)
    assert len(code) == len(source)
    assert [line.split() for line in code.splitlines()] == [
        ["var", "a", "=", "'", "'"],
        ["var", "b", "=", "'", "'"],
    ]


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_every_param_has_a_description(path: Path) -> None:
    raw, code = read(path)
    declared = bicep.params(code)
    assert declared, f"{path.name} declares no params"
    undescribed = [name for name, param in declared.items() if "description" not in param.decorators]
    assert not undescribed, f"{path.name}: params without @description: {undescribed}"
    assert "@description('')" not in raw


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_every_resource_type_is_an_allowed_one(path: Path) -> None:
    raw, _ = read(path)
    used = bicep.resource_types(raw)
    assert used or "module" in raw
    assert not set(used) - ALLOWED_RESOURCE_TYPES, sorted(set(used) - ALLOWED_RESOURCE_TYPES)


def test_every_allowed_resource_type_is_used() -> None:
    used = {kind for path in FILES for kind in bicep.resource_types(path.read_text(encoding="utf-8"))}
    assert used == ALLOWED_RESOURCE_TYPES


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_modules_exist_and_get_the_params_they_declare(path: Path) -> None:
    raw, code = read(path)
    for module_path, symbol, given in bicep.module_calls(raw, code):
        target = (path.parent / module_path).resolve()
        assert target.is_file(), f"{path.name}: module {symbol} points to {module_path}, which does not exist"
        declared = bicep.params(bicep.strip(target.read_text(encoding="utf-8")))
        assert not given - set(declared), f"{symbol}: {sorted(given - set(declared))} are not params of it"
        required = {name for name, param in declared.items() if not param.has_default}
        assert not required - given, f"{symbol}: required params {sorted(required - given)} not given"


def test_the_parameters_file_names_declared_params_with_values_of_their_type() -> None:
    document = json.loads(bicep.PARAMETERS.read_text(encoding="utf-8"))
    declared = bicep.params(bicep.strip(bicep.MAIN.read_text(encoding="utf-8")))
    given = document["parameters"]
    assert not set(given) - set(declared), sorted(set(given) - set(declared))
    required = {name for name, param in declared.items() if not param.has_default}
    assert not required - set(given), (
        f"required params missing from the file: {sorted(required - set(given))}"
    )
    python_types: dict[str, type | tuple[type, ...]] = {
        "string": str,
        "int": int,
        "bool": bool,
        "object": dict,
    }
    for name, entry in given.items():
        expected = python_types[declared[name].type]
        assert isinstance(entry["value"], expected), (
            f"{name}: {entry['value']!r} is not a {declared[name].type}"
        )
        assert not (expected is int and isinstance(entry["value"], bool)), name
    # Secrets are passed on the command line, never kept in the file.
    secure = {name for name, param in declared.items() if "secure" in param.decorators}
    assert secure == {"postgresAdminPassword"}
    assert not secure & set(given)


def test_allowed_values_include_their_defaults() -> None:
    for path in FILES:
        raw = path.read_text(encoding="utf-8")
        for match in re.finditer(r"@allowed\(\[([^\]]*)\]\)\s*\nparam\s+\w+\s+string\s*=\s*'([^']*)'", raw):
            allowed = re.findall(r"'([^']*)'", match.group(1))
            assert match.group(2) in allowed, f"{path.name}: default {match.group(2)!r} not in {allowed}"


def test_the_web_app_starts_the_service_and_checks_its_readiness() -> None:
    raw = bicep.MAIN.read_text(encoding="utf-8")
    app = (bicep.INFRA.parent / "app.py").read_text(encoding="utf-8")
    assert "appCommandLine: 'python app.py'" in raw
    assert "healthCheckPath: '/readyz'" in raw
    assert "WEBSITE_SWAP_WARMUP_PING_PATH: '/readyz'" in raw
    assert "WEBSITE_WARMUP_PATH: '/readyz'" in raw
    assert '"/readyz"' in app and "def main" in app
    # The Azure Bot posts to the service's Bot Framework route.
    assert "messagingEndpoint: '${servicePublicUrl}/api/messages'" in raw
    assert 'add_post("/api/messages"' in app


def test_only_the_supported_bot_identities_are_offered() -> None:
    for path in (bicep.MAIN, bicep.INFRA / "botRegistration" / "azurebot.bicep"):
        raw = path.read_text(encoding="utf-8")
        allowed = re.search(r"@allowed\(\[([^\]]*)\]\)\s*\nparam botAppType", raw)
        assert allowed, path.name
        assert re.findall(r"'(\w+)'", allowed.group(1)) == ["SingleTenant", "UserAssignedMSI"]
    assert "param botAppType string = 'SingleTenant'" in bicep.MAIN.read_text(encoding="utf-8")


def test_the_build_step_gives_oryx_a_requirements_file_naming_the_project(tmp_path: Path) -> None:
    raw = bicep.MAIN.read_text(encoding="utf-8")
    command = re.search(r"PRE_BUILD_COMMAND: '([^']+)'", raw)
    assert command
    program, script = command.group(1).split()
    assert program == "sh" and (bicep.INFRA.parent / script).is_file()
    run = [program, str(bicep.INFRA.parent / script)]
    subprocess.run(run, cwd=tmp_path, check=True, timeout=30)  # noqa: S603 - the repository's own script
    assert (tmp_path / "requirements.txt").read_text() == ".\n"
    # A project that has its own requirements.txt keeps it.
    (tmp_path / "requirements.txt").write_text("aiohttp==3.14.5\n")
    subprocess.run(run, cwd=tmp_path, check=True, timeout=30)  # noqa: S603 - the repository's own script
    assert (tmp_path / "requirements.txt").read_text() == "aiohttp==3.14.5\n"
