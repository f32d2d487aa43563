"""`make playground`: the bot and Microsoft's M365 Agents Playground (a local Teams client) on loopback.

Starts `app.py` with the local defaults (127.0.0.1:3978, the default SQLite store, authentication off)
and the Playground (127.0.0.1:56150, telemetry off, this folder's `.m365agentsplayground.yml`), waits
until both answer, prints the page's address and the ids a claim needs, and on Ctrl-C, SIGTERM or SIGHUP
stops both: the bot gets SIGTERM and time to finish its work, then anything left is killed.

Standard library only, so it runs from the venv before anything else is set up. A developer tool, not
part of the service.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

PLAYGROUND_DIR = Path(__file__).resolve().parent
REPO_ROOT = PLAYGROUND_DIR.parent
CONFIG_FILE = PLAYGROUND_DIR / ".m365agentsplayground.yml"
CLAIM_FILE = PLAYGROUND_DIR / "claim.json"
LOCALHOST_PRELOAD = PLAYGROUND_DIR / "localhost-only.cjs"
PLAYGROUND_CLI = REPO_ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"

HOST = "127.0.0.1"
BOT_PORT = 3978
PLAYGROUND_PORT = 56150
DEFAULT_DATABASE_URL = "sqlite:///var/cpor-bot.db"  # the service's own default (bot.ops.config)
STARTUP_TIMEOUT = 30.0
# The bot finishes its requests in hand within SHUTDOWN_GRACE_SECONDS (20 s by default) of SIGTERM.
BOT_STOP_GRACE = 25.0
PLAYGROUND_STOP_GRACE = 5.0

# Settings the bot reads that would take it off the local defaults (an app id turns authentication on).
_BOT_ENV_CLEARED = ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId")
# Environment variables the Playground reads that would override the command line or the config file.
_PLAYGROUND_ENV_CLEARED = (
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


class LaunchError(Exception):
    """Something the developer has to fix; the message says what."""


class StopRequested(Exception):
    """Ctrl-C or SIGTERM arrived."""


@dataclass(frozen=True)
class TeamsIds:
    """The tenant, user and chat a claim and a client need, as the config file declares them."""

    tenant_id: str
    user_id: str
    user_name: str
    user_email: str
    user_aad_object_id: str
    personal_chat_id: str


def _block(config_text: str, key: str) -> str:
    """The indented lines under a top-level `key:` of the config."""
    match = re.search(rf"^{key}:\n((?:[ \t]+.*\n)+)", config_text, re.MULTILINE)
    if match is None:
        raise LaunchError(f"{CONFIG_FILE} has no {key}")
    return match.group(1)


def _value(text: str, key: str) -> str:
    """The first `key: value` in `text` (quotes and a trailing comment left out)."""
    match = re.search(rf"^\s*{key}:\s*'?([^'#\n]+?)'?\s*(#.*)?$", text, re.MULTILINE)
    if match is None:
        raise LaunchError(f"{CONFIG_FILE} has no {key}")
    return match.group(1)


def read_teams_ids(config_text: str) -> TeamsIds:
    """The ids from `.m365agentsplayground.yml`: its plain shape needs no YAML library."""
    user = _block(config_text, "currentUser")
    return TeamsIds(
        tenant_id=_value(config_text, "tenantId"),
        user_id=_value(user, "id"),
        user_name=_value(user, "name"),
        user_email=_value(user, "email"),
        user_aad_object_id=_value(user, "aadObjectId"),
        personal_chat_id=_value(_block(config_text, "personalChat"), "id"),
    )


def check_prerequisites() -> str:
    """The path of `node`; a LaunchError that says what to install when something is missing."""
    node = shutil.which("node")
    if node is None:
        raise LaunchError(
            "`node` is not installed. The Playground needs Node.js 20 and npm: on Debian or Ubuntu, "
            "`sudo apt-get install nodejs npm`, then `make playground` again."
        )
    if not PLAYGROUND_CLI.is_file():
        raise LaunchError(f"{PLAYGROUND_CLI.relative_to(REPO_ROOT)} is missing: run `npm ci` (make does).")
    return node


def check_port_free(port: int, needed_by: str, option: str) -> None:
    """Fail at once if `port` is taken on 127.0.0.1: the Playground would silently move elsewhere."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers themselves bind: a port held only by closing connections counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise LaunchError(
                f"Port {port} on {HOST} is taken ({exc.strerror}); {needed_by} needs it. Stop what "
                f"listens there (`ss -ltnp 'sport = :{port}'` names it) or pass {option} with a free port."
            ) from None


