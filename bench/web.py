"""What a page for people costs the server, and how heavy it is.

    python bench/web.py                   # a table
    python bench/web.py --json            # one JSON object
    python bench/web.py --requests 5000   # more requests (default 2,000 of each)
    python bench/web.py --page privacy    # the privacy notice instead of a claim page

The service (`create_app`, SQLite in a temporary folder) answers on a loopback port in this process.
The page measured is a contact's own, `/c/{token}`, for a claim made through the partner API (the
sample claim: three services, two contacts, a message and a reference) and a link signed by the
app's signer; it reads the claim, its partner and its answers from the store on each request. The
baseline, measured in the same run on the same app, is the same bytes as a static file
(`web.FileResponse`, served by a route only this benchmark's app instance has; aiohttp opens and
reads a file in a worker thread): "x static" is the page's server time over the file's.

Requests go one at a time, page and static file in turn, after a warm-up of 100 each. *Server time*
is aiohttp's own (the time its access logger is given): from the request read to the whole response
written to the connection. The round trip (this process's client included) is shown for context.
Page weight is the page's bytes and its style sheets' (inline or linked; no fonts or images: the
pages have none), as sent and gzip-compressed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import json
import platform
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere in the checkout

from app import create_app  # noqa: E402 - after the path set-up
from bot.ops.config import Settings  # noqa: E402
from bot.ops.state import STORE  # noqa: E402
from bot.web.links import LINKS  # noqa: E402
from tests.support import load_fixture, make_key  # noqa: E402

STATIC_PATH = "/bench-static/page.html"
WARM_UP = 100
BENCH_LINK_KEY = "bench-web-link-key-" + "0123456789abcdef" * 3  # signs this run's links only
_STYLESHEET_LINK = re.compile(r"<link\b[^>]*\brel=\"?stylesheet\"?[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"\bhref=\"([^\"]+)\"", re.IGNORECASE)
_INLINE_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(_percentile(values, 0.5), 3), "p99": round(_percentile(values, 0.99), 3)}


class ServerClock:
    """The server's own time for each request, by path: aiohttp hands its access logger the time from
    the request read to the response written and finished (a file's reading and sending included).
    The service's own access line is left out, for the page and the file alike."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)

    def access_log_class(self) -> type[AbstractAccessLogger]:
        clock = self

        class Recorder(AbstractAccessLogger):
            def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
                clock.times[request.rel_url.path].append(time * 1000)

        return Recorder


async def _claim_page_path(session: ClientSession, server: TestServer) -> str:
    """A claim made through the partner API, and its first contact's own link."""
    key = await make_key(server.app[STORE])
    headers = {"Authorization": f"Bearer {key}"}
    async with session.post(
        server.make_url("/api/claims"), json=load_fixture("claim_create.json"), headers=headers
    ) as response:
        claim = await response.json()
        if response.status != 201:
            raise RuntimeError(f"POST /api/claims: {response.status} {claim}")
    contact_id = claim["contacts"][0]["id"]
    token = server.app[LINKS].token_for(claim["id"], contact_id, dt.datetime.now(dt.UTC))
    return f"/c/{token}"


async def _weight(session: ClientSession, server: TestServer, html: bytes) -> dict[str, int]:
    """The page and its style sheets in bytes, as sent and gzip-compressed (level 6)."""
    text = html.decode("utf-8")
    sheets = b""
    for tag in _STYLESHEET_LINK.findall(text):
        href = _HREF.search(tag)
        if href is None:
            continue
        async with session.get(server.make_url(href.group(1))) as response:
            if response.status != 200:
                raise RuntimeError(f"style sheet {href.group(1)}: {response.status}")
            sheets += await response.read()
    inline = sum(len(style.encode("utf-8")) for style in _INLINE_STYLE.findall(text))
    return {
        "html_bytes": len(html),
        "inline_style_bytes": inline,
        "stylesheet_bytes": len(sheets),
        "total_bytes": len(html) + len(sheets),
        "total_gzip_bytes": len(gzip.compress(html, 6)) + (len(gzip.compress(sheets, 6)) if sheets else 0),
    }


async def measure(page: str, requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/bench.db",
            delivery_poll_seconds=3600,
            mail_outbox_dir=f"{folder}/outbox",
            link_keys=(BENCH_LINK_KEY,),
        )
        app = create_app(settings)
        clock = ServerClock()
        static_file = Path(folder) / "page.html"

        async def static(request: web.Request) -> web.FileResponse:
            return web.FileResponse(static_file)

        app.router.add_get(STATIC_PATH, static)  # the baseline: this app instance only
        server = TestServer(app, host="127.0.0.1")
        await server.start_server(access_log_class=clock.access_log_class())
        try:
            async with ClientSession() as session:
                path = await _claim_page_path(session, server) if page == "claim" else "/privacy"
                async with session.get(server.make_url(path)) as response:
                    html = await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"GET {page} page: {response.status} {html[:300]!r}")
                    content_type = response.headers.get("Content-Type", "")
                static_file.write_bytes(html)
                weight = await _weight(session, server, html)
                targets = {"page": server.make_url(path), "static": server.make_url(STATIC_PATH)}
                round_trips: dict[str, list[float]] = {"page": [], "static": []}
                failures = {"page": 0, "static": 0}
                for index in range(WARM_UP + requests):
                    for label in ("page", "static"):
                        start = time.perf_counter()
                        async with session.get(targets[label]) as response:
                            body = await response.read()
                            ok = response.status == 200 and body == html
                        if index >= WARM_UP:
                            round_trips[label].append((time.perf_counter() - start) * 1000)
                            failures[label] += 0 if ok else 1
        finally:
            await server.close()
    paths = {"page": path, "static": STATIC_PATH}
    server_ms = {label: _summary(clock.times[paths[label]][-requests:]) for label in paths}
    return {
        "page": "/c/{token}" if page == "claim" else path,
        "content_type": content_type,
        "requests": requests,
        "failures": failures,
        "server_ms": server_ms,
        "round_trip_ms": {label: _summary(times) for label, times in round_trips.items()},
        "ratio_p50_to_static": round(server_ms["page"]["p50"] / server_ms["static"]["p50"], 2),
        "ratio_p99_to_static": round(server_ms["page"]["p99"] / server_ms["static"]["p99"], 2),
        "weight": weight,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="requests of each, after a warm-up")
    parser.add_argument("--page", choices=("claim", "privacy"), default="claim", help="the page measured")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    result = asyncio.run(measure(args.page, args.requests))
    if args.json:
        print(json.dumps(result))
        return
    server, trip = result["server_ms"], result["round_trip_ms"]
    row = "{:<12} {:>14} {:>14} {:>16} {:>16} {:>8}"
    print(f"{result['page']}, {result['requests']} requests of each, one at a time")
    print(row.format("", "server p50 ms", "server p99 ms", "round trip p50", "round trip p99", "failed"))
    for label, name in (("page", "page"), ("static", "static file")):
        cells = (server[label]["p50"], server[label]["p99"], trip[label]["p50"], trip[label]["p99"])
        print(row.format(name, *(f"{c:.3f}" for c in cells), result["failures"][label]))
    print(f"x static: p50 {result['ratio_p50_to_static']}, p99 {result['ratio_p99_to_static']}")
    weight = result["weight"]
    print(
        f"weight: {weight['total_bytes']:,} bytes ({weight['html_bytes']:,} HTML with "
        f"{weight['inline_style_bytes']:,} of inline style, {weight['stylesheet_bytes']:,} of linked "
        f"style sheets); {weight['total_gzip_bytes']:,} gzip-compressed"
    )


if __name__ == "__main__":
    main()
