"""The launcher, playground/run.py, loaded from its path: a plain `import playground` can find
tests/e2e/playground.py instead once pytest has put tests/e2e on sys.path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

LAUNCHER_PATH = Path(__file__).resolve().parents[2] / "playground" / "run.py"

_spec = importlib.util.spec_from_file_location("playground_launcher", LAUNCHER_PATH)
assert _spec is not None and _spec.loader is not None
run = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = run  # its dataclasses look their module up while being built
_spec.loader.exec_module(run)
