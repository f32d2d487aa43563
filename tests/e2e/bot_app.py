"""The bot under test: `app.py` as a child process, a partner key from its CLI, and a client for its
partner API."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.processes import HOST, ManagedProcess, base_env

APP_DIR = Path(__file__).resolve().parents[2]  # the repository root, where app.py is


@dataclass(frozen=True)
class BotServer:
    port: int
    db_url: str
    process: ManagedProcess

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/api/messages"


def bot_env(db_url: str) -> dict[str, str]:
    env = base_env()
    env.update(
        {
            "DATABASE_URL": db_url,
            # Emails (contacts without the app) go to files next to the database, not the repo.
            "MAIL_OUTBOX_DIR": str(Path(db_url.removeprefix("sqlite:///")).parent / "outbox"),
            "MicrosoftAppId": "",
            "MicrosoftAppPassword": "",
            "LOG_LEVEL": "INFO",
        }
    )
    return env


def create_partner_key(db_url: str, partner: str = "Contoso Partners") -> str:
    """Create a partner API key with `python -m bot.ops.cli keys create --json`; return the secret key."""
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-m", "bot.ops.cli", "keys", "create", "--partner", partner, "--json"],
        cwd=APP_DIR,
        env=bot_env(db_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`bot.ops.cli keys create` exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}",
            pytrace=False,
        )
    for line in reversed(result.stdout.splitlines()):
        if line.lstrip().startswith("{"):
            key = json.loads(line)["key"]
            assert isinstance(key, str) and key.startswith("cpor_"), key
            return key
    pytest.fail(f"`bot.ops.cli keys create --json` printed no JSON:\n{result.stdout}", pytrace=False)


class PartnerApi:
    """The partner REST API of the bot under test, with one partner key."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, key: str) -> None:
        self.session = session
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {key}"}

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
        """(status, headers, JSON body or text) of one call."""
        async with self.session.request(
            method, self.base_url + path, json=body, headers=self.headers
        ) as response:
            text = await response.text()
            try:
                payload: Any = json.loads(text) if text else None
            except json.JSONDecodeError:
                payload = text
            return response.status, dict(response.headers), payload

    async def get_claim(self, claim_id: str) -> dict[str, Any]:
        status, _, payload = await self.request("GET", f"/api/claims/{claim_id}")
        assert status == 200, (status, payload)
        assert isinstance(payload, dict), payload
        return payload

    async def wait_for_delivery(
        self, claim_id: str, status: str, *, index: int = 0, within: float = 10.0
    ) -> dict[str, Any]:
        """Poll GET /api/claims/{id} until deliveries[index].status == status; return the claim."""
        deadline = time.monotonic() + within
        claim: dict[str, Any] = {}
        while True:
            claim = await self.get_claim(claim_id)
            deliveries = claim.get("deliveries") or []
            if len(deliveries) > index and deliveries[index].get("status") == status:
                return claim
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"deliveries[{index}].status never became {status!r} within {within} s; last claim: "
                    + json.dumps(claim, indent=2)
                )
            await asyncio.sleep(0.2)
