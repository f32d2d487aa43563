"""The app package's icons: the sizes Teams needs, read from the PNG files themselves."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

ICON_SIZES = {"color": (192, 192), "outline": (32, 32), "color32x32": (32, 32)}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_info(data: bytes) -> tuple[int, int, bool]:
    """(width, height, has_alpha) of a PNG, from its IHDR (and tRNS) chunks; ValueError if not a PNG."""
    if len(data) < 33 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height, _depth, colour_type = struct.unpack(">IIBB", data[16:26])
    has_alpha = colour_type in (4, 6)  # grey + alpha, RGBA
    pos = 8
    while not has_alpha and pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"tRNS":
            has_alpha = True
        if kind in (b"IDAT", b"IEND"):
            break
        pos += 12 + length
    return width, height, has_alpha


def icon_errors(manifest: dict[str, Any], icon_dir: Path) -> list[str]:
    icons = manifest.get("icons")
    if not isinstance(icons, dict):
        return []  # the schema reports it
    errors = []
    for key, (want_w, want_h) in ICON_SIZES.items():
        rel = icons.get(key)
        if not isinstance(rel, str):
            continue
        where = f"/icons/{key}"
        if not rel or Path(rel).is_absolute() or ".." in Path(rel).parts:
            errors.append(f"{where}: {rel!r} must be a file name inside the app package")
            continue
        path = icon_dir / rel
        try:
            width, height, has_alpha = png_info(path.read_bytes())
        except OSError:
            errors.append(f"{where}: icon file {rel!r} not found in {icon_dir}")
            continue
        except (ValueError, struct.error):
            errors.append(f"{where}: {rel!r} is not a PNG file")
            continue
        if (width, height) != (want_w, want_h):
            errors.append(f"{where}: {rel!r} is {width}x{height} pixels; Teams needs {want_w}x{want_h}")
        if key in ("outline", "color32x32") and not has_alpha:
            errors.append(f"{where}: {rel!r} has no alpha channel; it needs a transparent background")
    return errors
