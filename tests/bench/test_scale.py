"""The scale benchmark stays runnable: a short run on each engine, checked for its report's shape and
for every answer being right (no speed is asserted here)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.bench.test_benchmarks import run_json

pytestmark = pytest.mark.slow

KINDS = {"list_first", "list_deep", "claims_command", "notify", "metrics"}
HOT_QUERIES = {
    "lease: due deliveries",
    "start: mark started",
    "finish: fenced rows",
    "GET /api/claims: first page",
    "GET /api/claims: deep page",
    "Teams claims: a tenant's claims",
    "Teams message: release waiting deliveries",
    "notify: contact's chat",
    "notify: contact's chat, email only",
    "metrics: outbox counts",
}


def check_report(result: dict[str, Any], store: str, claims: int, requests: int) -> None:
    assert result["store"] == store
    assert result["claims"] == claims and result["requests"] == requests
    fills = result["fill"]
    assert set(fills) == {"anchor", "big"}
    big = fills["big"]
    assert big["claims"] == claims
    assert big["contacts"] == 2 * claims
    assert big["references"] == claims
    assert 0 < big["deliveries"] < 2 * claims  # the probe's claims are not notified yet
    assert fills["anchor"]["claims"] < claims
    for label, run in result["runs"].items():
        assert label in ("anchor", "big")
        assert run["failures"] == dict.fromkeys(KINDS, 0), (label, run["failures"])
        assert set(run["ms"]) == KINDS
        for row in run["ms"].values():
            assert set(row) == {"p50", "p99", "max"} and 0 < row["p50"] <= row["p99"] <= row["max"]
        assert 0 < run["start_s"]["healthz"] <= run["start_s"]["readyz"]
        assert 0 < run["rss_mb"] <= run["peak_rss_mb"]
    ratios = result["ratio"]
    assert set(ratios) == {f"{kind}_p99" for kind in KINDS} | {"start_healthz", "start_readyz", "peak_rss"}
    assert all(isinstance(value, float | int) and value > 0 for value in ratios.values())
    assert set(result["met"]) == {
        "start_healthz",
        "peak_rss",
        "list_first",
        "list_deep",
        "claims_command",
        "notify",
        "plans_use_indexes",
    }
    plans = result["plans"]
    assert HOT_QUERIES <= set(plans)
    for plan in plans.values():
        assert plan["plan"] and all(isinstance(line, str) for line in plan["plan"])
        assert isinstance(plan["full_scans"], list)


def test_scale_benchmark_on_sqlite_reports_its_figures() -> None:
    result = run_json("scale.py", "--store", "sqlite", "--claims", "600", "--requests", "10")
    check_report(result, "sqlite", 600, 10)
    assert any("USING" in line for line in result["plans"]["lease: due deliveries"]["plan"])
    # The contact's chat: each index searched by the tenant and the id or the email, not the tenant alone.
    chat = " ".join(result["plans"]["notify: contact's chat"]["plan"])
    assert "conversation_refs_user (tenant_id=? AND aad_object_id=?)" in chat
    assert "conversation_refs_email (tenant_id=? AND email=?)" in chat
    # Start marks and outcomes look their deliveries up by id, not through every one in `sending`.
    for name in ("start: mark started", "finish: fenced rows"):
        plan = " ".join(result["plans"][name]["plan"])
        assert "sqlite_autoindex_deliveries_1 (id=?)" in plan and "status=?" not in plan, (name, plan)
    # Either due index (0001's or 0008's, which leads with the same columns) serves the count.
    counts = " ".join(result["plans"]["metrics: outbox counts"]["plan"])
    assert re.search(r"USING COVERING INDEX deliveries_due(_order)? \(status=\?\)", counts), counts


@pytest.mark.pg
def test_scale_benchmark_on_postgresql_reports_its_figures() -> None:
    result = run_json("scale.py", "--store", "postgresql", "--claims", "600", "--requests", "10")
    check_report(result, "postgresql", 600, 10)
