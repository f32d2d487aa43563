"""The web page benchmark stays runnable: a short run, checked for its report and for every answer
being the page itself (no speed is asserted here)."""

from __future__ import annotations

import pytest

from tests.bench.test_benchmarks import run_json


@pytest.mark.parametrize(("page", "path"), [("claim", "/c/{token}"), ("privacy", "/privacy")])
def test_web_benchmark_reports_server_time_and_weight(page: str, path: str) -> None:
    result = run_json("web.py", "--page", page, "--requests", "30")
    assert result["page"] == path
    assert result["requests"] == 30
    assert result["failures"] == {"page": 0, "static": 0}
    assert str(result["content_type"]).startswith("text/html")
    for key in ("server_ms", "round_trip_ms"):
        timings = result[key]
        assert isinstance(timings, dict) and set(timings) == {"page", "static"}
        for row in timings.values():
            assert set(row) == {"p50", "p99"} and 0 < row["p50"] <= row["p99"]
    for key in ("ratio_p50_to_static", "ratio_p99_to_static"):
        ratio = result[key]
        assert isinstance(ratio, float) and ratio > 0
    weight = result["weight"]
    assert isinstance(weight, dict)
    assert weight["total_bytes"] == weight["html_bytes"] + weight["stylesheet_bytes"]
    assert 0 < weight["inline_style_bytes"] < weight["html_bytes"]
    assert 0 < weight["total_gzip_bytes"] < weight["total_bytes"]
