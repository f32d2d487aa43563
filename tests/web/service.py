"""The service the browser tests open: `app.py` as a child process on a free loopback port, on its own
SQLite file, writing email to `.eml` files, signing contacts' links with a key the tests know, and
allowed to post webhooks to loopback. Plus what a partner does with it (a key, a claim, a
notification, a webhook) and what a contact gets (the email and the link in it)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import http.client
import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bot.web.links import LinkSigner
from tests.e2e.bot_app import APP_DIR, create_partner_key
from tests.e2e.processes import (
    HOST,
    STARTUP_TIMEOUT,
    ManagedProcess,
    assert_loopback_only,
    base_env,
    free_port,
    wait_for_http,
)
from tests.support import load_fixture

# 64 printable characters: what LINK_KEYS asks for (the tests sign expired links with it).
LINK_KEY = "web-page-tests-link-key-0123456789abcdef0123456789abcdef01234567"
LINK_DAYS = 90
CONTACT_LINK = re.compile(r"https?://[^\s\"'<>]+/c/[A-Za-z0-9._~-]+")
HTML_CONTACT_LINK = re.compile(r"href=\"(https?://[^\"]+/c/[A-Za-z0-9._~-]+)\"")


@dataclass
class WebService:
    port: int
    folder: Path
    process: ManagedProcess
    partner_key: str = ""

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.folder / 'bot.db'}"

    @property
    def outbox(self) -> Path:
        return self.folder / "outbox"

    def url(self, path: str) -> str:
        return self.base_url + path

    def signer(self) -> LinkSigner:
        """The service's own signer: same key, same lifetime."""
        return LinkSigner([LINK_KEY], dt.timedelta(days=LINK_DAYS))

    def request(
        self, method: str, path: str, body: Any = None, *, key: str | None = None
    ) -> tuple[int, dict[str, str], Any]:
        """(status, headers, JSON or text) of one call, with the partner's key unless `key` is ""."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        token = self.partner_key if key is None else key
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=15)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            response = conn.getresponse()
            raw = response.read().decode("utf-8")
            answer_headers = dict(response.getheaders())
        finally:
            conn.close()
        try:
            payload: Any = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            payload = raw
        return response.status, answer_headers, payload

    def api(self, method: str, path: str, body: Any = None, *, expect: int = 200) -> Any:
        status, _, payload = self.request(method, path, body)
        assert status == expect, f"{method} {path}: {status} {payload}"
        return payload


@contextmanager
def running_service(folder: Path, **settings: str) -> Iterator[WebService]:
    """The service in `folder` (its database, outbox, log); `settings` add or change variables."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = base_env()
    env.update(
        {
            "HOST": HOST,
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{folder / 'bot.db'}",
            "MAIL_OUTBOX_DIR": str(folder / "outbox"),
            "MicrosoftAppId": "",
            "MicrosoftAppPassword": "",
            "LINK_KEYS": LINK_KEY,
            "LINK_DAYS": str(LINK_DAYS),
            "WEBHOOK_ALLOW_LOOPBACK": "true",
            "DELIVERY_POLL_SECONDS": "0.2",
            "LOG_LEVEL": "INFO",
        }
    )
    for name in ("SMTP_HOST", "PUBLIC_URL", "SENDER_NAME", "OPERATOR_CONTACT", "RETENTION_DAYS"):
        env.pop(name, None)
    env.update(settings)
    process = ManagedProcess(
        name="cpor-bot (web pages)",
        argv=[sys.executable, "app.py"],
        cwd=APP_DIR,
        env=env,
        log_path=folder / "service.log",
    )
    process.start()
    try:
        wait_for_http(process, port, "/readyz", time.monotonic() + STARTUP_TIMEOUT)
        assert_loopback_only(process)
        service = WebService(port=port, folder=folder, process=process)
        service.partner_key = create_partner_key(service.db_url, "Contoso Partners")
        yield service
    finally:
        process.stop()


# --- what a partner does ----------------------------------------------------------------------------


def create_claim(service: WebService, **changes: Any) -> dict[str, Any]:
    """A claim from the API's sample body (Fabrikam Ltd, two contacts), with `changes`."""
    body = {**load_fixture("claim_create.json"), **changes}
    claim: dict[str, Any] = service.api("POST", "/api/claims", body, expect=201)
    return claim


def notify_by_email(service: WebService, claim_id: str) -> None:
    service.api("POST", f"/api/claims/{claim_id}/notifications", {"channel": "email"}, expect=202)


# --- what a contact gets ----------------------------------------------------------------------------


def emails_to(service: WebService, address: str, *, within: float = 15.0) -> list[EmailMessage]:
    """The `.eml` files the service wrote to `address`, waiting until there is at least one."""
    deadline = time.monotonic() + within
    while True:
        found = []
        for path in sorted(service.outbox.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            if address in str(message["To"]):
                found.append(message)
        if found or time.monotonic() > deadline:
            assert found, (
                f"no email to {address} in {service.outbox} within {within} s\n{service.process.log()}"
            )
            return found
        time.sleep(0.1)


def link_in(message: EmailMessage) -> str:
    """The contact's link to their claim page: the one the plain-text part gives, which must be the
    one the HTML part's button or link leads to."""
    found: dict[str, set[str]] = {}
    for kind, pattern in (("plain", CONTACT_LINK), ("html", HTML_CONTACT_LINK)):
        part = message.get_body(preferencelist=(kind,))
        assert part is not None, f"the email has no {kind} part"
        found[kind] = set(pattern.findall(str(part.get_content())))
    assert len(found["plain"]) == 1, f"expected one claim link in the email's text, found {found['plain']}"
    assert found["html"] == found["plain"], f"the HTML part links {found['html']}, the text {found['plain']}"
    return found["plain"].pop()


def link_from_email(service: WebService, claim_id: str, address: str, *, within: float = 15.0) -> str:
    """The link the email about `claim_id` gives `address`, read from the `.eml` the service wrote
    (waiting for it)."""
    deadline = time.monotonic() + within
    while True:
        links = [
            link
            for link in map(link_in, emails_to(service, address, within=within))
            if f".{claim_id}." in link
        ]
        if links or time.monotonic() > deadline:
            assert len(links) == 1, f"expected one email to {address} about {claim_id}, found {len(links)}"
            return links[0]
        time.sleep(0.1)


# --- a partner's webhook receiver -------------------------------------------------------------------


@dataclass
class WebhookReceiver:
    """A partner's endpoint on loopback that answers 204 and keeps each JSON body it gets."""

    port: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/hook"

    def wait_for(self, event_type: str, *, within: float = 15.0) -> list[dict[str, Any]]:
        """Every body of this type received so far, waiting until there is at least one."""
        with self.arrived:
            self.arrived.wait_for(
                lambda: any(body.get("type") == event_type for body in self.bodies), timeout=within
            )
            return [body for body in self.bodies if body.get("type") == event_type]


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls for a POST
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(204)
            self.end_headers()
            with receiver.arrived:
                receiver.bodies.append(json.loads(body))
                receiver.arrived.notify_all()

        def log_message(self, format: str, *args: Any) -> None:  # quiet: no line per request
            return

    server = ThreadingHTTPServer((HOST, 0), Handler)
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
