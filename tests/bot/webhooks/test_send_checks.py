"""Before every POST the destination is checked again and the connection pinned to the checked
address; the partner's delivery log says how it went in a few coarse words."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import pytest

from bot.ops.metrics import Metrics
from bot.store import Store
from bot.webhooks.resolver import Resolve, check_destination
from bot.webhooks.worker import SendLimits
from tests.bot.webhooks.support import (
    PUBLIC,
    SECRET,
    T0,
    ScriptedDns,
    certificate_for,
    closed_port,
    endpoint,
    partner_with_webhook,
    queue_events,
    silent_endpoint,
    the_event,
    worker,
)

QUICK = SendLimits(connect_seconds=0.5, total_seconds=0.5)


async def send_one(
    store: Store,
    url: str,
    *,
    allow_loopback: bool,
    resolve: Resolve | None = None,
    limits: SendLimits = SendLimits(),  # noqa: B008 - frozen
    tls: ssl.SSLContext | None = None,
    metrics: Metrics | None = None,
) -> str:
    """Queue one event for a partner whose webhook is `url`, run a pass; the partner's id."""
    partner_id = await partner_with_webhook(store, "Contoso Partners", url)
    await queue_events(store, partner_id, "Contoso Partners", 1, T0)
    sender = worker(
        store, allow_loopback=allow_loopback, resolve=resolve, limits=limits, tls=tls, metrics=metrics
    )
    assert await sender.run_once() == 1
    return partner_id


# Each points at this machine or the metadata service, through the name or the address; the port is
# that of an endpoint on 127.0.0.1 that counts connections, so a POST that got through would show.
ATTACKS = [
    "https://ｌｏｃａｌｈｏｓｔ:{port}/hook",
    "https://0x7f000001:{port}/hook",
    "https://2852039166/hook",
    "https://0xa9fea9fe/hook",
    "https://localhost.:{port}/hook",
    "https://api.localhost:{port}/hook",
    "https://100.64.0.1/hook",
    "https://127.0.0.1:{port}/hook",
    "https://[::ffff:127.0.0.1]:{port}/hook",
    "https://loopback.partner.example:{port}/hook",
    "https://metadata.partner.example/hook",
    "https://mapped.partner.example:{port}/hook",
    "https://nat64.partner.example/hook",
]
ATTACKERS_DNS = {
    "loopback.partner.example": [["127.0.0.1"]],
    "metadata.partner.example": [["169.254.169.254"]],
    "mapped.partner.example": [["::ffff:127.0.0.1"]],
    "nat64.partner.example": [["64:ff9b::a9fe:a9fe"]],
}


@pytest.mark.parametrize("url", ATTACKS)
async def test_refused_at_send_time_without_connecting(store: Store, url: str) -> None:
    async with silent_endpoint() as listener:
        partner_id = await send_one(
            store, url.format(port=listener.port), allow_loopback=False, resolve=ScriptedDns(ATTACKERS_DNS)
        )
        assert listener.connections == 0
    event = await the_event(store, partner_id)
    assert event.last_error is not None and ": refused: the " in event.last_error
    assert event.status in ("queued", "failed") and event.last_status_code is None


@pytest.mark.parametrize("rebound_to", ["127.0.0.1", "::1", "169.254.169.254", "10.0.0.7"])
@pytest.mark.parametrize("allow_loopback", [False, True])
async def test_dns_rebinding_after_registration_is_refused_without_connecting(
    store: Store, rebound_to: str, allow_loopback: bool
) -> None:
    dns = ScriptedDns({"hooks.partner.example": [[PUBLIC], [rebound_to]]})
    async with silent_endpoint() as listener:
        url = f"https://hooks.partner.example:{listener.port}/hook"
        assert await check_destination(url, allow_loopback=allow_loopback, resolve=dns) == url
        partner_id = await send_one(store, url, allow_loopback=allow_loopback, resolve=dns)
        assert listener.connections == 0
    assert dns.asked == ["hooks.partner.example", "hooks.partner.example"]
    event = await the_event(store, partner_id)
    assert event.last_error == "attempt 1: refused: the host name has no public address; will retry"


async def test_the_post_goes_to_the_address_that_was_checked(store: Store) -> None:
    # The system would resolve localhost to 127.0.0.1; the checked answer is 127.0.0.2, where the
    # partner's endpoint listens: the POST arriving there shows the connection used the checked address.
    dns = ScriptedDns({"localhost": [["127.0.0.2"]]})
    async with endpoint(host="127.0.0.2") as partner:
        partner_id = await send_one(
            store, f"http://localhost:{partner.port}/hook", allow_loopback=True, resolve=dns
        )
    assert dns.asked == ["localhost"]  # resolved once, for the connection itself
    (post,) = partner.received
    assert post["headers"]["Host"] == f"localhost:{partner.port}"
    assert (await the_event(store, partner_id)).status == "sent"


