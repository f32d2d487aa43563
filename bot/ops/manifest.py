"""Build the Teams app package an admin uploads: manifest.json plus the two icons, zipped.

The manifest is filled from the service's settings (bot.ops.config; flags override them, see
`cpor-bot manifest --help`), refused while any value is missing or a placeholder, validated
offline against the vendored official schema (bot.ops.manifest_schema), and written atomically:
the same inputs give the same bytes, and a failed build leaves no package behind.

    cpor-bot manifest                       # from MicrosoftAppId, SENDER_NAME, PUBLIC_URL, ...
    cpor-bot manifest --out build/app.zip --version 1.2.0
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from bot.ops.config import ConfigError, Settings
from bot.ops.manifest_inputs import (
    DEFAULT_VERSION,
    FLAGS,
    AppDetails,
    ManifestError,
    ManifestRefused,
    details_from,
    refusals,
)
from bot.ops.manifest_schema import (
    MANIFEST_DIR,
    available_versions,
    leftover_placeholders,
    schema_url,
    validate_manifest,
)

__all__ = [
    "DEFAULT_OUT",
    "DEFAULT_VERSION",
    "MANIFEST_DIR",
    "AppDetails",
    "ManifestError",
    "ManifestRefused",
    "available_versions",
    "build_package",
    "main",
    "render_manifest",
    "schema_url",
    "validate_manifest",
]

TEMPLATE_NAME = "manifest.template.json"
DEFAULT_OUT = Path("build/cpor-bot-teams-app.zip")
# Zip entries get a fixed timestamp and origin so the same inputs give the same package bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_ZIP_UNIX = 3
_TEMPLATE_NAME = re.compile(r"\$\{([A-Z0-9_]+)\}")


# --- rendering -------------------------------------------------------------------------------------


def _fill(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, str):

        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in values:
                raise ManifestError(f"the manifest template uses an unknown placeholder {m.group(0)}")
            return values[m.group(1)]

        # One pass: a value that itself holds ${...} is not expanded again (and is refused later).
        return _TEMPLATE_NAME.sub(sub, node)
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    return node


def _read_template(manifest_dir: Path) -> Any:
    template = manifest_dir / TEMPLATE_NAME
    try:
        return json.loads(template.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ManifestError(
            f"manifest template not found at {template} (run from a source checkout of cpor-bot)"
        ) from None


def render_manifest(details: AppDetails, *, manifest_dir: Path = MANIFEST_DIR) -> dict[str, Any]:
    """The manifest template filled with `details`.

    Raises ManifestRefused (its problems naming the setting or flag) if a value is missing or a
    placeholder, or if any `${...}` is left in the result.
    """
    problems = refusals(details)
    if problems:
        raise ManifestRefused(_listing("the Teams app package needs real values", problems), problems)
    manifest: dict[str, Any] = _fill(_read_template(manifest_dir), details.template_values())
    manifest["version"] = details.version
    leftovers = list(leftover_placeholders(manifest))
    if leftovers:
        raise ManifestRefused(_listing("the Teams app manifest still has placeholders", leftovers), leftovers)
    return manifest


def _listing(headline: str, problems: list[str]) -> str:
    return headline + ":\n" + "\n".join(f"  - {p}" for p in problems)


# --- packaging -------------------------------------------------------------------------------------


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = _ZIP_UNIX
    info.external_attr = 0o644 << 16
    return info


def _write_zip(path: Path, entries: dict[str, bytes]) -> None:
    with open(path, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
        for name, data in entries.items():
            zf.writestr(_zip_entry(name), data)
        zf.close()
        raw.flush()
        os.fsync(raw.fileno())


def write_atomically(out: Path, entries: dict[str, bytes]) -> None:
    """Zip `entries` into `out` via a temporary file beside it: `out` is whole, or untouched."""
    out.parent.mkdir(parents=True, exist_ok=True)
    # Beside `out`, so the rename stays on one file system; named by process, so two builds never share it.
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        _write_zip(tmp, entries)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def build_package(details: AppDetails, out: Path, *, manifest_dir: Path = MANIFEST_DIR) -> Path:
    """Render and validate the manifest, then write the app package zip to `out` and return `out`.

    The zip holds manifest.json and the icons at its root, with fixed timestamps (same inputs, same
    bytes). Raises ManifestRefused for missing or placeholder values and ManifestError (with
    `.problems`) for a manifest that is not valid; either way nothing is written.
    """
    manifest = render_manifest(details, manifest_dir=manifest_dir)
    problems = validate_manifest(manifest, manifest_dir=manifest_dir)
    if problems:
        raise ManifestError(_listing("the Teams app manifest is not valid", problems), problems)
    body = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    entries = {"manifest.json": body.encode("utf-8")}
    for rel in dict.fromkeys(manifest["icons"].values()):
        entries[rel] = (manifest_dir / rel).read_bytes()
    out = Path(out)
    write_atomically(out, entries)
    return out


# --- command line ----------------------------------------------------------------------------------

_EPILOG = """\
Where each value comes from (the first one set wins):
  bot id             --bot-id, then MicrosoftAppId
  developer name     --developer-name, then SENDER_NAME
  public address     --public-url, then PUBLIC_URL (validDomains is its host)
  website            --website-url, then WEBSITE_URL, then the public address + "/"
  privacy statement  --privacy-url, then PRIVACY_URL, then the public address + "/privacy"
  terms of use       --terms-url, then TERMS_URL, then the public address + "/terms"

The package is refused (exit 2, nothing written) while a value is missing or a placeholder: no app
id or the all-zero GUID, no developer name, an http:// address, example.com/.net/.org, *.example,
*.test, *.invalid, localhost, loopback or private IP addresses, or any ${...} left over.
Exit 1: the manifest template or icons are not valid.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cpor-bot manifest",
        description="Build the Teams app package (manifest.json + icons) from this service's settings, "
        "validated offline against the official manifest schema.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"zip to write (default: {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--version", default=None, help=f"app version, MAJOR.MINOR.PATCH (default: {DEFAULT_VERSION})"
    )
    parser.add_argument("--bot-id", help="the bot's Microsoft App ID, a GUID (default: $MicrosoftAppId)")
    parser.add_argument(
        "--developer-name",
        help="the organisation that runs the service, shown as the app's developer (default: $SENDER_NAME)",
    )
    parser.add_argument("--public-url", help="the service's https:// address, no path (default: $PUBLIC_URL)")
    parser.add_argument("--website-url", help="developer website (default: $WEBSITE_URL, or PUBLIC_URL + /)")
    parser.add_argument(
        "--privacy-url", help="privacy statement (default: $PRIVACY_URL, or PUBLIC_URL + /privacy)"
    )
    parser.add_argument("--terms-url", help="terms of use (default: $TERMS_URL, or PUBLIC_URL + /terms)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"cpor-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    flags = {name: getattr(args, name) for name in FLAGS}
    try:
        path = build_package(details_from(settings, flags), args.out)
    except ManifestRefused as exc:
        print(f"cpor-bot: no package written: {exc}", file=sys.stderr)
        return 2
    except ManifestError as exc:
        print(f"cpor-bot: no package written: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"cpor-bot: no package written: cannot write {args.out} ({exc.strerror or exc})", file=sys.stderr
        )
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
