"""Microsoft's M365 Agents Playground as a child process: whether it can run here, its config (the mock
tenant, user and chats), and starting it on a free loopback port."""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.bot_app import BotServer
from tests.e2e.processes import (
    HOST,
    STARTUP_TIMEOUT,
    ManagedProcess,
    assert_loopback_only,
    base_env,
    free_port,
    wait_for_http,
)
from tests.playground import launcher

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
PLAYGROUND_PACKAGE = REPO_ROOT / "node_modules" / "@microsoft" / "m365agentsplayground"
PLAYGROUND_CLI = PLAYGROUND_PACKAGE / "cli.js"
# Shared with `make playground` (playground/run.py), which keeps the Playground on loopback the same way.
LOCALHOST_PRELOAD = REPO_ROOT / "playground" / "localhost-only.cjs"

# Environment variables the Playground reads that would override the command line or config file:
# the launcher's list, so the two cannot drift apart.
_PLAYGROUND_ENV_OVERRIDES = launcher.run._PLAYGROUND_ENV_CLEARED  # noqa: SLF001 - one list for both


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


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_prerequisites() -> list[str]:
    missing = []
    if shutil.which("node") is None:
        missing.append("`node` is not on PATH (install Node.js 20)")
    if not PLAYGROUND_CLI.is_file():
        missing.append(
            f"{PLAYGROUND_PACKAGE.relative_to(REPO_ROOT)} is missing (run `npm ci` in the repository root)"
        )
    return missing


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
        "# Written by tests/e2e/playground.py. Schema: https://aka.ms/teams-app-test-tool-config/0.1.1/config.schema.json\n"
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
    env = base_env()
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
            wait_for_http(process, port, "/_debug/ping", deadline, expect=b"pong")
            assert_loopback_only(process)
        except BaseException:
            process.stop()
            raise
        return Playground(port=port, identity=identity, process=process, workdir=workdir)
    raise AssertionError("unreachable")
