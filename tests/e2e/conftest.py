"""End-to-end fixtures: the real bot (`app.py`) and Microsoft's M365 Agents Playground as its Teams client.

The Playground (npm `@microsoft/m365agentsplayground`, pinned in package.json) is driven through the
same internal HTTP + WebSocket API its web UI uses, so no browser is needed. Everything binds
127.0.0.1 and nothing leaves the machine: the Playground is started with telemetry off, statsbeat
off, no browser, and a preload (`localhost-only.cjs`) that forces every listen onto loopback.
See tests/e2e/README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import aiohttp
import pytest

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
APP_DIR = REPO_ROOT
PLAYGROUND_PACKAGE = REPO_ROOT / "node_modules" / "@microsoft" / "m365agentsplayground"
PLAYGROUND_CLI = PLAYGROUND_PACKAGE / "cli.js"
LOCALHOST_PRELOAD = E2E_DIR / "localhost-only.cjs"

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 20.0
STOP_GRACE = 5.0
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

# Environment variables the Playground reads that would override the command line or config file.
_PLAYGROUND_ENV_OVERRIDES = (
    "BOT_ENDPOINT",
    "TEAMSAPPTESTER_PORT",
    "DEFAULT_CHANNEL_ID",
    "M365_AGENTS_PLAYGROUND_SERVICE_URL",
    "M365_AGENTS_PLAYGROUND_CONFIG_PATH",
    "TEAMS_APP_TEST_TOOL_CONFIG_PATH",
    "M365_AGENTS_PLAYGROUND_RECORDING_FILE",
    "AUTH_CLIENT_ID",
    "AUTH_CLIENT_SECRET",
    "AUTH_TENANT_ID",
)


@dataclass(frozen=True)
class TeamsIdentity:
    """The mock tenant, user, bot and chat that the Playground config declares."""

    tenant_id: str = "11111111-1111-1111-1111-111111111111"
    user_id: str = "29:alex-e2e"
    user_aad_object_id: str = "22222222-2222-2222-2222-222222222222"
    user_name: str = "Alex Wilber"
    user_email: str = "alex@fabrikam.example"
    bot_id: str = "28:cpor-e2e-bot"
    bot_name: str = "CPOR Bot"
    personal_chat_id: str = "a:personal-e2e"
    group_chat_id: str = "19:group-e2e@thread.v2"
    team_id: str = "19:team-e2e@thread.tacv2"
    channel_id: str = "19:channel-e2e@thread.tacv2"


IDENTITY = TeamsIdentity()


# --------------------------------------------------------------------------------------------------
# Markers and prerequisites
# --------------------------------------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing_prerequisites() -> list[str]:
    missing = []
    if shutil.which("node") is None:
        missing.append("`node` is not on PATH (install Node.js 20)")
    if not PLAYGROUND_CLI.is_file():
        missing.append(
            f"{PLAYGROUND_PACKAGE.relative_to(REPO_ROOT)} is missing (run `npm ci` in the repository root)"
        )
    return missing


@pytest.fixture(scope="session", autouse=True)
def _e2e_prerequisites() -> None:
    """Skip the e2e tests when Node or the Playground is missing; in CI (CI=true) fail instead."""
    missing = _missing_prerequisites()
    if not missing:
        return
    reason = "e2e prerequisites missing: " + "; ".join(missing)
    if _in_ci():
        pytest.fail(reason + " (CI is set, so e2e tests must not be skipped)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------------------------------
# Process helpers
# --------------------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 150) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    kept = [line if len(line) <= 2000 else line[:2000] + " …" for line in text.splitlines()[-lines:]]
    return "\n".join(kept) if kept else "(empty log)"


@dataclass
class ManagedProcess:
    """A child process with its output in a log file; stopped with SIGTERM, then SIGKILL after 5 s."""

    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    log_path: Path
    extra_logs: list[Path] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv built by this file, no shell
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _LIVE_PROCESSES.append(self)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def log(self, lines: int = 150) -> str:
        return _tail(self.log_path, lines)

    def fail(self, message: str) -> NoReturn:
        pytest.fail(f"{message}\n----- {self.name} log ({self.log_path}) -----\n{self.log()}", pytrace=False)

    def stop(self) -> None:
        with contextlib.suppress(ValueError):
            _LIVE_PROCESSES.remove(self)
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session, started above
            self.proc.wait(timeout=STOP_GRACE)


_LIVE_PROCESSES: list[ManagedProcess] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the bot's and the Playground's logs to every failing e2e test report."""
    report: pytest.TestReport = yield
    if report.failed and E2E_DIR in item.path.parents:
        for process in list(_LIVE_PROCESSES):
            report.sections.append((f"{process.name} log ({process.log_path})", process.log()))
            for extra in process.extra_logs:
                report.sections.append((f"{process.name} log ({extra})", _tail(extra, 40)))
    return report


