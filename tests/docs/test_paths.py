"""The README and the guides name files of this repository: each one named is there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "playground" / "README.md"]
# A path in backticks under one of the repository's own folders.
NAMED = re.compile(r"`((?:app\.py|(?:bot|cards|tests|bench|docs|infra|manifest|playground)/[\w./-]+))`")


def named_paths(doc: Path) -> list[tuple[int, str]]:
    out = []
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        if " is now " in line:  # a note on where something moved names the old place on purpose
            continue
        out += [(number, m.group(1).rstrip(".")) for m in NAMED.finditer(line)]
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_path_a_document_names_exists(doc: Path) -> None:
    named = named_paths(doc)
    missing = [(number, path) for number, path in named if not (REPO / path).exists()]
    assert missing == []


def test_the_check_reads_paths() -> None:
    paths = {path for _, path in named_paths(REPO / "README.md")}
    assert {"bot/actions.py", "docs/deploy.md", "app.py"} <= paths
