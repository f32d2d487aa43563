"""The fan-out benchmark's workers: the service's own `DeliveryWorker` in this process, or several
`cpor-bot work` processes on one PostgreSQL database. Each run reports the outbox's final counts, the
seconds it took and the CPU it cost per delivered card (in the worker processes only: not the
database server's, not the fake connector's)."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess  # noqa: S404 - starts this project's own worker command
import sys
import time
from pathlib import Path
from typing import Any

from fanout_support import Database, connector_stats

from bot.delivery.worker import DeliveryWorker, mail_identity
from bot.ops.config import Settings
from bot.ops.heap import freeze_startup_objects
from bot.ops.metrics import Metrics
from bot.store import open_store
from bot.teams.adapter import create_adapter
from bot.teams.connector import ConnectorCardSender

ROOT = Path(__file__).resolve().parent.parent
POLL = 0.1  # how often the outbox is counted to see whether it is empty


def _done(counts: dict[str, int]) -> bool:
    return counts["queued"] == 0 and counts["sending"] == 0


async def run_in_process(url: str) -> dict[str, Any]:
    """The worker as the service runs it, in this process; CPU from `time.process_time`."""
    store = await open_store(url)
    sender = ConnectorCardSender(create_adapter(Settings()), "")
    try:
        freeze_startup_objects()  # as the service does once it is up
        metrics = Metrics()
        worker = DeliveryWorker(
            store, sender, poll_seconds=0.05, mail=mail_identity(Settings()), metrics=metrics
        )
        cpu, start = time.process_time(), time.perf_counter()
        running = asyncio.create_task(worker.run())
        # What is still to go, from the outbox's index (as /metrics counts it): counting the whole
        # table every POLL would be charged to the worker, which shares this process.
        while not _done(await store.outbox_counts()):  # noqa: ASYNC110 - the outbox is in the database
            await asyncio.sleep(POLL)
        cpu, elapsed = time.process_time() - cpu, time.perf_counter() - start
        worker.stop()
        await running
        counts = await store.delivery_counts()
    finally:
        await sender.close()
        await store.close()
    return {
        "counts": counts,
        "seconds": elapsed,  # the caller takes first post to last from the connector
        "wall_seconds": round(elapsed, 2),
        "cpu_ms_per_card": 1000 * cpu / max(counts["sent"], 1),
        "rebooked": int(metrics.registry.get_sample_value("cpor_teams_rebooked_total") or 0),
    }


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _client_ports(pid: int) -> set[int]:
    """The local ports of the TCP connections process `pid` holds open (its HTTP session's)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[9] in inodes:
            ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


async def run_processes(database: Database, service_url: str, workers: int) -> dict[str, Any]:
    """`workers` processes of `cpor-bot work` on one database, stopped with SIGTERM once the outbox is
    empty. CPU counts from the connector's first post (not the processes' start-up); each worker's
    share is read from which of its connections carried each post."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "SMTP_"))},
        "DATABASE_URL": database.url,
        "DELIVERY_POLL_SECONDS": "0.05",
        "MAIL_OUTBOX_DIR": str(Path(database.folder) / "outbox"),
        "LINK_KEYS": secrets.token_hex(32),
        "LOG_LEVEL": "WARNING",
    }
    store = await open_store(database.url)
    logs = [(Path(database.folder) / f"worker{i}.log").open("wb") for i in range(workers)]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(  # noqa: S603, ASYNC220 - our own command; the loop must keep serving
            [sys.executable, "-m", "bot.ops.cli", "work"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        for log in logs
    ]
    try:
        deadline = time.perf_counter() + 60
        while (await connector_stats(service_url))["accepted"] == 0:
            if time.perf_counter() > deadline:
                raise RuntimeError("the workers did not start sending")
            await asyncio.sleep(0.05)
        cpu_from = [_cpu_seconds(p.pid) for p in processes]
        while not _done(await store.outbox_counts()):  # noqa: ASYNC110 - the outbox is in the database
            await asyncio.sleep(POLL)
        wall = time.perf_counter() - started
        cpu = [_cpu_seconds(p.pid) - before for p, before in zip(processes, cpu_from, strict=True)]
        rss = max(_peak_rss_kb(p.pid) for p in processes)
        ports = [_client_ports(p.pid) for p in processes]
        stats = await connector_stats(service_url)
        counts = await store.delivery_counts()
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
        await store.close()
    peers = {int(port): n for port, n in stats["peers"].items()}
    sent_by = [sum(n for port, n in peers.items() if port in mine) for mine in ports]
    delivered = max(counts["sent"], 1)
    return {
        "counts": counts,
        "seconds": wall,  # the caller takes first post to last from the connector
        "wall_seconds": round(wall, 2),
        "cpu_ms_per_card": 1000 * sum(cpu) / delivered,
        "worker_cpu_ms_per_card": [round(1000 * c / max(n, 1), 3) for c, n in zip(cpu, sent_by, strict=True)],
        "worker_shares": [round(n / delivered, 3) for n in sent_by],
        "unattributed": counts["sent"] - sum(sent_by),
        "worker_rss_kb": rss,
    }
