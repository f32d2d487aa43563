"""The bot's store for `bench/invoke.py`: SQLite in a temporary folder, or a throwaway PostgreSQL server
on loopback started as the tests start one (tests/postgres.py), with a reader of that server's CPU time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path


def postgres_cpu(port: int) -> Callable[[], float]:
    """CPU seconds of the PostgreSQL server on `port`: its postmaster and every live backend (the bot's
    pooled connections stay open, so none of their time is lost with an exited process)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def stat(pid: str) -> list[str]:
        text = Path(f"/proc/{pid}/stat").read_text()
        return text[text.rindex(")") + 2 :].split()  # after "pid (comm) "; field 3 (state) is [0]

    def cmdline(pid: str) -> bytes:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # gone meanwhile
            return b""

    def read() -> float:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        postmaster = next(p for p in pids if f"\0-p\0{port}\0".encode() in cmdline(p))
        total = 0
        for pid in pids:
            try:
                fields = stat(pid)
            except OSError:  # gone meanwhile
                continue
            if pid == postmaster or fields[1] == postmaster:  # [1]: the parent's pid
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    return read


def bot_database(store: str, stack: ExitStack, folder: str) -> tuple[str, Callable[[], float] | None]:
    """The bot's DATABASE_URL, and a reader of the database server's CPU time when it has one."""
    if store == "sqlite":
        return f"sqlite:///{folder}/bot.db", None  # in the bot's own process, counted with it
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.postgres import postgres_server

    server = stack.enter_context(postgres_server())
    return server.create_database(), postgres_cpu(server.port)