async def test_tls_verifies_the_certificate_for_the_host_name(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The certificates name a host and no address: they verify only against the name.
    good, wrong = certificate_for("localhost"), certificate_for("hooks.partner.example")
    dns = ScriptedDns({"localhost": [["127.0.0.1"]]})
    async with endpoint(tls=good.server_context(tmp_path)) as partner:
        url = f"https://localhost:{partner.port}/hook"
        partner_id = await send_one(store, url, allow_loopback=True, resolve=dns, tls=good.client_context())
    assert len(partner.received) == 1
    assert (await the_event(store, partner_id)).status == "sent"

    caplog.set_level(logging.INFO, logger="bot.webhooks")
    async with endpoint(tls=wrong.server_context(tmp_path)) as impostor:
        url = f"https://localhost:{impostor.port}/hook"
        other = await partner_with_webhook(store, "Northwind Advisors", url)
        await queue_events(store, other, "Northwind Advisors", 1, T0)
        await worker(store, allow_loopback=True, resolve=dns, tls=wrong.client_context()).run_once()
    assert impostor.received == []
    assert (await the_event(store, other)).last_error == "attempt 1: could not connect; will retry"
    assert "certificate verify failed" in caplog.text


@pytest.mark.parametrize(
    ("where", "shown"),
    [
        ("closed", "attempt 1: could not connect; will retry"),
        ("silent", "attempt 1: timed out; will retry"),
        ("busy", "attempt 1: HTTP 503; will retry"),
        ("unresolvable", "attempt 1: refused: the host name has no public address; will retry"),
        ("private", "attempt 1: refused: the host name has no public address; will retry"),
        (
            "literal",
            "gave up after 1 attempt(s): refused: the URL " + "must not point at a private, "
            "loopback, link-local or otherwise non-public address",
        ),
    ],
)
async def test_the_partner_sees_a_coarse_outcome_and_the_operator_the_detail(
    store: Store, caplog: pytest.LogCaptureFixture, where: str, shown: str
) -> None:
    caplog.set_level(logging.INFO, logger="bot.webhooks")
    dns = ScriptedDns({"private.partner.example": [["192.168.1.20"]]})
    metrics = Metrics()
    token = "partner-path-token-5150"
    async with silent_endpoint() as silent, endpoint() as busy:
        busy.answers = [503]
        url = {
            "closed": f"http://127.0.0.1:{closed_port()}/hook",
            "silent": f"http://127.0.0.1:{silent.port}/hook",
            "busy": f"http://127.0.0.1:{busy.port}/hook",
            "unresolvable": "https://nowhere.partner.example/hook",
            "private": "https://private.partner.example/hook",
            "literal": "https://10.0.0.5/hook",
        }[where]
        partner_id = await send_one(
            store, f"{url}?token={token}", allow_loopback=True, resolve=dns, limits=QUICK, metrics=metrics
        )
    assert (await the_event(store, partner_id)).last_error == shown
    outcome = "failed" if shown.startswith("gave up") else "retry"
    assert metrics.registry.get_sample_value("cpor_webhook_posts_total", {"outcome": outcome}) == 1

    (record,) = [r for r in caplog.records if r.name == "bot.webhooks.worker" and r.levelno == logging.INFO]
    detail = record.getMessage()
    assert {
        "closed": "ClientConnectorError",
        "silent": "TimeoutError",
        "busy": "HTTP 503",
        "unresolvable": "nowhere.partner.example does not resolve",
        "private": "resolved to 192.168.1.20",
        "literal": "URL refused",
    }[where] in detail
    assert token not in caplog.text and SECRET not in caplog.text and '"n":0' not in caplog.text


async def test_a_success_is_sent_and_counted(store: Store) -> None:
    metrics = Metrics()
    async with endpoint() as partner:
        partner_id = await send_one(
            store, f"http://127.0.0.1:{partner.port}/hook", allow_loopback=True, metrics=metrics
        )
    assert len(partner.received) == 1
    event = await the_event(store, partner_id)
    assert (event.status, event.last_status_code, event.last_error) == ("sent", 204, None)
    assert metrics.registry.get_sample_value("cpor_webhook_posts_total", {"outcome": "sent"}) == 1
