"""What the tests share besides fixtures: sample payloads, a recording Teams sender, and helpers
that set up an app or a partner key. Fixtures stay in `conftest.py` and import these."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bot.delivery.sending import EncodedCard
from bot.ops.state import WEBHOOKS, WORKER
from bot.partner_api.keys import new_key
from bot.store import Store, StoredReference
from tests.changes import Changes

FIXTURES = Path(__file__).parent / "fixtures"
ACTIVITIES = FIXTURES / "activities"


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
