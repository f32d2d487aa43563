"""Build and check the Teams app package: manifest.json plus the two icons, zipped.

The template, icons and the vendored official schema live in the repository's top-level `manifest/`
folder (see manifest/schema/README.md). Validation is offline: JSON Schema draft-04 with the schema
for the manifest's `manifestVersion`, plus checks the schema cannot express (`$schema` matching the
version, `botId` equal to `id`, semver `version`, icon files and their pixel sizes).

    cpor-bot manifest --bot-id 00000000-0000-0000-0000-000000000000 --out build/app.zip
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, ValidationError, validators

from bot.domain.formats import is_guid
from bot.ops.icons import icon_errors

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "manifest"
TEMPLATE_NAME = "manifest.template.json"
DEFAULT_OUT = Path("build/cpor-bot-teams-app.zip")
DEFAULT_VERSION = "0.1.0"
DEFAULT_URLS = {
    "WEBSITE_URL": "https://example.com/",
    "PRIVACY_URL": "https://example.com/privacy",
    "TERMS_URL": "https://example.com/terms",
}
# Pixel sizes Teams requires for each icon (manifest schema descriptions).

_SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")
_SCHEMA_URL = re.compile(
    r"https://developer\.microsoft\.com/(?:en-us/)?json-schemas/teams/v(?P<v>[^/]+)/MicrosoftTeams\.schema\.json"
)
# Zip entries get a fixed timestamp so the same inputs give the same package bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_MAX_MESSAGE = 200


class ManifestError(ValueError):
    """The manifest cannot be rendered, or the rendered manifest is not valid."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


def schema_url(manifest_version: str) -> str:
    return (
        f"https://developer.microsoft.com/json-schemas/teams/v{manifest_version}/MicrosoftTeams.schema.json"
    )


# --- rendering -------------------------------------------------------------------------------------


def _check_guid(bot_id: str) -> str:
    if not isinstance(bot_id, str) or not is_guid(bot_id.strip()):
        raise ManifestError(
            f"bot id {bot_id!r} is not a GUID: the bot id is the bot's Microsoft App ID "
            "(MicrosoftAppId), like 00000000-0000-0000-0000-000000000000"
        )
    return bot_id.strip()


