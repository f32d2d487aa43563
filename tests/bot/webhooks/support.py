"""Partners' endpoints on loopback (one that answers, one that never does), a scripted DNS, TLS
certificates for a name, and a store with partners, webhooks and queued events."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.ops.metrics import Metrics
from bot.store import Store, WebhookEvent
from bot.webhooks.resolver import Resolve
from bot.webhooks.worker import SendLimits, WebhookWorker
from tests.bot.store.support import make_claim
from tests.changes import Changes

SECRET = "whsec_partner_test_secret"
# A global unicast address (no test ever connects to it: it is the answer DNS gives at registration).
PUBLIC = "93.184.215.14"
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


class ScriptedDns:
    """An attacker's (or a partner's) DNS: each name answers from its script in turn, the last answer
    again and again; other names do not resolve. `asked` records every lookup."""

    def __init__(self, answers: Mapping[str, Sequence[Sequence[str]]]) -> None:
        self._answers = {name: list(script) for name, script in answers.items()}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        script = self._answers.get(host)
        if not script:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(script.pop(0) if len(script) > 1 else script[0])


@dataclass
class Silent:
    """An endpoint that accepts connections, reads the request and never answers."""

    port: int = 0
    connections: int = 0
    open_now: int = 0
    most_open: int = 0
    changes: Changes = field(default_factory=Changes)  # after each connection it accepts

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        self.changes.changed()
        try:
            await reader.read()  # until the client gives up and closes
        except ConnectionError:
            pass
        finally:
            self.open_now -= 1
            writer.close()


@asynccontextmanager
async def silent_endpoint(host: str = "127.0.0.1") -> AsyncIterator[Silent]:
    silent = Silent()
    server = await asyncio.start_server(silent.handle, host, 0)
    silent.port = server.sockets[0].getsockname()[1]
    try:
        yield silent
    finally:
        server.close()
        await server.wait_closed()


@dataclass
class Endpoint:
    """A partner's endpoint that answers at once (204 unless scripted), noting when each POST came."""

    port: int = 0
    answers: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    arrived_at: list[float] = field(default_factory=list)  # the loop's clock
    changes: Changes = field(default_factory=Changes)  # after each POST it receives

    async def handle(self, request: web.Request) -> web.Response:
        self.arrived_at.append(asyncio.get_running_loop().time())
        self.received.append({"headers": dict(request.headers), "body": await request.read()})
        self.changes.changed()
        return web.Response(status=self.answers.pop(0) if self.answers else 204)


@asynccontextmanager
async def endpoint(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> AsyncIterator[Endpoint]:
    answering = Endpoint()
    app = web.Application()
    app.router.add_post("/hook", answering.handle)
    server = TestServer(app, host=host)
    await server.start_server(ssl=tls)
    answering.port = server.port or 0
    try:
        yield answering
    finally:
        await server.close()


@dataclass(frozen=True)
class Certificate:
    cert_pem: bytes
    key_pem: bytes

    def server_context(self, tmp_path: Any) -> ssl.SSLContext:
        cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
        cert_file.write_bytes(self.cert_pem)
        key_file.write_bytes(self.key_pem)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Verifies the server, trusting only this certificate."""
        return ssl.create_default_context(cadata=self.cert_pem.decode("ascii"))


def certificate_for(dns_name: str) -> Certificate:
    """A self-signed certificate for one DNS name and no address, so it verifies only if the client
    checks it against the name."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Certificate(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


async def partner_with_webhook(store: Store, name: str, url: str) -> str:
    """A partner with a claim and a webhook at `url`, stored as is (as if registered before today's
    rules, or by a name that resolved elsewhere then); its id. The claim's id is the partner's name."""
    partner = await store.create_partner(name)
    await store.create_claim(make_claim(partner.id, claim_id=name))
    await store.set_webhook(partner.id, url, SECRET, T0)
    return partner.id


async def queue_events(store: Store, partner_id: str, claim_id: str, count: int, at: dt.datetime) -> None:
    """`count` events for the partner, due at `at` (the store leases the earliest first)."""
    for n in range(count):
        event = await store.enqueue_webhook_event(
            partner_id, claim_id, "customer.response", {"n": n}, f"{claim_id}:{n}", at
        )
        if event is None:
            raise RuntimeError(f"no event queued for {claim_id}:{n}")


async def the_event(store: Store, partner_id: str) -> WebhookEvent:
    (event,) = await store.webhook_events(partner_id, limit=2)
    return event


def worker(
    store: Store,
    *,
    allow_loopback: bool,
    resolve: Resolve | None = None,
    limits: SendLimits = SendLimits(),  # noqa: B008 - frozen
    tls: ssl.SSLContext | None = None,
    metrics: Metrics | None = None,
) -> WebhookWorker:
    return WebhookWorker(
        store,
        poll_seconds=3600,
        allow_loopback=allow_loopback,
        resolve=resolve,
        limits=limits,
        tls=tls,
        metrics=metrics,
    )


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
