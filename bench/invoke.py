"""Invoke benchmark: `adaptiveCard/action` clicks with real Bot Framework JWT validation.

The bot runs on SQLite with authentication on (a local OpenID metadata server and minted RS256
tokens stand in for login.botframework.com). Each rate is offered for a few seconds; the report
gives p50/p99 latency per rate and the highest rate held (p99 at most 50 ms and at least 95 % of the
offered rate answered). The baseline, in the same run, is a minimal botbuilder bot that answers the
same invoke with a fixed card.

    python bench/invoke.py [--rates 25,50,100,200] [--seconds 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import AdaptiveCardInvokeResponse, InvokeResponse
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402 - after the path set-up
from bot.claims import Claim, Contact, Status  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.state import STORE  # noqa: E402
from tests.bot.test_auth import APP_ID, FixedCredentialsFactory, OpenIdServer, mint  # noqa: E402
from tests.conftest import load_fixture  # noqa: E402

SERVICE_URL = "https://smba.trafficmanager.net/emea/"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def auth_config(openid: OpenIdServer) -> ConfigurationBotFrameworkAuthentication:
    class Config:
        APP_ID = globals()["APP_ID"]
        APP_PASSWORD = "x"
        APP_TYPE = "MultiTenant"
        APP_TENANTID = ""
        TO_CHANNEL_FROM_BOT_LOGIN_URL = "https://login.microsoftonline.com/botframework.com"
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = "https://api.botframework.com"
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = "https://api.botframework.com"
        OAUTH_URL = "https://api.botframework.com"
        CALLER_ID = "urn:botframework:azure"
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = f"{openid.base}/{uuid.uuid4().hex}/metadata"
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = f"{openid.base}/{uuid.uuid4().hex}/emulator/metadata"

    return ConfigurationBotFrameworkAuthentication(Config(), credentials_factory=FixedCredentialsFactory())


class EchoBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type information
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "ok"}]}
        return InvokeResponse(
            status=200,
            body=AdaptiveCardInvokeResponse(
                status_code=200, type="application/vnd.microsoft.card.adaptive", value=card
            ),
        )


def echo_app(auth: ConfigurationBotFrameworkAuthentication) -> web.Application:
    adapter, bot = CloudAdapter(auth), EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


async def offer(url: str, payload: bytes, token: str, rate: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with ClientSession() as session:

        async def one() -> None:
            nonlocal failures
            start = time.perf_counter()
            async with session.post(url, data=payload, headers=headers) as resp:
                await resp.read()
                if resp.status != 200:
                    failures += 1
            latencies.append(time.perf_counter() - start)

        tasks = []
        begin = time.perf_counter()
        for n in range(int(rate * seconds)):
            delay = begin + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return latencies, failures


def summary(latencies: list[float], failures: int, rate: int, seconds: float) -> dict[str, Any]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    answered = (len(ordered) - failures) / seconds
    return {
        "rate": rate,
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(p99, 1),
        "answered_per_s": round(answered, 1),
        "held": p99 <= 50 and answered >= 0.95 * rate and failures == 0,
    }


async def run(rates: list[int], seconds: float) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    from jwt.algorithms import RSAAlgorithm

    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="endorsed-key", use="sig", endorsements=["msteams"])
    token = mint(key, SERVICE_URL, exp=int(time.time()) + 3600)
    results: dict[str, list[dict[str, Any]]] = {}
    with OpenIdServer({"keys": [jwk]}) as openid, tempfile.TemporaryDirectory() as folder:
        settings = Settings(app_id=APP_ID, app_password="x", database_url=f"sqlite:///{folder}/bench.db")
        ours = TestServer(create_app(settings, bot_auth=auth_config(openid)), host="127.0.0.1")
        echo = TestServer(echo_app(auth_config(openid)), host="127.0.0.1")
        await ours.start_server()
        await echo.start_server()
        try:
            store = ours.app[STORE]
            partner = await store.create_partner("Contoso Partners")
            now = dt.datetime.now(dt.UTC)
            contact = Contact(id="c1", name="Megan Bowen", email="megan@fabrikam.example", aad_object_id=None)
            await store.create_claim(
                Claim(
                    id="claim-1",
                    partner_id=partner.id,
                    customer_tenant_id=TENANT,
                    customer_name="Fabrikam Ltd",
                    solution_area="modern_work_security",
                    workloads=("teams", "exchange"),
                    status=Status.UNDER_REVIEW,
                    submitted_on=now.date(),
                    created_at=now,
                    updated_at=now,
                    contacts=(contact,),
                )
            )
            invoke = load_fixture("invoke_card_action.json")
            invoke["serviceUrl"] = SERVICE_URL
            invoke["value"]["action"].update(verb="claim.refresh", data={"claim_id": "claim-1"})
            payload = json.dumps(invoke).encode()
            for name, server in (("echo", echo), ("bot", ours)):
                url = str(server.make_url("/api/messages"))
                await offer(url, payload, token, 5, 1.0)  # warm: metadata fetch, first turn
                results[name] = [
                    summary(*await offer(url, payload, token, rate, seconds), rate, seconds) for rate in rates
                ]
        finally:
            await ours.close()
            await echo.close()
    held = {name: max((r["rate"] for r in rows if r["held"]), default=0) for name, rows in results.items()}
    at_200 = next((r for r in results["bot"] if r["rate"] == 200), results["bot"][-1])
    return {
        "rates": results,
        "p50_ms": at_200["p50_ms"],
        "p99_ms": at_200["p99_ms"],
        "max_rate": held["bot"],
        "echo_max_rate": held["echo"],
        "ratio_to_echo": round(held["bot"] / held["echo"], 2) if held["echo"] else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default="25,50,100,200", help="invokes per second to offer, in order")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per rate")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = asyncio.run(run([int(r) for r in args.rates.split(",")], args.seconds))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'who':<5} {'rate/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'answered/s':>11}  held")
    for name, rows in result["rates"].items():
        for r in rows:
            cells = (r["rate"], r["p50_ms"], r["p99_ms"], r["answered_per_s"])
            print(f"{name:<5} {cells[0]:>7} {cells[1]:>8} {cells[2]:>8} {cells[3]:>11}  {r['held']}")
    held = f"bot {result['max_rate']}/s, echo {result['echo_max_rate']}/s"
    print(f"highest rate held: {held}, ratio {result['ratio_to_echo']}")


if __name__ == "__main__":
    main()
