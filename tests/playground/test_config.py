"""What `make playground` stands on, checked cheaply: the committed config and claim, the Makefile
target's prerequisites, and the messages when Node.js is missing."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bot.domain.formats import GUID_PATTERN
from tests.playground.launcher import LAUNCHER_PATH, run

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_TEXT = run.CONFIG_FILE.read_text(encoding="utf-8")
# Every key of the Playground's config whose value Teams gives as an Entra GUID.
GUID_KEYS = ("tenantId", "aadObjectId", "aadGroupId")


def _make_env() -> dict[str, str]:
    # A make above this test run (make test) must not hand its flags down.
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


def test_every_tenant_object_and_bot_id_in_the_config_is_a_guid() -> None:
    values = re.findall(rf"^\s*(?:{'|'.join(GUID_KEYS)}):\s*'?([^'\s]+)'?", CONFIG_TEXT, re.MULTILINE)
    bot_id = re.search(r"^bot:\n\s+id:\s*'?([^'\s]+)'?", CONFIG_TEXT, re.MULTILINE)
    assert bot_id is not None
    values.append(bot_id.group(1))

    assert len(values) == 1 + 6 + 1 + 1  # tenant, current user and five others, team, bot
    assert [v for v in values if not re.fullmatch(GUID_PATTERN, v)] == []
    assert len(set(values)) == len(values)


def test_the_committed_claim_is_for_the_configured_tenant_and_user() -> None:
    ids = run.read_teams_ids(CONFIG_TEXT)
    claim = json.loads(run.CLAIM_FILE.read_text(encoding="utf-8"))

    assert claim["customer_tenant_id"] == ids.tenant_id
    [contact] = claim["contacts"]
    assert (contact["name"], contact["email"], contact["aad_object_id"]) == (
        ids.user_name,
        ids.user_email,
        ids.user_aad_object_id,
    )


def test_make_playground_installs_what_it_needs_before_starting() -> None:
    """`make -n -B`: every stamp counts as out of date, and nothing runs but the listing."""
    result = subprocess.run(  # noqa: S603 - make from PATH on this repository's Makefile, no shell
        ["make", "-n", "-B", "--no-print-directory", "playground"],  # noqa: S607 - make is a prerequisite
        cwd=REPO_ROOT,
        env=_make_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    lines = result.stdout.splitlines()

    def position(fragment: str) -> int:
        found = [i for i, line in enumerate(lines) if fragment in line]
        assert found, f"make playground does not run {fragment!r}:\n{result.stdout}"
        return found[0]

    launch = position("playground/run.py")
    for step in (
        "-m venv .venv",
        "pip install",
        "touch .venv/.installed",
        "npm ci",
        "touch node_modules/.installed",
    ):
        assert position(step) < launch, result.stdout


def test_make_playground_without_node_names_the_packages(tmp_path: Path) -> None:
    make = shutil.which("make")
    assert make is not None, "make is a prerequisite of this repository"
    shutil.copy(REPO_ROOT / "Makefile", tmp_path / "Makefile")
    for source in ("pyproject.toml", "package.json", "package-lock.json"):
        (tmp_path / source).touch()
    for stamp in (".venv/.installed", "node_modules/.installed"):
        (tmp_path / stamp).parent.mkdir()
        (tmp_path / stamp).touch()
        os.utime(tmp_path / stamp, (1e10, 1e10))  # newer than its sources: nothing to install
    only_make = tmp_path / "bin"
    only_make.mkdir()
    (only_make / "make").symlink_to(make)

    result = subprocess.run(  # noqa: S603 - make on a copy of the Makefile, no shell
        [make, "playground"],
        cwd=tmp_path,
        env={**_make_env(), "PATH": str(only_make)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode != 0
    assert "sudo apt-get install nodejs npm" in result.stderr, result.stderr
    assert "npm ci" not in result.stdout


def test_the_launcher_without_node_names_the_packages(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - the launcher under test, no shell
        [sys.executable, str(LAUNCHER_PATH), "--log-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        env={**os.environ, "PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 1
    assert "`node` is not installed" in result.stderr
    assert "sudo apt-get install nodejs npm" in result.stderr
    assert "open http://" not in result.stdout
