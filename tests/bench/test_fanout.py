"""The fan-out benchmark stays runnable in each of its modes: a short run of each, checked for its
report and for every notification delivered once (no speed is asserted here)."""

from __future__ import annotations

import pytest

from tests.bench.test_benchmarks import run_json

COMMON = ("--naive", "3", "--bare", "100", "--count")
REPORT = (
    "delivered_per_s",
    "ratio_to_ceiling",
    "speedup_vs_naive",
    "cpu_ms_per_card",
    "bare_cpu_ms_per_post",
    "cpu_ratio_to_bare",
    "bare_paced_cpu_ms_per_post",
    "cpu_ratio_to_bare_paced",
    "throttled_pct",
    "max_tenant_per_s",
    "peak_rss_mb",
)


def check(result: dict[str, object], *, store: str, tenants: int, workers: int, count: int) -> None:
    for key in REPORT:
        assert isinstance(result[key], int | float), key
    assert (result["store"], result["tenants"], result["workers"]) == (store, tenants, workers)
    assert result["notifications"] == result["delivered"] == count
    assert result["ceiling_per_s"] == 50 * tenants
    assert result["bare_posts"] == 100
    assert result["lost"] == 0 and result["duplicates"] == 0 and result["unknown"] == 0


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_fanout_delivers_every_notification_once(store: str) -> None:
    result = run_json("fanout.py", "--store", store, *COMMON, "150")
    check(result, store=store, tenants=10, workers=1, count=150)


def test_fanout_over_100_tenants_reports_cpu_against_the_bare_loop() -> None:
    result = run_json("fanout.py", "--tenants", "100", *COMMON, "300")
    check(result, store="sqlite", tenants=100, workers=1, count=300)


@pytest.mark.pg
def test_fanout_on_two_worker_processes_reports_each_ones_share() -> None:
    result = run_json(
        "fanout.py", "--store", "postgresql", "--tenants", "100", "--workers", "2", *COMMON, "400"
    )
    check(result, store="postgresql", tenants=100, workers=2, count=400)
    shares, cpu = result["worker_shares"], result["worker_cpu_ms_per_card"]
    assert isinstance(shares, list) and isinstance(cpu, list) and len(shares) == len(cpu) == 2
    assert result["unattributed"] == 0 and sum(shares) == pytest.approx(1.0, abs=0.01)
    assert isinstance(result["wall_seconds"], float)
