"""The Microsoft 365 Agents SDK anchor of `bench/invoke.py`: its environment and its server process.

The SDK is not one of the bot's dependencies, so the echo agent (bench/agents_echo.py) runs on its own
interpreter: a venv under var/, built from bench/agents-requirements.txt with pip the first time (and
again when that file changes), under a lock so that two runs do not build it at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import select
import shutil
import subprocess  # noqa: S404 - runs our own venv's pip and python with fixed arguments
import sys
import venv
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REQUIREMENTS = BENCH / "agents-requirements.txt"
AGENT = BENCH / "agents_echo.py"
VENV = BENCH.parent / "var" / "bench-agents-venv"
PIP_SECONDS = 600


def _python() -> Path:
    return VENV / "bin" / "python"


def agents_python() -> Path:
    """The agents environment's interpreter, built first if missing or out of date."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = VENV / ".requirements-sha256"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / "bench-agents-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == digest and _python().exists():
            return _python()
        shutil.rmtree(VENV, ignore_errors=True)
        print("building the Agents SDK environment in", VENV, file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
        installed = subprocess.run(  # noqa: S603 - fixed arguments
            [str(_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            + ["--requirement", str(REQUIREMENTS)],
            capture_output=True,
            text=True,
            timeout=PIP_SECONDS,
        )
        if installed.returncode != 0:
            sys.stderr.write(installed.stdout + installed.stderr)
            raise RuntimeError("pip could not build the Agents SDK environment")
        stamp.write_text(digest)
    return _python()


class AgentsEcho:
    """The echo agent's process; `send`, `poll` and `recv` as a multiprocessing connection's."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own script on our own venv
            [str(agents_python()), str(AGENT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
        )

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def poll(self, timeout: float) -> bool:
        assert self.process.stdout is not None
        return bool(select.select([self.process.stdout], [], [], timeout)[0])

    def recv(self) -> str | float:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line:
            raise EOFError("the Agents SDK echo agent stopped")
        return line if line.startswith("http") else float(line)

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send("stop")
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.terminate()
                self.process.wait()
