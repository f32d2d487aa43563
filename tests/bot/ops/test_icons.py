"""The icons' sizes and transparency, read from the PNG files."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.ops.icons import png_info
from tests.support import png_bytes


def test_png_info() -> None:
    assert png_info(png_bytes((192, 192), "RGB")) == (192, 192, False)
    assert png_info(png_bytes((32, 32), "RGBA")) == (32, 32, True)
    assert png_info(png_bytes((32, 32), "LA")) == (32, 32, True)
    palette = io.BytesIO()
    Image.new("P", (32, 32)).save(palette, format="PNG", transparency=0)
    assert png_info(palette.getvalue()) == (32, 32, True)
    with pytest.raises(ValueError, match="not a PNG"):
        png_info(b"GIF89a" + b"\0" * 40)
