"""What the tests share besides fixtures: sample payloads, a recording Teams sender, and helpers
that set up an app or a partner key. Fixtures stay in `conftest.py` and import these."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import shutil
import subprocess  # noqa: S404 - unshare and mount, with fixed arguments
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.delivery.sending import EncodedCard
from bot.ops.state import WEBHOOKS, WORKER
from bot.partner_api.keys import new_key
from bot.store import Store, StoredReference
from tests.changes import Changes

FIXTURES = Path(__file__).parent / "fixtures"
ACTIVITIES = FIXTURES / "activities"
# The installed command; `python -m bot.ops.cli` is the same entry point where it is not installed.
_SCRIPT = Path(sys.executable).with_name("cpor-bot")
CPOR_BOT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bot.ops.cli"]
# `folder` mounted onto itself read-only, then the command: run in a mount namespace of its own.
_READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'


def with_read_only_folder(folder: Path, command: Sequence[str]) -> list[str]:
    """`command`, run where `folder` is read-only: a read-only file system stops root too, whom
    permission bits do not. Skips the test on a machine that does not let it make one."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is not installed: no read-only folder can be made")
    wrapped = [unshare, "--map-root-user", "--mount", "sh", "-c", _READ_ONLY, "sh", str(folder)]
    probe = subprocess.run(  # noqa: S603 - fixed arguments
        [*wrapped, "true"], capture_output=True, text=True, timeout=30, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"this machine refuses a mount namespace: {probe.stderr.strip()[:200]}")
    return [*wrapped, *command]


def load_fixture(name: str) -> dict[str, Any]:
    path = ACTIVITIES / name if (ACTIVITIES / name).exists() else FIXTURES / name
    return json.loads(path.read_text(encoding="utf-8"))


class RecordingSender:
    """Stands in for Teams where a test is about the service, not the Bot Connector."""

    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.updated: list[tuple[dict[str, Any], str, dict[str, Any]]] = []
        self.changes = Changes()

    async def send_card(self, reference: dict[str, Any], card: EncodedCard) -> str | None:
        self.sent.append((reference, card.content()))
        self.changes.changed()
        return f"activity-{len(self.sent)}"

    async def update_card(self, reference: dict[str, Any], activity_id: str, card: EncodedCard) -> None:
        self.updated.append((reference, activity_id, card.content()))
        self.changes.changed()


def quiet(client: TestClient[Any, Any]) -> TestClient[Any, Any]:
    """Stop the app's background workers, so a test decides when deliveries run (`run_once`)."""
    client.app[WORKER].stop()
    client.app[WEBHOOKS].stop()
    return client


def first_contact_in_teams(claim_body: dict[str, Any]) -> StoredReference:
    """The Teams chat of the claim body's first contact, as an install would have stored it."""
    return StoredReference(
        conversation_id="a:megan",
        tenant_id=claim_body["customer_tenant_id"],
        aad_object_id=claim_body["contacts"][0]["aad_object_id"],
        user_id="29:megan",
        email=None,
        conversation_type="personal",
        channel_id="msteams",
        service_url="https://smba.trafficmanager.net/emea/",
        reference={"conversation": {"id": "a:megan"}},
        updated_at=dt.datetime.now(dt.UTC),
    )


async def make_key(store: Store, partner: str = "Contoso Partners") -> str:
    existing = await store.partner_by_name(partner)
    record_partner = existing or await store.create_partner(partner)
    plain, record = new_key(record_partner.id)
    await store.add_partner_key(record)
    return plain


def png_bytes(size: tuple[int, int], mode: str = "RGBA") -> bytes:
    """A blank PNG image of this size and colour mode."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, size).save(buf, format="PNG")
    return buf.getvalue()


async def raw_request(client: TestClient[Any, Any], request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Bytes a client library would refuse to send (a header that is not UTF-8, a control character),
    written to the test server as they are: the status, the headers and the body of its answer."""
    reader, writer = await asyncio.open_connection(str(client.host), client.port)
    try:
        writer.write(request)
        await writer.drain()
        answer = await reader.read()  # every request here asks the server to close ("Connection: close")
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split(" ")[1]), headers, body
