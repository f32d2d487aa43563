"""Which environment variables the service reads, found in the source of bot/ops/config.py."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "bot" / "ops" / "config.py"
GETTER = "get"


def names_read(source: str) -> set[str]:
    """String constants passed as the name to `get(NAME, ...)`, or as the second argument of any
    helper that is handed the getter first (`_port(get, "PORT", 3978)`, and helpers added later)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if isinstance(node.func, ast.Name) and node.func.id == GETTER:
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
        elif isinstance(first, ast.Name) and first.id == GETTER and len(node.args) > 1:
            second = node.args[1]
            if isinstance(second, ast.Constant) and isinstance(second.value, str):
                found.add(second.value)
    return found


def service_settings() -> set[str]:
    return names_read(CONFIG.read_text(encoding="utf-8"))


def environment_reads(source: str) -> set[str]:
    """Names read straight from the environment: os.environ.get("X"), os.environ["X"], os.getenv("X")."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            func = ast.unparse(node.func)
            if func in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("os.environ", "environ"):
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.add(key.value)
    return found
