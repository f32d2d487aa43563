"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 with STARTTLS and required AUTH.

    async with smtp_server() as server:
        mailer = SmtpMailer(server.host, server.port, username=server.username,
                            password=server.password, tls_context=server.client_tls_context)
        server.fail_next_rcpt("451 4.3.0 Try again later")   # the next RCPT TO gets this reply
        await mailer.send(message)
        server.messages  # [Received(mail_from, rcpt_tos, data, tls, authenticated)]

The certificate is self-signed, made at start with `cryptography` (CN=localhost, SAN localhost and
127.0.0.1); `client_tls_context` trusts exactly that certificate. AUTH is offered only after
STARTTLS and accepts one username and password. Nothing listens beyond loopback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import tempfile
import threading
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOOPBACK = "127.0.0.1"
USERNAME = "cpor-relay"
PASSWORD = "relay-test-password"


@dataclass(frozen=True)
class Received:
    """One message as the server got it: the envelope and the exact bytes after DATA."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    authenticated: bool


@dataclass(frozen=True)
class SelfSignedCertificate:
    cert_pem: bytes
    key_pem: bytes


def make_certificate(common_name: str = "localhost") -> SelfSignedCertificate:
    """A self-signed certificate for `common_name` and 127.0.0.1, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(common_name), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return SelfSignedCertificate(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def client_context(certificate: SelfSignedCertificate) -> ssl.SSLContext:
    """A client TLS context that verifies the server and trusts only `certificate`."""
    context = ssl.create_default_context(cadata=certificate.cert_pem.decode("ascii"))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def free_port() -> int:
    """A loopback port nobody listens on (for the server, or to test a closed port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@dataclass
class ScriptedHandler:
    """Accepts everything and keeps it, unless a test scripted a reply for the next command."""

    messages: list[Received] = field(default_factory=list)
    _next: dict[str, deque[str]] = field(
        default_factory=lambda: {"MAIL": deque(), "RCPT": deque(), "DATA": deque()}
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, command: str, reply: str) -> None:
        with self._lock:
            self._next[command].append(reply)

    def _scripted(self, command: str) -> str | None:
        with self._lock:
            return self._next[command].popleft() if self._next[command] else None

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        reply = self._scripted("MAIL")
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self._scripted("RCPT")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self._scripted("DATA")
        if reply is not None:
            return reply
        received = Received(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            data=bytes(envelope.original_content or b""),
            tls=session.ssl is not None,
            authenticated=bool(session.authenticated),
        )
        with self._lock:
            self.messages.append(received)
        return "250 2.0.0 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    username: str
    password: str
    client_tls_context: ssl.SSLContext
    handler: ScriptedHandler

    @property
    def messages(self) -> list[Received]:
        return list(self.handler.messages)

    def fail_next_mail(self, reply: str) -> None:
        """The next MAIL FROM gets `reply`, e.g. "451 4.3.0 Try again later"."""
        self.handler.script("MAIL", reply)

    def fail_next_rcpt(self, reply: str) -> None:
        """The next RCPT TO gets `reply`, e.g. "550 5.1.1 <x@y>: Recipient address rejected"."""
        self.handler.script("RCPT", reply)

    def fail_next_data(self, reply: str) -> None:
        """The next message (after DATA) gets `reply` instead of being accepted."""
        self.handler.script("DATA", reply)


@asynccontextmanager
async def smtp_server(username: str = USERNAME, password: str = PASSWORD) -> AsyncIterator[SmtpServer]:
    """Start aiosmtpd on 127.0.0.1 (STARTTLS, AUTH required after TLS); stop it on exit."""
    certificate = make_certificate()
    handler = ScriptedHandler()

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == username.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    with tempfile.TemporaryDirectory(prefix="smtp-cert-") as folder:
        cert_file, key_file = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert_file.write_bytes(certificate.cert_pem)
        key_file.write_bytes(certificate.key_pem)
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(cert_file, key_file)

    controller = Controller(
        handler,
        hostname=LOOPBACK,
        port=free_port(),
        server_hostname="localhost",
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    # The controller runs its own loop in a thread; starting and stopping it block briefly.
    await asyncio.to_thread(controller.start)
    try:
        yield SmtpServer(
            host=LOOPBACK,
            port=controller.port,
            username=username,
            password=password,
            client_tls_context=client_context(certificate),
            handler=handler,
        )
    finally:
        await asyncio.to_thread(controller.stop)
