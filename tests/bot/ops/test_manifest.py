"""bot.ops.manifest: the package built from settings, its refusals, and the `cpor-bot manifest` command."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from bot.ops import manifest as mf
from bot.ops.manifest import AppDetails, ManifestError, ManifestRefused, build_package, main, render_manifest
from bot.ops.manifest_inputs import FLAGS, SETTINGS
from bot.ops.manifest_schema import load_schema, validate_manifest

APP_ID = "9e0b9a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SECRET = "Qx8~s3cret-value-Zy"
# A production environment: the operator's own public host (never a reserved example name).
PRODUCTION = {
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppTenantId": TENANT,
    "MicrosoftAppPassword": SECRET,
    "SENDER_NAME": "Fabrikam Partner Services",
    "PUBLIC_URL": "https://cpor.fabrikam.com",
}
MANIFEST_SETTINGS = (
    "MicrosoftAppId",
    "MicrosoftAppPassword",
    "MicrosoftAppType",
    "MicrosoftAppTenantId",
    "SENDER_NAME",
    "PUBLIC_URL",
    "WEBSITE_URL",
    "PRIVACY_URL",
    "TERMS_URL",
)
SCHEMA_1_30 = mf.MANIFEST_DIR / "schema" / "v1.30" / "MicrosoftTeams.schema.json"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The process environment of a production service; tests change it from there."""
    for name in MANIFEST_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def details(**changes: str) -> AppDetails:
    values = {"bot_id": APP_ID, "developer_name": "Fabrikam", "public_url": "https://cpor.fabrikam.com"}
    return AppDetails(**{**values, **changes})


