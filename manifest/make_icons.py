"""Draw the Teams app icons: two linked rings (a partner and a customer, associated).

    python manifest/make_icons.py          # rewrite manifest/color.png and manifest/outline.png

- color.png: 192x192, full colour (opaque teal background, one white and one amber ring).
- outline.png: 32x32, transparent background, white-only glyph (anti-aliased edges only vary alpha).

The drawing is original, has no text and is deterministic: each shape is drawn as a mask at 8x size
and box-averaged down, so the same Pillow version always gives the same pixels. Needs Pillow (a dev
dependency); the bot itself never imports this file.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

HERE = Path(__file__).resolve().parent
SUPERSAMPLE = 8

BACKGROUND = (0x1F, 0x6F, 0x8B)  # also the manifest's accentColor, #1F6F8B
RING_FRONT = (0xFF, 0xFF, 0xFF)
RING_BACK = (0xFF, 0xC8, 0x57)


class Geometry:
    """Two rings in unit coordinates (0..1 of the icon's side)."""

    def __init__(self, offset: float, radius: float, stroke: float) -> None:
        self.left = (0.5 - offset, 0.5)
        self.right = (0.5 + offset, 0.5)
        self.radius = radius  # radius of the stroke's centre line
        self.stroke = stroke
        half_chord = math.sqrt(radius * radius - offset * offset)
        self.top = (0.5, 0.5 - half_chord)  # where the left ring passes over the right one
        self.bottom = (0.5, 0.5 + half_chord)  # where the right ring passes over the left one


COLOR_GEOMETRY = Geometry(offset=0.13, radius=0.2, stroke=0.07)
OUTLINE_GEOMETRY = Geometry(offset=0.14, radius=0.21, stroke=0.1)


def _ring(side: int, centre: tuple[float, float], radius: float, width: float) -> Image.Image:
    mask = Image.new("L", (side, side), 0)
    cx, cy = centre[0] * side, centre[1] * side
    outer = (radius + width / 2) * side
    ImageDraw.Draw(mask).ellipse(
        (cx - outer, cy - outer, cx + outer, cy + outer), outline=255, width=round(width * side)
    )
    return mask


def _disc(side: int, centre: tuple[float, float], radius: float) -> Image.Image:
    mask = Image.new("L", (side, side), 0)
    cx, cy, r = centre[0] * side, centre[1] * side, radius * side
    ImageDraw.Draw(mask).ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    return mask


def ring_masks(size: int, g: Geometry) -> tuple[Image.Image, Image.Image]:
    """Masks (left ring, right ring) of `size` pixels, each cut where the other passes over it."""
    side = size * SUPERSAMPLE
    gap = g.stroke * 0.6
    left = _ring(side, g.left, g.radius, g.stroke)
    right = _ring(side, g.right, g.radius, g.stroke)
    left_wide = _ring(side, g.left, g.radius, g.stroke + 2 * gap)
    right_wide = _ring(side, g.right, g.radius, g.stroke + 2 * gap)
    near_top = _disc(side, g.top, g.stroke * 2.5)
    near_bottom = _disc(side, g.bottom, g.stroke * 2.5)
    right = ImageChops.subtract(right, ImageChops.multiply(left_wide, near_top))
    left = ImageChops.subtract(left, ImageChops.multiply(right_wide, near_bottom))
    return left.reduce(SUPERSAMPLE), right.reduce(SUPERSAMPLE)


def color_icon() -> Image.Image:
    left, right = ring_masks(192, COLOR_GEOMETRY)
    img = Image.new("RGB", (192, 192), BACKGROUND)
    img.paste(RING_BACK, (0, 0, 192, 192), right)
    img.paste(RING_FRONT, (0, 0, 192, 192), left)
    return img


def outline_icon() -> Image.Image:
    left, right = ring_masks(32, OUTLINE_GEOMETRY)
    img = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    img.putalpha(ImageChops.lighter(left, right))
    return img


def render_icons() -> dict[str, Image.Image]:
    return {"color.png": color_icon(), "outline.png": outline_icon()}


def main(out_dir: Path = HERE) -> int:
    for name, img in render_icons().items():
        path = out_dir / name
        img.save(path, format="PNG", optimize=False)
        print(f"wrote {path} ({img.width}x{img.height} {img.mode})")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
