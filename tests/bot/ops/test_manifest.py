"""bot.ops.manifest: rendering, offline validation, packaging and the `cpor-bot manifest` command."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.ops import manifest as mf
from bot.ops.manifest import ManifestError, build_package, main, render_manifest, validate_manifest
from tests.support import png_bytes

BOT_ID = "0b7c3f4e-9a1d-4c2b-8e5f-6a7b8c9d0e1f"
SCHEMA_1_24 = "https://developer.microsoft.com/json-schemas/teams/v1.24/MicrosoftTeams.schema.json"


# --- render_manifest -------------------------------------------------------------------------------


def test_rendered_manifest_validates_with_no_errors() -> None:
    assert validate_manifest(render_manifest(BOT_ID)) == []


def test_render_fills_ids_version_and_urls() -> None:
    m = render_manifest(
        BOT_ID,
        version="1.2.3",
        website_url="https://cpor.example.org/",
        privacy_url="https://cpor.example.org/privacy",
        terms_url="https://cpor.example.org/terms",
    )
    assert m["id"] == BOT_ID and m["bots"][0]["botId"] == BOT_ID
    assert m["version"] == "1.2.3"
    assert m["manifestVersion"] == "1.24" and m["$schema"] == SCHEMA_1_24
    assert m["developer"]["websiteUrl"] == "https://cpor.example.org/"
    assert m["developer"]["privacyUrl"] == "https://cpor.example.org/privacy"
    assert m["developer"]["termsOfUseUrl"] == "https://cpor.example.org/terms"
    assert "${" not in json.dumps(m)
    assert validate_manifest(m) == []


def test_render_defaults() -> None:
    m = render_manifest(BOT_ID)
    assert m["version"] == "0.1.0"
    assert m["developer"]["websiteUrl"].startswith("https://example.com/")
    assert m["developer"]["privacyUrl"].startswith("https://example.com/")
    assert m["developer"]["termsOfUseUrl"].startswith("https://example.com/")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abc",
        "my-bot",
        "{0b7c3f4e-9a1d-4c2b-8e5f-6a7b8c9d0e1f}",
        "0b7c3f4e9a1d4c2b8e5f6a7b8c9d0e1f",
        "0b7c3f4e-9a1d-4c2b-8e5f-6a7b8c9d0e1fz",
        "0b7c3f4e-9a1d-4c2b-8e5f-6a7b8c9d0e1g",
    ],
)
def test_non_guid_bot_id_raises_clear_error(bad: str) -> None:
    with pytest.raises(ManifestError) as info:
        render_manifest(bad)
    message = str(info.value)
    assert repr(bad) in message
    assert "GUID" in message and "Microsoft App ID" in message


def test_bad_version_and_url_raise() -> None:
    with pytest.raises(ManifestError, match="MAJOR.MINOR.PATCH"):
        render_manifest(BOT_ID, version="1.0")
    with pytest.raises(ManifestError, match="privacy_url must be an https:// URL"):
        render_manifest(BOT_ID, privacy_url="http://example.com/privacy")


# --- validate_manifest -----------------------------------------------------------------------------


def test_broken_manifest_gives_expected_errors() -> None:
    m = render_manifest(BOT_ID)
    m["name"]["short"] = "x" * 31
    m["id"] = "not-a-guid"
    del m["developer"]["privacyUrl"]
    errors = validate_manifest(m)
    assert "/name/short: '" + "x" * 31 + "' is too long" in errors
    assert any(e.startswith("/id: 'not-a-guid' does not match") for e in errors)
    assert "/developer: 'privacyUrl' is a required property" in errors
    # own check: botId must equal id
    assert any(e.startswith("/bots/0/botId: ") and "differs from /id" in e for e in errors)
    assert len(errors) == 4


def test_scope_and_accent_colour_errors() -> None:
    m = render_manifest(BOT_ID)
    m["bots"][0]["scopes"] = ["personal", "meeting"]
    m["accentColor"] = "teal"
    errors = validate_manifest(m)
    assert any(e.startswith("/bots/0/scopes/1: 'meeting' is not one of") for e in errors)
    assert any(e.startswith("/accentColor: 'teal' does not match") for e in errors)


def test_schema_url_must_match_manifest_version() -> None:
    m = render_manifest(BOT_ID)
    m["$schema"] = SCHEMA_1_24.replace("v1.24", "v1.23")
    assert validate_manifest(m) == [
        "/$schema: points at manifest v1.23 but manifestVersion is '1.24'; expected " + SCHEMA_1_24
    ]
    m["$schema"] = "https://example.com/schema.json"
    (error,) = validate_manifest(m)
    assert error.startswith(
        "/$schema: 'https://example.com/schema.json' is not the Teams manifest schema URL"
    )
    del m["$schema"]
    assert validate_manifest(m)[0].startswith("/$schema: None")
    m["$schema"] = SCHEMA_1_24.replace("/json-schemas", "/en-us/json-schemas")
    assert validate_manifest(m) == []


def test_unknown_manifest_version() -> None:
    m = render_manifest(BOT_ID)
    m["manifestVersion"] = "1.30"
    errors = validate_manifest(m)
    assert "/manifestVersion: no vendored schema for '1.30' (manifest/schema has: 1.24)" in errors


def test_const_manifest_version_is_enforced() -> None:
    # draft-04 validators ignore `const`; ours must not.
    validator = mf._validator("1.24")
    m = render_manifest(BOT_ID)
    m["manifestVersion"] = "1.23"
    assert any(e.message == "'1.24' was expected" for e in validator.iter_errors(m))


def test_semver_and_placeholder_checks() -> None:
    m = render_manifest(BOT_ID)
    m["version"] = "0.1"
    m["developer"]["termsOfUseUrl"] = "https://example.com/${TERMS_PATH}"
    errors = validate_manifest(m)
    assert errors == [
        "/version: '0.1' is not MAJOR.MINOR.PATCH (Teams needs semver, like 0.1.0)",
        "/developer/termsOfUseUrl: placeholder ${TERMS_PATH} was not filled in",
    ]


def test_unsupported_schema_pattern_is_reported_not_raised() -> None:
    # extensionFunction.name uses \p{L}, which Python's re cannot compile.
    m = render_manifest(BOT_ID)
    m["extensions"] = [
        {
            "runtimes": [
                {
                    "id": "runtime",
                    "code": {"page": "https://example.com/"},
                    "customFunctions": {"functions": [{"id": "ADDER", "name": "ADD"}]},
                }
            ]
        }
    ]
    errors = validate_manifest(m)
    assert any("/functions/0/name: cannot check pattern" in e for e in errors)


def test_icon_checks(tmp_path: Path) -> None:
    m = render_manifest(BOT_ID)
    (tmp_path / "color.png").write_bytes(png_bytes((96, 96), "RGB"))
    (tmp_path / "outline.png").write_bytes(png_bytes((32, 32), "RGB"))
    assert validate_manifest(m, icon_dir=tmp_path) == [
        "/icons/color: 'color.png' is 96x96 pixels; Teams needs 192x192",
        "/icons/outline: 'outline.png' has no alpha channel; it needs a transparent background",
    ]
    (tmp_path / "outline.png").write_text("not a png")
    (tmp_path / "color.png").unlink()
    assert validate_manifest(m, icon_dir=tmp_path) == [
        f"/icons/color: icon file 'color.png' not found in {tmp_path}",
        "/icons/outline: 'outline.png' is not a PNG file",
    ]
    m["icons"]["outline"] = "../outline.png"
    assert "/icons/outline: '../outline.png' must be a file name inside the app package" in validate_manifest(
        m, icon_dir=tmp_path
    )


# --- build_package ---------------------------------------------------------------------------------


def test_build_package_writes_valid_zip(tmp_path: Path) -> None:
    out = build_package(BOT_ID, tmp_path / "sub" / "app.zip", version="0.2.0")
    assert out == tmp_path / "sub" / "app.zip"
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == ["manifest.json", "color.png", "outline.png"]
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in zf.infolist())
        zf.extractall(tmp_path / "unpacked")
    manifest: dict[str, Any] = json.loads((tmp_path / "unpacked" / "manifest.json").read_text("utf-8"))
    assert manifest["id"] == BOT_ID and manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["version"] == "0.2.0"
    assert validate_manifest(manifest, icon_dir=tmp_path / "unpacked") == []
    assert not list(tmp_path.glob("sub/*.tmp"))


def test_build_package_is_deterministic(tmp_path: Path) -> None:
    first = build_package(BOT_ID, tmp_path / "a.zip").read_bytes()
    second = build_package(BOT_ID, tmp_path / "b.zip").read_bytes()
    assert first == second


def test_build_package_refuses_invalid_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "manifest"
    shutil.copytree(mf.MANIFEST_DIR, broken, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(broken / "color.png", broken / "outline.png")
    monkeypatch.setattr(mf, "MANIFEST_DIR", broken)
    with pytest.raises(ManifestError) as info:
        build_package(BOT_ID, tmp_path / "app.zip")
    assert "/icons/outline: 'outline.png' is 192x192 pixels; Teams needs 32x32" in info.value.problems
    assert "is not valid" in str(info.value) and "/icons/outline" in str(info.value)
    assert not (tmp_path / "app.zip").exists()


def test_build_package_rejects_non_guid(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="'my-bot' is not a GUID"):
        build_package("my-bot", tmp_path / "app.zip")
    assert not (tmp_path / "app.zip").exists()


# --- main ------------------------------------------------------------------------------------------


def test_main_without_bot_id_fails_with_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    assert main(["--out", str(tmp_path / "app.zip")]) != 0
    err = capsys.readouterr().err
    assert "no bot id" in err and "--bot-id" in err and "MicrosoftAppId" in err
    assert not (tmp_path / "app.zip").exists()


def test_main_with_bad_bot_id_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    assert main(["--bot-id", "nope", "--out", str(tmp_path / "app.zip")]) == 1
    assert "'nope' is not a GUID" in capsys.readouterr().err


def test_main_uses_env_bot_id_and_prints_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MicrosoftAppId", BOT_ID)
    out = tmp_path / "app.zip"
    assert main(["--out", str(out), "--version", "1.0.0"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["id"] == BOT_ID and manifest["version"] == "1.0.0"


def test_main_default_out_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--bot-id", BOT_ID]) == 0
    assert capsys.readouterr().out.strip() == str(Path("build/cpor-bot-teams-app.zip"))
    assert (tmp_path / "build" / "cpor-bot-teams-app.zip").is_file()