def say(message: str) -> None:
    """A line on stderr; after SIGHUP the terminal may be gone, and stopping the children matters more."""
    with contextlib.suppress(OSError):
        print(message, file=sys.stderr, flush=True)


def http_ok(port: int, path: str, expect: bytes = b"") -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status == 200 and expect in response.read()
    except OSError:
        return False
    finally:
        conn.close()


class Child:
    """A child process in its own session, so that Ctrl-C reaches the launcher alone and it stops
    the children in order."""

    def __init__(
        self, name: str, argv: list[str], cwd: Path, env: dict[str, str], log: Path | None, stop_grace: float
    ) -> None:
        self.name = name
        self.stop_grace = stop_grace
        output = log.open("wb") if log is not None else None
        try:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv built here, no shell
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output is not None else None,
                start_new_session=True,
            )
        finally:
            if output is not None:
                output.close()

    def exited(self) -> int | None:
        return self.process.poll()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to its whole session after its grace period."""
        grace = self.stop_grace
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            say(f"{self.name} did not stop within {grace:.0f} s: killed")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make playground", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bot-port", type=int, default=BOT_PORT, help=f"default {BOT_PORT}")
    parser.add_argument(
        "--playground-port", type=int, default=PLAYGROUND_PORT, help=f"default {PLAYGROUND_PORT}"
    )
    parser.add_argument(
        "--database",
        default=DEFAULT_DATABASE_URL,
        metavar="DATABASE_URL",
        help=f"the bot's store (default {DEFAULT_DATABASE_URL}, relative to the repository root)",
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=REPO_ROOT / "var",
        help="where the Playground's logs go (default var/); the bot logs to this terminal",
    )
    return parser.parse_args(argv)


def bot_env(args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _BOT_ENV_CLEARED}
    env.update({"HOST": HOST, "PORT": str(args.bot_port), "DATABASE_URL": args.database})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def playground_env(args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PLAYGROUND_ENV_CLEARED}
    env.update(
        {
            # --disable-telemetry alone still leaves Azure IMDS and DNS probes; this stops them.
            "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
            "TEAMSAPPTESTER_BROWSER": "none",
            # It calls listen(port) with no host, which would bind every interface.
            "NODE_OPTIONS": f'--require "{LOCALHOST_PRELOAD}"',
            "M365_AGENTS_PLAYGROUND_LOGFILE": str(args.log_dir / "playground-internal.log"),
        }
    )
    return env


def playground_argv(node: str, args: argparse.Namespace) -> list[str]:
    return [
        node,
        str(PLAYGROUND_CLI),
        "start",
        "--app-endpoint",
        f"http://{HOST}:{args.bot_port}/api/messages",
        "--channel-id",
        "msteams",
        "--port",
        str(args.playground_port),
        "--service-url",
        f"http://{HOST}:{args.playground_port}/_connector",
        "--disable-telemetry",
    ]


def wait_until(what: str, ready: Callable[[], bool], children: list[Child], stop: threading.Event) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not ready():
        for child in children:
            if (code := child.exited()) is not None:
                raise LaunchError(f"{child.name} exited with status {code} while starting (see its output)")
        if stop.is_set():
            raise StopRequested
        if time.monotonic() > deadline:
            raise LaunchError(f"{what} did not answer within {STARTUP_TIMEOUT:.0f} s")
        stop.wait(0.1)


def listening_port(log: Path) -> int | None:
    """The port the Playground says it listens on: it moves to a random one if its own is taken."""
    match = re.search(rb"Listening on (\d+)", log.read_bytes()) if log.exists() else None
    return int(match.group(1)) if match else None


def next_steps(args: argparse.Namespace, ids: TeamsIds) -> str:
    bot = f"http://{HOST}:{args.bot_port}"
    # The CLI reads DATABASE_URL as the bot does: name the bot's store when the shell may say otherwise.
    own_store = args.database == DEFAULT_DATABASE_URL and not os.environ.get("DATABASE_URL")
    store = "" if own_store else f"DATABASE_URL={shlex.quote(args.database)} "
    claim = CLAIM_FILE.relative_to(REPO_ROOT)
    auth = '-H "Authorization: Bearer $KEY"'
    return f"""
