"""GET /metrics: Prometheus text with delivery outcomes, the outbox by status and send latency."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.state import WORKER
from bot.store import PurgeCounts, Store
from tests.support import first_contact_in_teams


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_count_deliveries_and_read_the_outbox(
    client: TestClient[Any, Any], store: Store, auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    await store.save_reference(first_contact_in_teams(claim_body))
    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    await client.post(f"/api/claims/{claim['id']}/notifications", json={"channel": "teams"}, headers=auth)

    before = samples(await (await client.get("/metrics")).text())
    assert before[("cpor_outbox_deliveries", (("status", "queued"),))] == 1
    assert before[("cpor_outbox_deliveries", (("status", "waiting"),))] == 1

    await client.app[WORKER].run_once()
    resp = await client.get("/metrics")
    assert resp.status == 200 and resp.content_type == "text/plain"
    after = samples(await resp.text())
    sent = ("cpor_deliveries_total", (("channel", "teams"), ("kind", "claim"), ("outcome", "sent")))
    assert after[sent] == 1
    outbox = {
        dict(labels)["status"]: value
        for (name, labels), value in after.items()
        if name == "cpor_outbox_deliveries"
    }
    # The gauge is the outbox's open work and the unknown; what was sent is the counter's to count.
    assert outbox == {"waiting": 1, "queued": 0, "sending": 0, "unknown": 0}
    assert after[("cpor_delivery_send_seconds_count", (("channel", "teams"),))] == 1
    assert "megan" not in (await (await client.get("/metrics")).text()).lower()


async def test_metrics_show_what_retention_deleted_by_kind_from_the_start(
    client: TestClient[Any, Any],
) -> None:
    found = samples(await (await client.get("/metrics")).text())
    retention = {
        labels: value for (name, labels), value in found.items() if name == "cpor_retention_deleted_total"
    }
    assert retention == {(("kind", kind),): 0.0 for kind in PurgeCounts().by_kind()}
    assert {"claims", "contacts", "deliveries", "responses", "audit_entries"} <= set(PurgeCounts().by_kind())