def _check_https(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise ManifestError(f"{name} must be an https:// URL, got {url!r}")
    return url


def _fill(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, str):

        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in values:
                raise ManifestError(f"the manifest template uses an unknown placeholder {m.group(0)}")
            return values[m.group(1)]

        return _PLACEHOLDER.sub(sub, node)
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    return node


def render_manifest(
    bot_id: str,
    *,
    version: str = DEFAULT_VERSION,
    website_url: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> dict[str, Any]:
    """The manifest template with the bot id, app version and developer URLs filled in.

    `bot_id` is the bot's Microsoft App ID; Teams uses it both as the app `id` and as `bots[0].botId`.
    URLs not given default to https://example.com/... (fine for sideloading, not for publishing).
    """
    bot_id = _check_guid(bot_id)
    if not _SEMVER.fullmatch(version):
        raise ManifestError(f"app version {version!r} must be MAJOR.MINOR.PATCH, like 0.1.0")
    values = {
        "BOT_ID": bot_id,
        "WEBSITE_URL": _check_https("website_url", website_url or DEFAULT_URLS["WEBSITE_URL"]),
        "PRIVACY_URL": _check_https("privacy_url", privacy_url or DEFAULT_URLS["PRIVACY_URL"]),
        "TERMS_URL": _check_https("terms_url", terms_url or DEFAULT_URLS["TERMS_URL"]),
    }
    template = MANIFEST_DIR / TEMPLATE_NAME
    try:
        raw = json.loads(template.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ManifestError(
            f"manifest template not found at {template} (run from a source checkout of cpor-bot)"
        ) from None
    manifest: dict[str, Any] = _fill(raw, values)
    manifest["version"] = version
    return manifest


# --- validation ------------------------------------------------------------------------------------


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """Draft-04 `pattern`, but a pattern Python's re cannot compile (e.g. \\p{L}) is an error, not a crash."""
    if not validator.is_type(instance, "string"):
        return
    try:
        found = re.search(pattern, instance)
    except re.error as exc:
        yield ValidationError(f"cannot check pattern {pattern!r} with Python's re ({exc})")
        return
    if found is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _const(validator: Any, const: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """The schema uses draft-06 `const` (for manifestVersion), which draft-04 validators ignore."""
    if type(instance) is not type(const) or instance != const:
        yield ValidationError(f"{const!r} was expected")


_ManifestValidator = validators.extend(Draft4Validator, {"pattern": _pattern, "const": _const})


def available_versions() -> list[str]:
    """Manifest versions with a vendored schema in manifest/schema/."""
    folder = MANIFEST_DIR / "schema"
    return sorted(p.parent.name[1:] for p in folder.glob("v*/MicrosoftTeams.schema.json"))


@lru_cache(maxsize=4)
def _validator(manifest_version: str) -> Any:
    path = MANIFEST_DIR / "schema" / f"v{manifest_version}" / "MicrosoftTeams.schema.json"
    raw = path.read_text(encoding="utf-8-sig")
    # The same clean-up @microsoft/app-manifest does: \a and \v are not JSON escapes.
    raw = raw.replace("\\a", "\\u0007").replace("\\v", "\\u000b")
    return _ManifestValidator(json.loads(raw), format_checker=Draft4Validator.FORMAT_CHECKER)


def _pointer(path: Sequence[Any]) -> str:
    return "/" + "/".join(str(p) for p in path)


def _short(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _schema_errors(manifest: dict[str, Any], manifest_version: str) -> list[str]:
    errors = sorted(
        _validator(manifest_version).iter_errors(manifest),
        key=lambda e: ([str(p) for p in e.absolute_path], e.message),
    )
    return [f"{_pointer(e.absolute_path)}: {_short(e.message)}" for e in errors]


def _placeholders(node: Any, path: list[Any]) -> Iterator[str]:
    if isinstance(node, str):
        for m in _PLACEHOLDER.finditer(node):
            yield f"{_pointer(path)}: placeholder {m.group(0)} was not filled in"
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _placeholders(item, [*path, i])
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _placeholders(value, [*path, key])


def validate_manifest(manifest: dict[str, Any], *, icon_dir: Path | None = None) -> list[str]:
    """Readable problems with `manifest` ("/name/short: ..."); an empty list means it is valid.

    Icons are looked up in `icon_dir` (default: the repository's manifest/ folder).
    """
    if not isinstance(manifest, dict):
        return ["/: the manifest must be a JSON object"]
    errors: list[str] = []
    manifest_version = manifest.get("manifestVersion")
    have = available_versions()
    if not isinstance(manifest_version, str):
        errors.append("/manifestVersion: missing; it must be a string such as '1.24'")
    elif manifest_version not in have:
        errors.append(
            f"/manifestVersion: no vendored schema for {manifest_version!r} "
            f"(manifest/schema has: {', '.join(have) or 'none'})"
        )
    else:
        errors.extend(_schema_errors(manifest, manifest_version))

    declared = manifest.get("$schema")
    match = _SCHEMA_URL.fullmatch(declared) if isinstance(declared, str) else None
    if match is None:
        want = schema_url(manifest_version) if isinstance(manifest_version, str) else "the schema URL"
        errors.append(f"/$schema: {declared!r} is not the Teams manifest schema URL; expected {want}")
    elif isinstance(manifest_version, str) and match.group("v") != manifest_version:
        errors.append(
            f"/$schema: points at manifest v{match.group('v')} but manifestVersion is "
            f"{manifest_version!r}; expected {schema_url(manifest_version)}"
        )

    version = manifest.get("version")
    if isinstance(version, str) and not _SEMVER.fullmatch(version):
        errors.append(f"/version: {version!r} is not MAJOR.MINOR.PATCH (Teams needs semver, like 0.1.0)")

    app_id = manifest.get("id")
    bots = manifest.get("bots")
    if isinstance(bots, list):
        for i, bot in enumerate(bots):
            bot_id = bot.get("botId") if isinstance(bot, dict) else None
            if isinstance(bot_id, str) and isinstance(app_id, str) and bot_id.lower() != app_id.lower():
                errors.append(
                    f"/bots/{i}/botId: {bot_id!r} differs from /id {app_id!r}; "
                    "both must be the bot's Microsoft App ID"
                )

    errors.extend(_placeholders(manifest, []))
    errors.extend(icon_errors(manifest, MANIFEST_DIR if icon_dir is None else icon_dir))
    return errors


# --- packaging -------------------------------------------------------------------------------------


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def build_package(
    bot_id: str,
    out: Path,
    *,
    version: str = DEFAULT_VERSION,
    website_url: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> Path:
    """Render and validate the manifest, then write the app package zip to `out` and return `out`.

    The zip holds manifest.json and the icons at its root, with fixed timestamps (same inputs, same
    bytes). Raises ManifestError (with `.problems`) if the manifest is not valid.
    """
    manifest = render_manifest(
        bot_id, version=version, website_url=website_url, privacy_url=privacy_url, terms_url=terms_url
    )
    problems = validate_manifest(manifest)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ManifestError(f"the Teams app manifest is not valid:\n{listing}", problems)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    icons: dict[str, str] = manifest["icons"]
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        body = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        zf.writestr(_zip_entry("manifest.json"), body.encode("utf-8"))
        for rel in dict.fromkeys(icons.values()):
            zf.writestr(_zip_entry(rel), (MANIFEST_DIR / rel).read_bytes())
    tmp.replace(out)
    return out


# --- command line ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cpor-bot manifest",
        description="Build the Teams app package (manifest.json + icons) for this bot, validated offline.",
    )
    parser.add_argument(
        "--bot-id",
        default=os.environ.get("MicrosoftAppId") or None,
        help="the bot's Microsoft App ID, a GUID (default: $MicrosoftAppId)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"zip to write (default: {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--version",
        default=DEFAULT_VERSION,
        help=f"app version, MAJOR.MINOR.PATCH (default: {DEFAULT_VERSION})",
    )
    parser.add_argument("--website-url", help=f"developer website (default: {DEFAULT_URLS['WEBSITE_URL']})")
    parser.add_argument("--privacy-url", help=f"privacy statement (default: {DEFAULT_URLS['PRIVACY_URL']})")
    parser.add_argument("--terms-url", help=f"terms of use (default: {DEFAULT_URLS['TERMS_URL']})")
    args = parser.parse_args(argv)

    if not args.bot_id:
        print(
            "error: no bot id: pass --bot-id or set MicrosoftAppId to the bot's Microsoft App ID (a GUID)",
            file=sys.stderr,
        )
        return 2
    try:
        path = build_package(
            args.bot_id,
            args.out,
            version=args.version,
            website_url=args.website_url,
            privacy_url=args.privacy_url,
            terms_url=args.terms_url,
        )
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    defaults = [
        flag
        for flag, value in (
            ("--website-url", args.website_url),
            ("--privacy-url", args.privacy_url),
            ("--terms-url", args.terms_url),
        )
        if not value
    ]
    if defaults:
        print(
            f"note: {', '.join(defaults)} not given; used https://example.com placeholders "
            "(fine for sideloading, not for publishing)",
            file=sys.stderr,
        )
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
