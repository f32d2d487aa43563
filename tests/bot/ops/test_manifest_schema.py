"""bot.ops.manifest_schema: the rendered manifest checked offline against the vendored schema and more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.ops.manifest import AppDetails, render_manifest
from bot.ops.manifest_schema import (
    MANIFEST_DIR,
    _validator,
    available_versions,
    load_schema,
    schema_url,
    validate_manifest,
)
from tests.support import png_bytes

APP_ID = "9e0b9a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
SCHEMA_1_30 = "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"


def rendered() -> dict[str, Any]:
    return render_manifest(
        AppDetails(bot_id=APP_ID, developer_name="Fabrikam", public_url="https://cpor.fabrikam.com")
    )


def test_the_rendered_manifest_is_valid() -> None:
    assert validate_manifest(rendered()) == []


def test_only_1_30_is_vendored() -> None:
    assert available_versions() == ["1.30"]
    assert schema_url("1.30") == SCHEMA_1_30


def test_broken_manifest_gives_expected_errors() -> None:
    m = rendered()
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


def test_what_1_30_changed_is_checked() -> None:
    m = rendered()
    m["description"]["features"].append({"title": "A fourth feature", "description": "One too many."})
    m["description"]["features"][0]["title"] = "t" * 46
    m["validDomains"] = [f"host{i}.fabrikam.com" for i in range(101)]
    m["bots"][0]["commandLists"][0]["triggers"] = ["slash", "typed"]
    errors = validate_manifest(m)
    assert any(e.startswith("/description/features: ") and "is too long" in e for e in errors)
    assert any(e.startswith("/description/features/0/title: ") and "is too long" in e for e in errors)
    assert any(e.startswith("/validDomains: ") and "is too long" in e for e in errors)
    assert any(e.startswith("/bots/0/commandLists/0/triggers/1: 'typed' is not one of") for e in errors)
    assert len(errors) == 4


def test_1_30_lets_a_command_go_without_a_description() -> None:
    m = rendered()
    del m["bots"][0]["commandLists"][0]["commands"][0]["description"]
    assert validate_manifest(m) == []


def test_scope_and_accent_colour_errors() -> None:
    m = rendered()
    m["bots"][0]["scopes"] = ["personal", "meeting"]
    m["accentColor"] = "teal"
    errors = validate_manifest(m)
    assert any(e.startswith("/bots/0/scopes/1: 'meeting' is not one of") for e in errors)
    assert any(e.startswith("/accentColor: 'teal' does not match") for e in errors)


def test_schema_url_must_match_manifest_version() -> None:
    m = rendered()
    m["$schema"] = SCHEMA_1_30.replace("v1.30", "v1.29")
    assert validate_manifest(m) == [
        "/$schema: points at manifest v1.29 but manifestVersion is '1.30'; expected " + SCHEMA_1_30
    ]
    m["$schema"] = "https://cpor.fabrikam.com/schema.json"
    (error,) = validate_manifest(m)
    assert error.startswith(
        "/$schema: 'https://cpor.fabrikam.com/schema.json' is not the Teams manifest schema URL"
    )
    del m["$schema"]
    assert validate_manifest(m)[0].startswith("/$schema: None")
    m["$schema"] = SCHEMA_1_30.replace("/json-schemas", "/en-us/json-schemas")
    assert validate_manifest(m) == []


def test_unknown_manifest_version() -> None:
    m = rendered()
    m["manifestVersion"] = "1.24"
    m["$schema"] = schema_url("1.24")
    assert validate_manifest(m) == [
        "/manifestVersion: no vendored schema for '1.24' (manifest/schema has: 1.30)"
    ]


def test_const_manifest_version_is_enforced() -> None:
    # draft-04 validators ignore `const`; ours must not.
    m = rendered()
    m["manifestVersion"] = "1.29"
    assert any(e.message == "'1.30' was expected" for e in _validator("1.30").iter_errors(m))


def test_semver_and_placeholder_checks() -> None:
    m = rendered()
    m["version"] = "0.1"
    m["developer"]["termsOfUseUrl"] = "https://cpor.fabrikam.com/${TERMS_PATH}"
    m["developer"]["name"] = "${sender name}"
    assert validate_manifest(m) == [
        "/version: '0.1' is not MAJOR.MINOR.PATCH (Teams needs semver, like 0.1.0)",
        "/developer/name: placeholder ${sender name} was not filled in",
        "/developer/termsOfUseUrl: placeholder ${TERMS_PATH} was not filled in",
    ]


def test_unsupported_schema_pattern_is_reported_not_raised() -> None:
    # extensionFunction.name uses \p{L}, which Python's re cannot compile.
    m = rendered()
    m["extensions"] = [
        {
            "runtimes": [
                {
                    "id": "runtime",
                    "code": {"page": "https://cpor.fabrikam.com/"},
                    "customFunctions": {"functions": [{"id": "ADDER", "name": "ADD"}]},
                }
            ]
        }
    ]
    errors = validate_manifest(m)
    assert any("/functions/0/name: cannot check pattern" in e for e in errors)


def test_icon_checks(tmp_path: Path) -> None:
    m = rendered()
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


def test_the_1_30_schema_is_read_as_strict_json(tmp_path: Path) -> None:
    vendored = MANIFEST_DIR / "schema" / "v1.30" / "MicrosoftTeams.schema.json"
    assert load_schema(vendored) == json.loads(vendored.read_text("utf-8"))
    pattern = load_schema(vendored)["definitions"]["extensionXllCustomFunctions"]["properties"]["fileName"]
    assert "\\v" in pattern["pattern"], "a regex escape inside a JSON string is kept as it is"


def test_an_older_schema_with_bare_escapes_still_loads(tmp_path: Path) -> None:
    # 1.24 and earlier write "\a" and "\v" inside strings, which JSON does not allow.
    path = tmp_path / "MicrosoftTeams.schema.json"
    path.write_text('{"pattern": "^[^\\a\\v]*$"}', "utf-8")
    assert load_schema(path) == {"pattern": "^[^\u0007\u000b]*$"}
