"""The benchmarks stay runnable: a short run of each, checked for its report and for correctness
(no speed is asserted here; `bench/` measures speed, on purpose outside the test run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_json(script: str, *args: str) -> dict[str, object]:
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(ROOT / "bench" / script), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_invoke_answers_every_click_on_both_bots() -> None:
    result = run_json("invoke.py", "--rates", "20", "--seconds", "0.5")
    for key in ("p50_ms", "p99_ms", "max_rate", "ratio_to_echo"):
        assert key in result
    rows = result["rates"]
    assert isinstance(rows, dict)
    for who in ("bot", "echo"):
        (row,) = rows[who]
        assert row["failures"] == 0 and row["answered_per_s"] > 0