def _listening_addresses(pid: int) -> set[tuple[str, int]] | None:
    """(address, port) of the TCP sockets `pid` listens on, from /proc; None where /proc is unavailable."""
    try:
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        found = set()
        for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
            with open(table, encoding="ascii") as rows:
                for row in list(rows)[1:]:
                    cols = row.split()
                    if cols[3] != "0A" or cols[9] not in inodes:  # 0A = LISTEN
                        continue
                    addr_hex, port_hex = cols[1].split(":")
                    if width == 8:
                        addr = socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr_hex)[::-1])
                    else:
                        raw = b"".join(bytes.fromhex(addr_hex[i : i + 8])[::-1] for i in range(0, 32, 8))
                        addr = socket.inet_ntop(socket.AF_INET6, raw)
                    found.add((addr, int(port_hex, 16)))
        return found
    except OSError:
        return None


def assert_loopback_only(process: ManagedProcess) -> None:
    """Fail unless every TCP socket the process listens on is bound to 127.0.0.1."""
    listening = _listening_addresses(process.pid)
    if listening is None:
        return
    exposed = sorted(a for a in listening if a[0] != HOST)
    if exposed:
        process.fail(f"{process.name} listens on non-loopback addresses: {exposed}")


def _http_get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _wait_for_http(
    process: ManagedProcess, port: int, path: str, deadline: float, expect: bytes = b""
) -> None:
    last = "no answer yet"
    while time.monotonic() < deadline:
        if (code := process.exited()) is not None:
            process.fail(f"{process.name} exited with status {code} before GET {path} answered")
        try:
            status, body = _http_get(port, path)
        except OSError as exc:
            last = repr(exc)
        else:
            if status == 200 and expect in body:
                return
            last = f"HTTP {status}: {body[:200]!r}"
        time.sleep(0.1)
    process.fail(
        f"{process.name}: GET http://{HOST}:{port}{path} not ready within {STARTUP_TIMEOUT:.0f} s ({last})"
    )


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("MicrosoftAppType", "MicrosoftAppTenantId", "PORT", "HOST", "DATABASE_URL"):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _bot_env(db_url: str) -> dict[str, str]:
    env = _base_env()
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


# --------------------------------------------------------------------------------------------------
# The bot
# --------------------------------------------------------------------------------------------------


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


def create_partner_key(db_url: str, partner: str = "Contoso Partners") -> str:
    """Create a partner API key with `python -m bot.ops.cli keys create --json`; return the secret key."""
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-m", "bot.ops.cli", "keys", "create", "--partner", partner, "--json"],
        cwd=APP_DIR,
        env=_bot_env(db_url),
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


@pytest.fixture(scope="module")
def bot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotServer]:
    """`python app.py` on a free 127.0.0.1 port with a fresh SQLite file (one per test module)."""
    tmp = tmp_path_factory.mktemp("bot")
    port = free_port()
    db_url = f"sqlite:///{tmp}/bot.db"
    env = _bot_env(db_url)
    env.update({"PORT": str(port), "HOST": HOST})
    process = ManagedProcess("bot", [sys.executable, "app.py"], APP_DIR, env, tmp / "bot.log")
    process.start()
    try:
        _wait_for_http(process, port, "/healthz", time.monotonic() + STARTUP_TIMEOUT)
        assert_loopback_only(process)
        yield BotServer(port=port, db_url=db_url, process=process)
    finally:
        process.stop()


@pytest.fixture(scope="module")
def partner_key(bot_server: BotServer) -> str:
    """A key for the partner "Contoso Partners" in this module's database."""
    return create_partner_key(bot_server.db_url)


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


@pytest.fixture
async def partner_api(bot_server: BotServer, partner_key: str) -> AsyncIterator[PartnerApi]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield PartnerApi(session, bot_server.base_url, partner_key)


# --------------------------------------------------------------------------------------------------
# The Playground
# --------------------------------------------------------------------------------------------------


