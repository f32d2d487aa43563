"""The folder tree is the architecture: the import rules `make lint` checks cover every package,
including ones added later, and they fail when broken."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import grimp

ROOT = Path(__file__).resolve().parents[1]
SDK = {"botbuilder", "botframework", "msrest"}


def contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {c["name"]: c for c in config["contracts"]}


def test_every_package_but_teams_is_kept_from_the_sdk() -> None:
    graph = grimp.build_graph("bot", "cards")
    packages = {m for m in graph.modules if m.count(".") == 1 and m.startswith("bot.")} - {"bot.teams"}
    sdk_rule = contracts()["Only bot.teams talks to the Bot Framework SDK"]
    assert set(sdk_rule["forbidden_modules"]) == SDK
    assert packages | {"cards"} <= set(sdk_rule["source_modules"])


# Pure libraries the domain may use: they compute, and do no I/O the way the domain calls them.
PURE_LIBRARIES = {"email_validator"}


def test_the_domain_imports_only_the_standard_library_and_pure_libraries() -> None:
    graph = grimp.build_graph("bot", "cards", include_external_packages=True)
    imported = {
        target.split(".")[0]
        for module in graph.modules
        if module == "bot.domain" or module.startswith("bot.domain.")
        for target in graph.find_modules_directly_imported_by(module)
    }
    assert imported - {"bot"} <= set(sys.stdlib_module_names) | {"__future__"} | PURE_LIBRARIES
    assert {m for m in graph.modules if m.startswith("bot.domain.")} >= {"bot.domain.claims"}


def test_lint_fails_when_a_module_outside_teams_imports_the_sdk(tmp_path: Path) -> None:
    for name in ("bot", "cards"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    lint_imports = Path(sys.executable).with_name("lint-imports")

    def lint() -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own venv's tool on a copy of our tree
            [str(lint_imports), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, check=False
        )

    clean = lint()
    assert clean.returncode == 0, clean.stdout
    (tmp_path / "bot" / "mail" / "sneaky.py").write_text("from botbuilder.core import TurnContext\n")
    broken = lint()
    assert broken.returncode != 0
    assert "bot.mail.sneaky -> botbuilder" in broken.stdout
