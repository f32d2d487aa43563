"""The invoke benchmark's other shapes stay runnable: the bot on PostgreSQL, with the card's refresh, next
to both anchors, and the Microsoft 365 Agents SDK echo agent answering with a card. No speed is asserted.

The Agents SDK anchor runs in its own venv (var/bench-agents-venv), built from
bench/agents-requirements.txt with pip on first use, as CI installs everything else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from invoke_agents import AgentsEcho  # noqa: E402 - bench/ is not a package


def test_agents_echo_answers_the_card_action_with_a_card() -> None:
    activity = json.loads((ROOT / "tests/fixtures/activities/invoke_card_action.json").read_text())
    activity["value"]["action"].update(verb="claim.acknowledge", data={"claim_id": "claim-1"})
    agent = AgentsEcho()
    try:
        assert agent.poll(60), "the echo agent did not start"
        url = agent.recv()
        assert isinstance(url, str) and url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(  # noqa: S310 - loopback, our own server
            url, data=json.dumps(activity).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            assert answer.status == 200
            body = json.loads(answer.read())
        assert body["statusCode"] == 200
        assert body["type"] == "application/vnd.microsoft.card.adaptive"
        assert body["value"]["type"] == "AdaptiveCard"
        agent.send("cpu")
        assert isinstance(agent.recv(), float)
    finally:
        agent.close()
    assert agent.process.returncode == 0


@pytest.mark.pg
def test_invoke_on_postgresql_answers_every_click_on_all_three_servers() -> None:
    from tests.postgres import pg_bin

    if pg_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(ROOT / "bench" / "invoke.py")]
        + ["--rates", "20", "--seconds", "0.5", "--store", "postgresql", "--verb", "refresh", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["store"] == "postgresql" and result["verb"] == "claim.refresh"
    for key in ("max_rate", "echo_max_rate", "agents_max_rate", "ratio_to_echo", "ratio_to_agents"):
        assert key in result
    assert set(result["rates"]) == {"bot", "echo", "agents"}
    assert set(result["cpu_ms_per_invoke"]) == {"bot", "echo", "agents"}
    for rows in result["rates"].values():
        (row,) = rows
        assert row["failures"] == 0 and row["answered_per_s"] > 0
        assert row["server_cpu_ms"] is not None and row["server_cpu_ms"] > 0
    (bot,) = result["rates"]["bot"]
    assert bot["database_cpu_ms"] is not None  # the PostgreSQL server's CPU, read from /proc
