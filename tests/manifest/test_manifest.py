"""The files in manifest/: vendored schema, template and icons (checked without bot.ops.manifest)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

from jsonschema import Draft4Validator
from PIL import Image

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "manifest"
VERSION = "1.30"
SCHEMA_PATH = MANIFEST_DIR / "schema" / f"v{VERSION}" / "MicrosoftTeams.schema.json"
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{VERSION}/MicrosoftTeams.schema.json"
PLACEHOLDERS = {"BOT_ID", "DEVELOPER_NAME", "WEBSITE_URL", "PRIVACY_URL", "TERMS_URL", "PUBLIC_HOST"}
# What a production service fills in (the operator's own host, never a reserved example name).
FILLED = {
    "BOT_ID": "0b7c3f4e-9a1d-4c2b-8e5f-6a7b8c9d0e1f",
    "DEVELOPER_NAME": "Fabrikam Partner Services",
    "WEBSITE_URL": "https://cpor.fabrikam.com/",
    "PRIVACY_URL": "https://cpor.fabrikam.com/privacy",
    "TERMS_URL": "https://cpor.fabrikam.com/terms",
    "PUBLIC_HOST": "cpor.fabrikam.com",
}


def load_schema() -> dict[str, Any]:
    # 1.30 is strict JSON (older versions needed \a and \v rewritten first).
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def template_text() -> str:
    return (MANIFEST_DIR / "manifest.template.json").read_text(encoding="utf-8")


def filled_template() -> dict[str, Any]:
    text = template_text()
    for name, value in FILLED.items():
        text = text.replace("${" + name + "}", value)
    manifest: dict[str, Any] = json.loads(text)
    return manifest


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    validator = Draft4Validator(load_schema(), format_checker=Draft4Validator.FORMAT_CHECKER)
    return [
        "/" + "/".join(map(str, e.absolute_path)) + ": " + e.message for e in validator.iter_errors(manifest)
    ]


def load_make_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_icons", MANIFEST_DIR / "make_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- schema ----------------------------------------------------------------------------------------


def test_vendored_schema_is_the_official_1_30_draft4_schema() -> None:
    schema = load_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["properties"]["manifestVersion"]["const"] == VERSION
    assert schema["required"] == [
        "manifestVersion", "version", "id", "developer", "name", "description", "icons", "accentColor"
    ]  # fmt: skip
    assert schema["properties"]["developer"]["required"] == [
        "name",
        "websiteUrl",
        "privacyUrl",
        "termsOfUseUrl",
    ]
    bot = schema["properties"]["bots"]["items"]["properties"]
    assert {"supportsTargetedMessages", "commandLists", "isNotificationOnly"} <= set(bot)


def test_only_the_template_version_is_vendored() -> None:
    vendored = sorted(p.name for p in (MANIFEST_DIR / "schema").iterdir() if p.is_dir())
    assert vendored == [f"v{VERSION}"]
    assert [p.name for p in SCHEMA_PATH.parent.iterdir()] == ["MicrosoftTeams.schema.json"]


def test_schema_readme_names_source_licence_and_hash() -> None:
    readme = (MANIFEST_DIR / "schema" / "README.md").read_text(encoding="utf-8")
    assert "`@microsoft/app-manifest` 1.1.2" in readme
    assert f"build/json-schemas/teams/v{VERSION}/MicrosoftTeams.schema.json" in readme
    assert "MIT" in readme
    digest = hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest()
    hashes = re.findall(r"\b[0-9a-f]{64}\b", readme)
    assert hashes == [digest], "schema file changed: update the hash in manifest/schema/README.md"


# --- template --------------------------------------------------------------------------------------


def test_template_uses_placeholders_for_ids_and_urls() -> None:
    template = json.loads(template_text())
    assert template["manifestVersion"] == VERSION
    assert template["$schema"] == SCHEMA_URL
    assert template["version"] == "0.1.0"
    assert template["id"] == "${BOT_ID}"
    assert template["bots"][0]["botId"] == "${BOT_ID}"
    assert template["developer"] == {
        "name": "${DEVELOPER_NAME}",
        "websiteUrl": "${WEBSITE_URL}",
        "privacyUrl": "${PRIVACY_URL}",
        "termsOfUseUrl": "${TERMS_URL}",
    }
    assert template["validDomains"] == ["${PUBLIC_HOST}"]
    assert set(re.findall(r"\$\{([^}]*)\}", template_text())) == PLACEHOLDERS


def test_template_content() -> None:
    template = json.loads(template_text())
    assert template["name"]["short"] == "CPOR explained"
    assert template["name"]["full"] == "CPOR explained: your partner association, in plain words"
    assert len(template["description"]["short"]) <= 80
    assert "not made, run or endorsed by Microsoft" in template["description"]["full"]
    assert "Microsoft" not in template["name"]["short"]
    assert template["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", template["accentColor"])
    (bot,) = template["bots"]
    assert bot["scopes"] == ["personal"]
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False  # it answers commands, not only notifies
    (commands,) = bot["commandLists"]
    assert commands["scopes"] == ["personal"]
    assert [c["title"] for c in commands["commands"]] == ["help", "about", "claims"]
    assert all(c["description"].strip() for c in commands["commands"])


def test_descriptions_follow_the_store_rules() -> None:
    # Store rules: short and full differ, and the short one is not repeated in the full one.
    description = json.loads(template_text())["description"]
    assert description["short"] != description["full"]
    assert description["short"].rstrip(".") not in description["full"]
    features = description["features"]
    assert 1 <= len(features) <= 3
    assert all(len(f["title"]) <= 45 and len(f["description"]) <= 120 for f in features)
    assert len({f["title"] for f in features}) == len(features)
    for command in ("claims", "about"):
        assert any(f"'{command}'" in f["description"] for f in features)


def test_filled_template_validates_against_official_schema() -> None:
    assert schema_errors(filled_template()) == []


def test_schema_check_can_fail() -> None:
    manifest = filled_template()
    manifest["name"]["short"] = "CPOR explained, the long name!!"  # 31 characters
    manifest["id"] = "not-a-guid"
    del manifest["developer"]["privacyUrl"]
    manifest["developer"]["name"] = "Fabrikam Partner Services Worldwide"  # 35 characters
    errors = schema_errors(manifest)
    assert len(errors) == 4
    assert any(e.startswith("/name/short: ") and "too long" in e for e in errors)
    assert any(e.startswith("/developer/name: ") and "too long" in e for e in errors)
    assert any(e.startswith("/id: ") and "does not match" in e for e in errors)
    assert "/developer: 'privacyUrl' is a required property" in errors


# --- icons -----------------------------------------------------------------------------------------


def test_color_icon_is_192_full_colour() -> None:
    with Image.open(MANIFEST_DIR / "color.png") as img:
        assert img.format == "PNG"
        assert img.size == (192, 192)
        rgba = img.convert("RGBA")
    assert rgba.getchannel("A").getextrema() == (255, 255), "colour icon should be opaque"
    colours = rgba.getcolors(maxcolors=192 * 192)
    assert colours is not None and len(colours) >= 3


def test_outline_icon_is_32_transparent_and_white_only() -> None:
    with Image.open(MANIFEST_DIR / "outline.png") as img:
        assert img.format == "PNG"
        assert img.size == (32, 32)
        assert img.mode == "RGBA"
        raw = img.tobytes()
    pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]
    corners = [pixels[0], pixels[31], pixels[-32], pixels[-1]]
    assert all(p[3] == 0 for p in corners), "background must be transparent"
    drawn = [p for p in pixels if p[3] > 0]
    assert drawn, "the glyph is empty"
    assert any(p[3] == 255 for p in drawn)
    assert all(p[:3] == (255, 255, 255) for p in drawn), "foreground must be white only"
    assert sum(1 for p in pixels if p[3] == 0) > len(pixels) // 3, "mostly transparent"


def test_make_icons_regenerates_the_committed_pngs() -> None:
    rendered = load_make_icons().render_icons()
    assert set(rendered) == {"color.png", "outline.png"}
    for name, img in rendered.items():
        with Image.open(MANIFEST_DIR / name) as committed:
            assert committed.mode == img.mode and committed.size == img.size
            assert committed.tobytes() == img.tobytes(), f"{name} is stale: run python manifest/make_icons.py"
