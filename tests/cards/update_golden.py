"""Rewrite the golden files: ``python -m tests.cards.update_golden`` (or ``UPDATE_GOLDEN=1 pytest``).

One file per English card variant (every kind x host x sample), as `cards.samples.Variant.to_json`
writes it. Review the diff before you commit it: a golden file changes only when a card does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cards.samples import Variant, variants

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
GOLDEN_LOCALES = ("en",)


def golden_variants() -> list[Variant]:
    """The variants the golden files pin: every kind and host, English, every sample."""
    return list(variants(locales=GOLDEN_LOCALES))


def update(directory: Path = GOLDEN_DIR) -> tuple[int, int]:
    """Write every golden file and delete stale ones; returns (written or changed, removed)."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = {v.filename: v.to_json() for v in golden_variants()}
    changed = 0
    for name, text in wanted.items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed += 1
    removed = 0
    for path in directory.glob("*.json"):
        if path.name not in wanted:
            path.unlink()
            removed += 1
    return changed, removed


def main() -> int:
    changed, removed = update()
    total = len(list(GOLDEN_DIR.glob("*.json")))
    print(f"{total} golden files in {GOLDEN_DIR}: {changed} written, {removed} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