def playground_config_yaml(identity: TeamsIdentity = IDENTITY) -> str:
    """The `.m365agentsplayground.yml` (schema 0.1.1: exactly five other users, all ids unique)."""
    others = [
        ("megan", "Megan", "Bowen"),
        ("adele", "Adele", "Vance"),
        ("isaiah", "Isaiah", "Langer"),
        ("patti", "Patti", "Fernandez"),
        ("lynne", "Lynne", "Robbins"),
    ]
    users = "".join(
        f"  - id: '29:{nick}-e2e'\n"
        f"    name: {given} {surname}\n"
        f"    userPrincipleName: {nick}@fabrikam.example\n"
        f"    aadObjectId: 22222222-2222-2222-2222-22222222222{n}\n"
        f"    givenName: {given}\n"
        f"    surname: {surname}\n"
        f"    email: {nick}@fabrikam.example\n"
        for n, (nick, given, surname) in enumerate(others, start=3)
    )
    given, surname = identity.user_name.split(" ", 1)
    return (
        "# Written by tests/e2e/conftest.py. Schema: https://aka.ms/teams-app-test-tool-config/0.1.1/config.schema.json\n"
        'version: "0.1.1"\n'
        f"tenantId: '{identity.tenant_id}'\n"
        "bot:\n"
        f"  id: '{identity.bot_id}'\n"
        f"  name: {identity.bot_name}\n"
        "currentUser:\n"
        f"  id: '{identity.user_id}'\n"
        f"  name: {identity.user_name}\n"
        f"  userPrincipleName: {identity.user_email}\n"  # sic: the Playground's key is misspelt
        f"  aadObjectId: '{identity.user_aad_object_id}'\n"
        f"  givenName: {given}\n"
        f"  surname: {surname}\n"
        f"  email: {identity.user_email}\n"
        "users:\n"
        f"{users}"
        "personalChat:\n"
        f"  id: '{identity.personal_chat_id}'\n"
        "groupChat:\n"
        f"  id: '{identity.group_chat_id}'\n"
        "  name: Fabrikam Group Chat\n"
        "team:\n"
        f"  id: '{identity.team_id}'\n"
        "  name: Fabrikam Team\n"
        "  aadGroupId: '33333333-3333-3333-3333-333333333333'\n"
        "  channels:\n"
        f"    - id: '{identity.channel_id}'\n"
        "      name: Announcements\n"
    )


@dataclass(frozen=True)
class Playground:
    port: int
    identity: TeamsIdentity
    process: ManagedProcess
    workdir: Path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def service_url(self) -> str:
        return f"{self.base_url}/_connector"


def _playground_env(workdir: Path) -> dict[str, str]:
    env = _base_env()
    for name in _PLAYGROUND_ENV_OVERRIDES:
        env.pop(name, None)
    env.update(
        {
            "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
            "TEAMSAPPTESTER_BROWSER": "none",
            "NODE_OPTIONS": f'--require "{LOCALHOST_PRELOAD}"',
            "M365_AGENTS_PLAYGROUND_LOGFILE": str(workdir / "pg-internal.log"),
        }
    )
    return env


def _wait_for_listening_port(process: ManagedProcess, deadline: float) -> int:
    pattern = re.compile(rb"Listening on (\d+)")
    while time.monotonic() < deadline:
        match = pattern.search(process.log_path.read_bytes()) if process.log_path.exists() else None
        if match:
            return int(match.group(1))
        if (code := process.exited()) is not None:
            process.fail(f"the Playground exited with status {code} before it listened")
        time.sleep(0.05)
    process.fail(f"the Playground printed no 'Listening on N' within {STARTUP_TIMEOUT:.0f} s")