def package_manifest(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as package:
        manifest: dict[str, Any] = json.loads(package.read("manifest.json"))
    return manifest


def official_schema_errors(manifest: dict[str, Any]) -> list[str]:
    """Errors from the vendored 1.30 schema alone, through jsonschema's own draft-04 validator."""
    validator = Draft4Validator(load_schema(SCHEMA_1_30), format_checker=Draft4Validator.FORMAT_CHECKER)
    return [e.message for e in validator.iter_errors(manifest)]


# --- a good build from production settings -----------------------------------------------------------


def test_production_settings_build_a_package_the_1_30_schema_accepts(
    production: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "app.zip"
    assert main(["--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    with zipfile.ZipFile(out) as package:
        assert package.namelist() == ["manifest.json", "color.png", "outline.png"]
        package.extractall(tmp_path / "unpacked")
    manifest = package_manifest(out)
    assert official_schema_errors(manifest) == []
    assert validate_manifest(manifest, icon_dir=tmp_path / "unpacked") == []
    assert manifest["manifestVersion"] == "1.30"
    assert (
        manifest["$schema"]
        == "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
    )
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["developer"] == {
        "name": "Fabrikam Partner Services",
        "websiteUrl": "https://cpor.fabrikam.com/",
        "privacyUrl": "https://cpor.fabrikam.com/privacy",
        "termsOfUseUrl": "https://cpor.fabrikam.com/terms",
    }
    assert manifest["validDomains"] == ["cpor.fabrikam.com"]
    assert manifest["version"] == "0.1.0"
    assert SECRET not in json.dumps(manifest) and TENANT not in json.dumps(manifest)


def test_operator_pages_elsewhere_are_linked_but_only_the_service_host_is_a_valid_domain(
    production: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    production.setenv("WEBSITE_URL", "https://www.fabrikam.com/partners")
    production.setenv("PRIVACY_URL", "https://www.fabrikam.com/legal/privacy")
    out = tmp_path / "app.zip"
    assert main(["--out", str(out)]) == 0
    manifest = package_manifest(out)
    assert manifest["developer"]["websiteUrl"] == "https://www.fabrikam.com/partners"
    assert manifest["developer"]["privacyUrl"] == "https://www.fabrikam.com/legal/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://cpor.fabrikam.com/terms"
    assert manifest["validDomains"] == ["cpor.fabrikam.com"]


def test_a_port_in_the_public_address_stays_out_of_valid_domains(
    production: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    production.setenv("PUBLIC_URL", "https://CPOR.Fabrikam.com:8443")
    assert main(["--out", str(tmp_path / "app.zip")]) == 0
    manifest = package_manifest(tmp_path / "app.zip")
    assert manifest["validDomains"] == ["cpor.fabrikam.com"]
    assert manifest["developer"]["privacyUrl"] == "https://CPOR.Fabrikam.com:8443/privacy"


# --- refusals ----------------------------------------------------------------------------------------

REFUSED = [
    pytest.param(
        {"MicrosoftAppId": None, "MicrosoftAppPassword": None}, [], "MicrosoftAppId", id="no-app-id"
    ),
    pytest.param(
        {"MicrosoftAppId": "00000000-0000-0000-0000-000000000000"}, [], "MicrosoftAppId", id="zero-guid"
    ),
    pytest.param({}, ["--bot-id", "00000000-0000-0000-0000-000000000000"], "--bot-id", id="zero-guid-flag"),
    pytest.param({}, ["--bot-id", "my-bot"], "--bot-id", id="bot-id-not-a-guid"),
    pytest.param({"SENDER_NAME": None}, [], "SENDER_NAME", id="no-developer"),
    pytest.param({"SENDER_NAME": "${COMPANY_NAME}"}, [], "SENDER_NAME", id="developer-unexpanded"),
    pytest.param({"SENDER_NAME": "Fabrikam Partner Services International"}, [], "SENDER_NAME", id="long"),
    pytest.param({"PUBLIC_URL": None}, [], "PUBLIC_URL", id="no-public-url"),
    pytest.param({"PUBLIC_URL": "https://cpor.partner.example"}, [], "PUBLIC_URL", id="dot-example"),
    pytest.param({"PUBLIC_URL": "https://example.com"}, [], "PUBLIC_URL", id="example-com"),
    pytest.param({"PUBLIC_URL": "https://cpor.example.org"}, [], "PUBLIC_URL", id="example-org"),
    pytest.param({"PUBLIC_URL": "https://www.example.net"}, [], "PUBLIC_URL", id="example-net"),
    pytest.param({"PUBLIC_URL": "https://cpor.test"}, [], "PUBLIC_URL", id="dot-test"),
    pytest.param({"PUBLIC_URL": "https://bot.cpor.invalid"}, [], "PUBLIC_URL", id="dot-invalid"),
    pytest.param({"PUBLIC_URL": "https://localhost:3978"}, [], "PUBLIC_URL", id="localhost"),
    pytest.param({"PUBLIC_URL": "https://127.0.0.1"}, [], "PUBLIC_URL", id="loopback"),
    pytest.param({"PUBLIC_URL": "https://[::1]:8443"}, [], "PUBLIC_URL", id="loopback-v6"),
    pytest.param({"PUBLIC_URL": "https://10.1.2.3"}, [], "PUBLIC_URL", id="private-ip"),
    pytest.param({"PUBLIC_URL": "https://192.168.0.20:3978"}, [], "PUBLIC_URL", id="private-ip-port"),
    pytest.param({"PUBLIC_URL": "http://cpor.fabrikam.com"}, [], "PUBLIC_URL", id="http"),
    pytest.param({"PRIVACY_URL": "https://example.com/privacy"}, [], "PRIVACY_URL", id="privacy-example"),
    pytest.param({"TERMS_URL": "https://cpor.fabrikam.test/terms"}, [], "TERMS_URL", id="terms-test"),
    pytest.param({"WEBSITE_URL": "https://localhost/"}, [], "WEBSITE_URL", id="website-localhost"),
    pytest.param(
        {"PRIVACY_URL": "https://cpor.fabrikam.com/${PRIVACY_PATH}"}, [], "PRIVACY_URL", id="unexpanded"
    ),
    pytest.param({}, ["--public-url", "https://cpor.contoso.example"], "--public-url", id="public-flag"),
    pytest.param({}, ["--public-url", "https://cpor.fabrikam.com/bot"], "--public-url", id="public-path"),
    pytest.param({}, ["--website-url", "http://www.fabrikam.com/"], "--website-url", id="website-http"),
    pytest.param({}, ["--terms-url", "https://172.16.0.1/terms"], "--terms-url", id="terms-private"),
    pytest.param({}, ["--version", "1.0"], "--version", id="version"),
]


@pytest.mark.parametrize(("env", "flags", "named"), REFUSED)
def test_placeholders_are_refused_naming_the_setting_and_nothing_is_written(
    production: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str | None],
    flags: list[str],
    named: str,
) -> None:
    for name, value in env.items():
        if value is None:
            production.delenv(name)
        else:
            production.setenv(name, value)
    out = tmp_path / "build" / "app.zip"
    assert main([*flags, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("cpor-bot: no package written:")
    assert f"{named} " in captured.err or f"{named}:" in captured.err or f"{named}," in captured.err
    assert "Traceback" not in captured.err and SECRET not in captured.err
    assert not out.exists()
    assert not (tmp_path / "build").exists() or list((tmp_path / "build").iterdir()) == []


def test_every_problem_is_listed_at_once(
    production: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    production.delenv("SENDER_NAME")
    production.setenv("PUBLIC_URL", "https://cpor.partner.example")
    production.setenv("TERMS_URL", "https://legal.fabrikam.test/terms")
    assert main(["--out", str(tmp_path / "app.zip")]) == 2
    problems = [line for line in capsys.readouterr().err.splitlines() if line.startswith("  - ")]
    assert len(problems) == 3
    assert [p.split()[1] for p in problems] == ["no", "PUBLIC_URL:", "TERMS_URL:"]
    assert "developer name" in problems[0] and "SENDER_NAME" in problems[0]
    # The pages under PUBLIC_URL share its problem and are not reported again.
    assert not any("PRIVACY_URL" in p or "/privacy" in p for p in problems)


def test_a_bad_setting_is_a_configuration_error(
    production: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    production.setenv("PUBLIC_URL", "cpor.fabrikam.com")
    assert main(["--out", str(tmp_path / "app.zip")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cpor-bot: configuration error: PUBLIC_URL must be")
    assert not (tmp_path / "app.zip").exists()


def test_an_app_id_without_its_tenant_is_a_configuration_error(
    production: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    production.delenv("MicrosoftAppTenantId")
    assert main(["--out", str(tmp_path / "app.zip")]) == 2
    assert "MicrosoftAppTenantId is required" in capsys.readouterr().err
    assert not (tmp_path / "app.zip").exists()


def test_render_refuses_and_lists_problems() -> None:
    with pytest.raises(ManifestRefused) as info:
        render_manifest(details(bot_id="", public_url="https://cpor.example"))
    assert info.value.problems[0].startswith("no bot id: pass the bot's Microsoft App ID")
    assert info.value.problems[1].startswith("--public-url: 'https://cpor.example' is not a public address")
    assert len(info.value.problems) == 2


def test_a_placeholder_left_in_the_template_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "manifest"
    shutil.copytree(mf.MANIFEST_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    template = folder / "manifest.template.json"
    text = template.read_text("utf-8").replace('"accentColor": "#1F6F8B"', '"accentColor": "${ACCENT}"')
    template.write_text(text, "utf-8")
    with pytest.raises(ManifestError, match=r"unknown placeholder \$\{ACCENT\}"):
        build_package(details(), tmp_path / "app.zip", manifest_dir=folder)
    template.write_text(text.replace("${ACCENT}", "${accent}"), "utf-8")
    with pytest.raises(ManifestRefused) as info:
        build_package(details(), tmp_path / "app.zip", manifest_dir=folder)
    assert info.value.problems == ["/accentColor: placeholder ${accent} was not filled in"]
    assert not (tmp_path / "app.zip").exists()


# --- flags over settings ------------------------------------------------------------------------------


def test_flags_override_settings(production: pytest.MonkeyPatch, tmp_path: Path) -> None:
    production.setenv("WEBSITE_URL", "https://www.fabrikam.com/")
    other_id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    out = tmp_path / "app.zip"
    flags = [
        "--bot-id", other_id,
        "--developer-name", "  Contoso   Advisory ",
        "--public-url", "https://teams-bot.contoso.com/",
        "--privacy-url", "https://contoso.com/privacy",
        "--version", "2.3.4",
        "--out", str(out),
    ]  # fmt: skip
    assert main(flags) == 0
    manifest = package_manifest(out)
    assert manifest["id"] == other_id and manifest["bots"][0]["botId"] == other_id
    assert manifest["version"] == "2.3.4"
    assert manifest["developer"] == {
        "name": "Contoso Advisory",
        "websiteUrl": "https://www.fabrikam.com/",  # WEBSITE_URL, set and not overridden
        "privacyUrl": "https://contoso.com/privacy",  # the flag
        "termsOfUseUrl": "https://teams-bot.contoso.com/terms",  # under --public-url, not PUBLIC_URL
    }
    assert manifest["validDomains"] == ["teams-bot.contoso.com"]
    assert official_schema_errors(manifest) == []


def test_flags_alone_build_without_any_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in MANIFEST_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    flags = ["--bot-id", APP_ID, "--developer-name", "Fabrikam", "--public-url", "https://cpor.fabrikam.com"]
    assert main([*flags, "--out", str(tmp_path / "app.zip")]) == 0
    assert package_manifest(tmp_path / "app.zip")["developer"]["name"] == "Fabrikam"


def test_help_states_the_precedence(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "the first one set wins" in text
    for flag, setting in SETTINGS.items():
        assert f"{FLAGS[flag]}, then {setting}" in text
    assert 'then PRIVACY_URL, then the public address + "/privacy"' in text


def test_main_default_out_path(
    production: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    production.chdir(tmp_path)
    assert main([]) == 0
    assert capsys.readouterr().out.strip() == str(Path("build/cpor-bot-teams-app.zip"))
    assert mf.DEFAULT_OUT == Path("build/cpor-bot-teams-app.zip")
    assert (tmp_path / "build" / "cpor-bot-teams-app.zip").is_file()


# --- the package's bytes --------------------------------------------------------------------------------


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    first = build_package(details(), tmp_path / "a" / "app.zip").read_bytes()
    second = build_package(details(), tmp_path / "b" / "app.zip").read_bytes()
    assert first == second
    assert build_package(details(version="0.2.0"), tmp_path / "c.zip").read_bytes() != first
    with zipfile.ZipFile(tmp_path / "a" / "app.zip") as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {info.create_system for info in package.infolist()} == {3}
        assert {info.external_attr >> 16 for info in package.infolist()} == {0o644}


def test_a_failed_write_leaves_the_previous_package_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "app.zip"
    before = build_package(details(version="1.0.0"), out).read_bytes()
    real_writestr = zipfile.ZipFile.writestr

    def disk_full_at_the_icons(
        self: zipfile.ZipFile, info: Any, data: Any, *args: Any, **kwargs: Any
    ) -> None:
        if getattr(info, "filename", info) == "color.png":
            raise OSError(28, "No space left on device")
        real_writestr(self, info, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full_at_the_icons)
    with pytest.raises(OSError, match="No space left"):
        build_package(details(version="2.0.0"), out)
    assert out.read_bytes() == before
    assert os.listdir(tmp_path) == ["app.zip"]


def test_a_refused_build_leaves_the_previous_package_alone(
    production: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "app.zip"
    assert main(["--out", str(out)]) == 0
    before = out.read_bytes()
    production.setenv("PUBLIC_URL", "https://cpor.partner.example")
    assert main(["--out", str(out)]) == 2
    assert out.read_bytes() == before


def test_an_unwritable_destination_is_reported_without_a_traceback(
    production: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "build").write_text("a file where the folder should be")
    out = tmp_path / "build" / "app.zip"
    assert main(["--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cpor-bot: no package written: cannot write {out} (")
    assert "Traceback" not in err
    assert (tmp_path / "build").read_text() == "a file where the folder should be"


def test_an_invalid_icon_fails_the_build_and_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "manifest"
    shutil.copytree(mf.MANIFEST_DIR, broken, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(broken / "color.png", broken / "outline.png")
    with pytest.raises(ManifestError) as info:
        build_package(details(), tmp_path / "app.zip", manifest_dir=broken)
    assert not isinstance(info.value, ManifestRefused)
    assert "/icons/outline: 'outline.png' is 192x192 pixels; Teams needs 32x32" in info.value.problems
    assert "is not valid" in str(info.value)
    assert not (tmp_path / "app.zip").exists()
