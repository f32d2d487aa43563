"""Child processes for the e2e tests: started on loopback, logged to a file, checked to listen only on
127.0.0.1, waited for over HTTP, and stopped with SIGTERM, then SIGKILL."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 20.0
STOP_GRACE = 5.0


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 150) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    kept = [line if len(line) <= 2000 else line[:2000] + " …" for line in text.splitlines()[-lines:]]
    return "\n".join(kept) if kept else "(empty log)"


@dataclass
class ManagedProcess:
    """A child process with its output in a log file; stopped with SIGTERM, then SIGKILL after 5 s."""

    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    log_path: Path
    extra_logs: list[Path] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv built by the e2e fixtures, no shell
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        LIVE_PROCESSES.append(self)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def log(self, lines: int = 150) -> str:
        return tail(self.log_path, lines)

    def fail(self, message: str) -> NoReturn:
        pytest.fail(f"{message}\n----- {self.name} log ({self.log_path}) -----\n{self.log()}", pytrace=False)

    def stop(self) -> None:
        with contextlib.suppress(ValueError):
            LIVE_PROCESSES.remove(self)
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session, started above
            self.proc.wait(timeout=STOP_GRACE)


LIVE_PROCESSES: list[ManagedProcess] = []


def _listening_addresses(pid: int) -> set[tuple[str, int]] | None:
    """(address, port) of the TCP sockets `pid` listens on, from /proc; None where /proc is unavailable."""
    try:
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        found = set()
        for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
            with open(table, encoding="ascii") as rows:
                for row in list(rows)[1:]:
                    cols = row.split()
                    if cols[3] != "0A" or cols[9] not in inodes:  # 0A = LISTEN
                        continue
                    addr_hex, port_hex = cols[1].split(":")
                    if width == 8:
                        addr = socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr_hex)[::-1])
                    else:
                        raw = b"".join(bytes.fromhex(addr_hex[i : i + 8])[::-1] for i in range(0, 32, 8))
                        addr = socket.inet_ntop(socket.AF_INET6, raw)
                    found.add((addr, int(port_hex, 16)))
        return found
    except OSError:
        return None


def assert_loopback_only(process: ManagedProcess) -> None:
    """Fail unless every TCP socket the process listens on is bound to 127.0.0.1."""
    listening = _listening_addresses(process.pid)
    if listening is None:
        return
    exposed = sorted(a for a in listening if a[0] != HOST)
    if exposed:
        process.fail(f"{process.name} listens on non-loopback addresses: {exposed}")


def _http_get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_for_http(
    process: ManagedProcess, port: int, path: str, deadline: float, expect: bytes = b""
) -> None:
    last = "no answer yet"
    while time.monotonic() < deadline:
        if (code := process.exited()) is not None:
            process.fail(f"{process.name} exited with status {code} before GET {path} answered")
        try:
            status, body = _http_get(port, path)
        except OSError as exc:
            last = repr(exc)
        else:
            if status == 200 and expect in body:
                return
            last = f"HTTP {status}: {body[:200]!r}"
        time.sleep(0.1)
    process.fail(
        f"{process.name}: GET http://{HOST}:{port}{path} not ready within {STARTUP_TIMEOUT:.0f} s ({last})"
    )


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("MicrosoftAppType", "MicrosoftAppTenantId", "PORT", "HOST", "DATABASE_URL"):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    return env