def start_playground(bot: BotServer, workdir: Path, identity: TeamsIdentity = IDENTITY) -> Playground:
    """Start the Playground against `bot`; it runs in `workdir`, where its config and logs go."""
    node = shutil.which("node")
    assert node is not None
    (workdir / ".m365agentsplayground.yml").write_text(playground_config_yaml(identity), encoding="utf-8")
    attempts = 3
    for attempt in range(1, attempts + 1):
        port = free_port()
        argv = [
            node,
            str(PLAYGROUND_CLI),
            "start",
            "--app-endpoint",
            bot.messages_url,
            "--channel-id",
            "msteams",
            "--port",
            str(port),
            "--service-url",
            f"http://{HOST}:{port}/_connector",
            "--disable-telemetry",
        ]
        log_path = workdir / f"playground-{attempt}.log"
        process = ManagedProcess(
            "playground", argv, workdir, _playground_env(workdir), log_path, [workdir / "pg-internal.log"]
        )
        process.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        try:
            listening = _wait_for_listening_port(process, deadline)
            if listening != port:
                # It silently moves to a random port when the requested one is taken; the service URL
                # it gives the bot would then be wrong. Retry on a new port, then give up.
                if attempt < attempts:
                    process.stop()
                    continue
                process.fail(f"the Playground listens on {listening}, not the requested port {port}")
            _wait_for_http(process, port, "/_debug/ping", deadline, expect=b"pong")
            assert_loopback_only(process)
        except BaseException:
            process.stop()
            raise
        return Playground(port=port, identity=identity, process=process, workdir=workdir)
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def playground(bot_server: BotServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    """The Agents Playground, as the Teams client of this module's bot (one per test module)."""
    pg = start_playground(bot_server, tmp_path_factory.mktemp("playground"))
    try:
        yield pg
    finally:
        pg.process.stop()


# --------------------------------------------------------------------------------------------------
# The Playground's internal API (what its web UI uses)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BotMessage:
    """One bot message as the Playground shows it (from the conversation WebSocket)."""

    action: str  # "createMessage" or "updateMessage"
    conversation_id: str
    raw: dict[str, Any]

    @property
    def message_id(self) -> str:
        return str(self.raw.get("messageId", ""))

    @property
    def text(self) -> str:
        return str(self.raw.get("text") or "")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.raw.get("attachments") or []
            if a.get("contentType") == ADAPTIVE_CARD and isinstance(a.get("content"), dict)
        ]

    @property
    def card(self) -> dict[str, Any] | None:
        cards = self.cards
        return cards[0] if cards else None


def card_text(node: Any) -> str:
    """Every human-readable string in a card (text, titles, facts, choices, placeholders), one per line."""
    keys = ("text", "title", "value", "placeholder", "label", "altText", "fallbackText")
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in keys and isinstance(item, str):
                    out.append(item)
                elif key not in ("url", "iconUrl", "$schema", "type", "id", "verb", "data"):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(node)
    return "\n".join(out)


def mentions(card_or_text: Any, word: str) -> bool:
    """Whether `word` appears as a whole word (any case) in a card's text or in a string."""
    text = card_or_text if isinstance(card_or_text, str) else card_text(card_or_text)
    return re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None


class PlaygroundError(AssertionError):
    pass