CPOR explained in a local Teams: open http://{HOST}:{args.playground_port}

  bot        {bot} (store {args.database}, authentication off)
  tenant id  {ids.tenant_id}
  user       {ids.user_name}, aadObjectId {ids.user_aad_object_id}
  claim      {claim} is a claim for this tenant with this user as its contact

Next, in another terminal in {REPO_ROOT}:
  {store}.venv/bin/cpor-bot keys create --partner "Contoso Partners"
  export KEY=cpor_...                      # the key it printed
  curl -s -X POST {bot}/api/claims {auth} \\
    -H 'Content-Type: application/json' -d @{claim}
  curl -s -X POST {bot}/api/claims/CLAIM_ID/notifications {auth} \\
    -H 'Content-Type: application/json' -d '{{"channel": "teams"}}'
The card arrives in the page. Select "Got it" on it, then see the response:
  curl -s {bot}/api/claims/CLAIM_ID {auth}

Ctrl-C stops both.
"""


def start(args: argparse.Namespace, children: list[Child], stop: threading.Event) -> str:
    """Start the bot, then the Playground; return what to tell the developer once both answer."""
    node = check_prerequisites()
    ids = read_teams_ids(CONFIG_FILE.read_text(encoding="utf-8"))
    check_port_free(args.bot_port, "the bot", "--bot-port")
    check_port_free(args.playground_port, "the Playground", "--playground-port")
    args.log_dir.mkdir(parents=True, exist_ok=True)

    children.append(
        Child("the bot", [sys.executable, "app.py"], REPO_ROOT, bot_env(args), None, BOT_STOP_GRACE)
    )
    # Ready, not just alive: its store answers and its delivery workers run, so a card can go out.
    wait_until("the bot", lambda: http_ok(args.bot_port, "/readyz"), children, stop)

    log = args.log_dir / "playground.log"
    argv = playground_argv(node, args)
    children.append(
        Child("the Playground", argv, PLAYGROUND_DIR, playground_env(args), log, PLAYGROUND_STOP_GRACE)
    )
    wait_until("the Playground", lambda: listening_port(log) is not None, children, stop)
    if (port := listening_port(log)) != args.playground_port:
        raise LaunchError(
            f"Port {args.playground_port} on {HOST} was taken as the Playground started (it moved to "
            f"{port}); pass --playground-port with a free port."
        )
    pong = functools.partial(http_ok, args.playground_port, "/_debug/ping", b"pong")
    wait_until("the Playground", pong, children, stop)
    return next_steps(args, ids)


def stop_all(children: list[Child]) -> None:
    """The bot first, while the Playground still takes what it sends; then the Playground."""
    for child in children:
        if child.exited() is None:
            say(f"Stopping {child.name} ...")
            child.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Ctrl-C, a service manager, or the terminal closing: the children, in sessions of their own,
    # hear none of these themselves.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    children: list[Child] = []
    try:
        print(start(args, children, stop), flush=True)
        while not stop.wait(0.2):
            for child in children:
                if (code := child.exited()) is not None:
                    raise LaunchError(f"{child.name} exited with status {code}")
    except StopRequested:
        pass
    except LaunchError as exc:
        say(f"make playground: {exc}")
        return 1
    finally:
        stop_all(children)
    return 0


if __name__ == "__main__":
    sys.exit(main())
