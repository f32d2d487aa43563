"""Offline validation of a Teams app manifest: the vendored official schema plus the checks it lacks.

The schema for the manifest's `manifestVersion` is read from manifest/schema/vX.Y/ (see
manifest/schema/README.md) and applied as JSON Schema draft-04, with the draft-06 `const` it uses
enforced too. Own checks: `$schema` matching the version, `botId` equal to `id`, semver `version`,
no `${...}` left over, and the icon files with their pixel sizes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, ValidationError, validators

from bot.ops.icons import icon_errors
from bot.ops.manifest_inputs import LEFTOVER

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "manifest"

_SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
_SCHEMA_URL = re.compile(
    r"https://developer\.microsoft\.com/(?:en-us/)?json-schemas/teams/v(?P<v>[^/]+)/MicrosoftTeams\.schema\.json"
)
_MAX_MESSAGE = 200


def schema_url(manifest_version: str) -> str:
    return (
        f"https://developer.microsoft.com/json-schemas/teams/v{manifest_version}/MicrosoftTeams.schema.json"
    )


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


def available_versions(manifest_dir: Path = MANIFEST_DIR) -> list[str]:
    """Manifest versions with a vendored schema in manifest/schema/."""
    folder = manifest_dir / "schema"
    return sorted(p.parent.name[1:] for p in folder.glob("v*/MicrosoftTeams.schema.json"))


def load_schema(path: Path) -> dict[str, Any]:
    """A vendored schema file, parsed as JSON.

    Older schemas (1.24) write \\a and \\v, which are not JSON escapes; for those only, the same
    clean-up @microsoft/app-manifest does when it loads them. 1.30 is strict JSON and is read as is.
    """
    raw = path.read_text(encoding="utf-8-sig")
    try:
        schema: dict[str, Any] = json.loads(raw)
    except json.JSONDecodeError:
        schema = json.loads(raw.replace("\\a", "\\u0007").replace("\\v", "\\u000b"))
    return schema


@lru_cache(maxsize=4)
def _validator(manifest_version: str, manifest_dir: Path = MANIFEST_DIR) -> Any:
    schema = load_schema(manifest_dir / "schema" / f"v{manifest_version}" / "MicrosoftTeams.schema.json")
    return _ManifestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def _pointer(path: Sequence[Any]) -> str:
    return "/" + "/".join(str(p) for p in path)


def _readable(error: ValidationError) -> str:
    """The error's message, with a long value it starts with named by its size instead."""
    message: str = error.message
    shown = repr(error.instance)
    if len(shown) > 60 and message.startswith(shown):
        instance = error.instance
        if isinstance(instance, list):
            summary = f"a list of {len(instance)} items"
        elif isinstance(instance, str):
            summary = f"a text of {len(instance)} characters"
        else:
            summary = "the value"
        message = f"{summary} {message[len(shown) :].lstrip()}"
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _schema_errors(manifest: dict[str, Any], manifest_version: str, manifest_dir: Path) -> list[str]:
    errors = sorted(
        _validator(manifest_version, manifest_dir).iter_errors(manifest),
        key=lambda e: ([str(p) for p in e.absolute_path], e.message),
    )
    return [f"{_pointer(e.absolute_path)}: {_readable(e)}" for e in errors]


def leftover_placeholders(node: Any, path: Sequence[Any] = ()) -> Iterator[str]:
    """Each `${...}` still in a string of `node`, with its JSON pointer."""
    if isinstance(node, str):
        for m in LEFTOVER.finditer(node):
            yield f"{_pointer(path)}: placeholder {m.group(0)} was not filled in"
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from leftover_placeholders(item, [*path, i])
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from leftover_placeholders(value, [*path, key])


def _version_errors(manifest: dict[str, Any], manifest_dir: Path) -> list[str]:
    manifest_version = manifest.get("manifestVersion")
    have = available_versions(manifest_dir)
    if not isinstance(manifest_version, str):
        return ["/manifestVersion: missing; it must be a string such as '1.30'"]
    if manifest_version not in have:
        return [
            f"/manifestVersion: no vendored schema for {manifest_version!r} "
            f"(manifest/schema has: {', '.join(have) or 'none'})"
        ]
    return _schema_errors(manifest, manifest_version, manifest_dir)


def _schema_url_errors(manifest: dict[str, Any]) -> list[str]:
    manifest_version = manifest.get("manifestVersion")
    declared = manifest.get("$schema")
    match = _SCHEMA_URL.fullmatch(declared) if isinstance(declared, str) else None
    if match is None:
        want = schema_url(manifest_version) if isinstance(manifest_version, str) else "the schema URL"
        return [f"/$schema: {declared!r} is not the Teams manifest schema URL; expected {want}"]
    if isinstance(manifest_version, str) and match.group("v") != manifest_version:
        return [
            f"/$schema: points at manifest v{match.group('v')} but manifestVersion is "
            f"{manifest_version!r}; expected {schema_url(manifest_version)}"
        ]
    return []


def _id_errors(manifest: dict[str, Any]) -> list[str]:
    errors = []
    version = manifest.get("version")
    if isinstance(version, str) and not _SEMVER.fullmatch(version):
        errors.append(f"/version: {version!r} is not MAJOR.MINOR.PATCH (Teams needs semver, like 0.1.0)")
    app_id = manifest.get("id")
    bots = manifest.get("bots")
    for i, bot in enumerate(bots if isinstance(bots, list) else []):
        bot_id = bot.get("botId") if isinstance(bot, dict) else None
        if isinstance(bot_id, str) and isinstance(app_id, str) and bot_id.lower() != app_id.lower():
            errors.append(
                f"/bots/{i}/botId: {bot_id!r} differs from /id {app_id!r}; "
                "both must be the bot's Microsoft App ID"
            )
    return errors


def validate_manifest(
    manifest: dict[str, Any], *, icon_dir: Path | None = None, manifest_dir: Path = MANIFEST_DIR
) -> list[str]:
    """Readable problems with `manifest` ("/name/short: ..."); an empty list means it is valid.

    Schemas come from `manifest_dir`/schema; icons are looked up in `icon_dir` (default: `manifest_dir`).
    """
    if not isinstance(manifest, dict):
        return ["/: the manifest must be a JSON object"]
    return [
        *_version_errors(manifest, manifest_dir),
        *_schema_url_errors(manifest),
        *_id_errors(manifest),
        *leftover_placeholders(manifest),
        *icon_errors(manifest, manifest_dir if icon_dir is None else icon_dir),
    ]