class PlaygroundClient:
    """Drives the Playground as the current user; bot messages arrive over its WebSocket."""

    card_text = staticmethod(card_text)
    mentions = staticmethod(mentions)

    def __init__(self, playground: Playground, conversation_id: str | None = None) -> None:
        self.playground = playground
        self.identity = playground.identity
        self.conversation_id = conversation_id or playground.identity.personal_chat_id
        self.messages: list[BotMessage] = []  # everything received, in order
        self._queue: asyncio.Queue[BotMessage | None] = asyncio.Queue()
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closed_reason: str | None = None

    async def __aenter__(self) -> PlaygroundClient:
        self._session = aiohttp.ClientSession(
            base_url=self.playground.base_url, timeout=aiohttp.ClientTimeout(total=30)
        )
        self._ws = await self._session.ws_connect("/_ws_conversation/v1/conversations/stream", heartbeat=20)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                event = json.loads(frame.data)
                if event.get("action") not in ("createMessage", "updateMessage"):
                    continue
                message = BotMessage(event["action"], event.get("actionConversationId", ""), event["message"])
                self.messages.append(message)
                await self._queue.put(message)
            self._closed_reason = f"WebSocket closed ({self._ws.close_code})"
        except Exception as exc:  # report it to the waiting test rather than losing it in the task
            self._closed_reason = f"WebSocket reader failed: {exc!r}"
        await self._queue.put(None)

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "use `async with PlaygroundClient(...)`"
        return self._session

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(method, path, json=body) as response:
            text = await response.text()
            if response.status >= 400:
                raise PlaygroundError(f"{method} {path} -> HTTP {response.status}: {text[:2000]}")
            return json.loads(text) if text.strip() else None

    # --- the user's side ---------------------------------------------------------------------------

    async def config(self) -> dict[str, Any]:
        """GET /_internal/v1/config: the mock tenant, users, chats and team (waits for the bot's HEAD)."""
        result: dict[str, Any] = await self._call("GET", "/_internal/v1/config")
        return result

    async def install(self, conversation_id: str | None = None) -> None:
        """The user installs the app: installationUpdate(add), then conversationUpdate(membersAdded)."""
        await self._call(
            "POST", f"/_debug/conversation/{conversation_id or self.conversation_id}/installation"
        )

    async def send_text(self, text: str) -> dict[str, Any]:
        """The user types `text` in the chat; returns the Playground's {messageId, timestamp}."""
        body = {"from": {"id": self.identity.user_id}, "text": text, "textFormat": "plain"}
        result: dict[str, Any] = await self._call(
            "POST", f"/_conversation/v1/conversations/{self.conversation_id}/messages", body
        )
        return result

    async def invoke(self, reply_to_id: str, action: dict[str, Any]) -> dict[str, Any]:
        """Press an Action.Execute on the card `reply_to_id`; returns the bot's invoke response {type, value}.

        `action` is the `value.action` object, e.g. {"type": "Action.Execute", "verb": "ack", "data": {...}}.
        A bot error surfaces as PlaygroundError (the Playground answers 502 UserBotError).
        """
        body = {
            "name": "adaptiveCard/action",
            "from": {"id": self.identity.user_id},
            "conversation": {"id": self.conversation_id},
            "replyToId": reply_to_id,
            "value": {"action": action},
        }
        result: dict[str, Any] = await self._call("POST", "/_conversation/v1/invoke", body)
        return result

    async def submit(self, reply_to_id: str, value: dict[str, Any]) -> Any:
        """Press an Action.Submit on the card `reply_to_id` (a message activity with `value`)."""
        body = {
            "from": {"id": self.identity.user_id},
            "conversation": {"id": self.conversation_id},
            "replyToId": reply_to_id,
            "value": value,
        }
        return await self._call("POST", "/_conversation/v1/submit", body)

    # --- what the bot sends --------------------------------------------------------------------------

    async def next_message(self, timeout: float = 15.0, *, updates: bool = False) -> BotMessage:  # noqa: ASYNC109
        """The next bot message in this conversation (with `updates`, also in-place card updates)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            message = await asyncio.wait_for(self._queue.get(), remaining)
            if message is None:
                await self._queue.put(None)
                raise PlaygroundError(self._closed_reason or "WebSocket closed")
            if message.conversation_id not in ("", self.conversation_id):
                continue
            if message.action == "createMessage" or updates:
                return message

    async def wait_for_message(
        self,
        predicate: Callable[[BotMessage], bool],
        timeout: float = 15.0,  # noqa: ASYNC109
        *,
        updates: bool = False,
    ) -> BotMessage:
        """The first next bot message that satisfies `predicate`; others are skipped (kept in .messages)."""
        seen = len(self.messages)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    message = await self.next_message(timeout, updates=updates)
                    if predicate(message):
                        return message
        except TimeoutError:
            raise PlaygroundError(
                f"no matching bot message within {timeout} s; received meanwhile:\n"
                + self.describe(self.messages[seen:])
            ) from None

    async def next_card(self, timeout: float = 15.0, *, updates: bool = False) -> dict[str, Any]:  # noqa: ASYNC109
        """The first Adaptive Card of the next bot message that carries one."""
        message = await self.wait_for_message(lambda m: m.card is not None, timeout, updates=updates)
        assert message.card is not None
        return message.card

    async def wait_for_card(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float = 15.0,  # noqa: ASYNC109
        *,
        updates: bool = False,
    ) -> dict[str, Any]:
        """The first Adaptive Card, in the bot messages from now on, that satisfies `predicate`."""
        message = await self.wait_for_card_message(predicate, timeout, updates=updates)
        assert message.card is not None
        return message.card

    async def wait_for_card_message(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float = 15.0,  # noqa: ASYNC109
        *,
        updates: bool = False,
    ) -> BotMessage:
        """Like wait_for_card, but the whole message (its messageId is what `invoke` replies to)."""
        return await self.wait_for_message(
            lambda m: m.card is not None and predicate(m.card), timeout, updates=updates
        )

    @staticmethod
    def describe(messages: list[BotMessage]) -> str:
        if not messages:
            return "  (nothing)"
        lines = []
        for m in messages:
            summary = card_text(m.card).replace("\n", " | ") if m.card else m.text
            lines.append(f"  {m.action} {m.message_id}: {summary[:300]}")
        return "\n".join(lines)


@pytest.fixture
def claim_request(playground: Playground) -> dict[str, Any]:
    """A POST /api/claims body for the Playground's tenant, with its current user as the contact."""
    identity = playground.identity
    return {
        "customer_tenant_id": identity.tenant_id,
        "customer_name": "Fabrikam Ltd",
        "solution_area": "modern_work_security",
        "workloads": ["teams", "exchange"],
        "contacts": [
            {
                "name": identity.user_name,
                "email": identity.user_email,
                "aad_object_id": identity.user_aad_object_id,
            }
        ],
    }


@pytest.fixture
async def pg_client(playground: Playground) -> AsyncIterator[PlaygroundClient]:
    """A fresh WebSocket to the Playground's personal chat, as the configured user."""
    async with PlaygroundClient(playground) as client:
        yield client
