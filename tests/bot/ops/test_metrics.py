"""Metrics while the store is down: the counters are still served, at once, and the outage is shown
(`cpor_store_up 0`, no outbox counts) rather than a hang and a 500 that lose every counter."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.metrics import Metrics
from bot.ops.state import METRICS
from bot.store.sqlite import SqliteStore
from tests.bot.ops.outage_support import service_on_own_postgresql

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def outbox(found: Samples) -> dict[str, float]:
    return {
        dict(labels)["status"]: value
        for (name, labels), value in found.items()
        if name == "cpor_outbox_deliveries"
    }


THROTTLED = ("cpor_teams_throttled_total", ())
STORE_UP = ("cpor_store_up", ())


@pytest.mark.pg
async def test_metrics_keep_their_counters_while_postgresql_is_stopped(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with service_on_own_postgresql(aiohttp_client, tmp_path) as (client, stop_postgresql):
        metrics = client.app[METRICS]
        metrics.store_timeout = 1.0  # the bound the service gives the store (3 s), shorter for the test
        metrics.throttled.inc(2)  # what the process counted before the outage
        before = samples(await (await client.get("/metrics")).text())
        assert before[THROTTLED] == 2
        assert outbox(before) == {"waiting": 0, "queued": 0, "sending": 0, "unknown": 0}

        stop_postgresql()  # PostgreSQL stopped (immediate shutdown), its data gone with it
        for _ in range(2):  # the pool's connection is broken at the first scrape, gone at the second
            answer = await client.get("/metrics")
            assert answer.status == 200
            during = samples(await answer.text())
            assert during[STORE_UP] == 0 and during[THROTTLED] == 2
            assert outbox(during) == {}  # no stale counts passed off as today's
            assert ("cpor_retention_deleted_total", (("kind", "claims"),)) in during
    assert before[STORE_UP] == 1  # (read last: the outage above is the point)
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.ops.metrics"]
    assert warnings and all(w.startswith("metrics: the store did not count the outbox: ") for w in warnings)


async def test_a_store_that_fails_costs_the_outbox_gauge_only_and_it_comes_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    metrics.throttled.inc()
    broken = await SqliteStore.open_file(str(tmp_path / "bot.db"))
    await broken.close()  # a store whose connection is gone
    with caplog.at_level(logging.WARNING, logger="bot.ops.metrics"):
        down = samples((await metrics.render(broken)).decode())
    assert down[STORE_UP] == 0 and down[THROTTLED] == 1 and outbox(down) == {}
    assert [r.getMessage() for r in caplog.records] == [
        "metrics: the store did not count the outbox: ValueError"
    ]

    store = await SqliteStore.open_file(str(tmp_path / "bot.db"))
    try:
        up = samples((await metrics.render(store)).decode())
    finally:
        await store.close()
    assert up[STORE_UP] == 1 and up[THROTTLED] == 1
    assert outbox(up) == {"waiting": 0, "queued": 0, "sending": 0, "unknown": 0}
