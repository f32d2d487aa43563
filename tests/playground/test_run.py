"""`make playground` end to end: the launcher (playground/run.py) starts the real bot and the real
Agents Playground, the README's walkthrough runs against them, and Ctrl-C stops everything.

The launcher gets free ports, a database and a log folder in pytest's tmp dir; everything else is
as a developer runs it, the committed config and claim included.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.bot_app import PartnerApi
from tests.e2e.playground import Playground, TeamsIdentity
from tests.e2e.playground_client import PlaygroundClient, card_text
from tests.e2e.processes import HOST, ManagedProcess, base_env, free_port
from tests.e2e.processes import _listening_addresses as listening_addresses  # as the e2e fixtures check
from tests.playground.launcher import LAUNCHER_PATH, run

REPO_ROOT = Path(__file__).resolve().parents[2]
IDS = run.read_teams_ids(run.CONFIG_FILE.read_text(encoding="utf-8"))
READY_WITHIN = 60.0
STOPPED_WITHIN = run.BOT_STOP_GRACE + run.PLAYGROUND_STOP_GRACE + 10
GOT_IT = "Got it"  # cards/text/en.toml, [claim] acknowledge


def launcher_env(tmp_path: Path) -> dict[str, str]:
    # Emails (none expected) go to the tmp dir, not the repository's var/.
    return {**base_env(), "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")}


def launcher_argv(tmp_path: Path, bot_port: int, playground_port: int) -> list[str]:
    return [
        sys.executable,
        str(LAUNCHER_PATH),
        "--bot-port",
        str(bot_port),
        "--playground-port",
        str(playground_port),
        "--database",
        f"sqlite:///{tmp_path}/bot.db",
        "--log-dir",
        str(tmp_path),
    ]


def child_pids(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name may hold spaces and parentheses; the parent pid follows its last ")".
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return children


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def processes_mentioning(marker: str) -> list[int]:
    """Processes whose command line or environment holds `marker` (a test's own tmp path)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if any(marker.encode() in (proc / part).read_bytes() for part in ("cmdline", "environ")):
                found.append(int(proc.name))
    return found


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def running_launcher(tmp_path: Path, bot_port: int, playground_port: int) -> Iterator[ManagedProcess]:
    """The launcher as `make playground` runs it; whatever is left of it is killed afterwards."""
    launcher = ManagedProcess(
        "make playground",
        launcher_argv(tmp_path, bot_port, playground_port),
        REPO_ROOT,
        launcher_env(tmp_path),
        tmp_path / "launcher.log",
    )
    launcher.start()
    try:
        yield launcher
    finally:
        launcher.stop()
        for pid in processes_mentioning(str(tmp_path)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def wait_for_output(launcher: ManagedProcess, pattern: str) -> str:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        output = launcher.log_path.read_text(encoding="utf-8", errors="replace")
        if re.search(pattern, output, re.MULTILINE):
            return output
        if (code := launcher.exited()) is not None:
            launcher.fail(f"the launcher exited with status {code} before printing {pattern!r}")
        time.sleep(0.1)
    launcher.fail(f"the launcher printed no {pattern!r} within {READY_WITHIN:.0f} s")


def create_key_as_printed(output: str, tmp_path: Path) -> str:
    """Run the `cpor-bot keys create` line the launcher printed, as a developer pastes it."""
    command = re.search(r"^\s*((?:DATABASE_URL=\S+ )?\.venv/bin/cpor-bot keys create .*)$", output, re.M)
    assert command is not None, output
    result = subprocess.run(  # noqa: S603 - the printed command, with its DATABASE_URL, in bash
        ["/bin/bash", "-c", command.group(1)],
        cwd=REPO_ROOT,
        env=launcher_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    key = re.search(r"^Key:\s+(cpor_\S+)$", result.stdout, re.MULTILINE)
    assert key is not None, result.stdout
    return key.group(1)


def stop_with(launcher: ManagedProcess, signum: signal.Signals) -> int:
    """Signal the launcher as a terminal or a service manager would; its exit code. The bot must be
    told first, while the Playground still runs."""
    assert launcher.proc is not None
    launcher.proc.send_signal(signum)
    code = launcher.proc.wait(timeout=STOPPED_WITHIN)
    log = launcher.log()
    assert 0 <= log.index("Stopping the bot") < log.index("Stopping the Playground"), log
    assert "did not stop within" not in log, log  # both stopped on SIGTERM, none was killed
    return code


def got_it_action(card: dict[str, Any]) -> dict[str, Any]:
    actions = [a for el in card["body"] if el.get("type") == "ActionSet" for a in el["actions"]]
    [action] = [a for a in actions if a.get("title") == GOT_IT]
    assert action["type"] == "Action.Execute", action
    return action


async def wait_for_response(api: PartnerApi, claim_id: str, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            claim = await api.get_claim(claim_id)
            if any(r["kind"] == kind for r in claim["responses"]):
                return claim
            await asyncio.sleep(0.2)


@pytest.mark.e2e
async def test_the_walkthrough_then_ctrl_c_stops_both(tmp_path: Path) -> None:
    bot_port, playground_port = free_port(), free_port()
    with running_launcher(tmp_path, bot_port, playground_port) as launcher:
        output = wait_for_output(launcher, rf"open http://127\.0\.0\.1:{playground_port}$")
        assert f"tenant id  {IDS.tenant_id}" in output
        assert f"aadObjectId {IDS.user_aad_object_id}" in output
        children = child_pids(launcher.pid)
        assert len(children) == 2, children  # the bot and the Playground
        for pid in children:
            assert {address for address, _ in listening_addresses(pid) or set()} == {HOST}

        key = create_key_as_printed(output, tmp_path)
        identity = TeamsIdentity(
            tenant_id=IDS.tenant_id,
            user_id=IDS.user_id,
            user_aad_object_id=IDS.user_aad_object_id,
            user_name=IDS.user_name,
            user_email=IDS.user_email,
            personal_chat_id=IDS.personal_chat_id,
        )
        page = Playground(playground_port, identity, launcher, run.PLAYGROUND_DIR)
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
            PlaygroundClient(page) as client,
        ):
            api = PartnerApi(session, f"http://{HOST}:{bot_port}", key)
            # What the page does when it opens: the app is installed in the personal chat.
            await client.install()
            await client.wait_for_card(lambda c: client.mentions(c, "help"))

            claim = json.loads(run.CLAIM_FILE.read_text(encoding="utf-8"))
            status, _, created = await api.request("POST", "/api/claims", claim)
            assert status == 201, created
            status, _, notified = await api.request(
                "POST", f"/api/claims/{created['id']}/notifications", {"channel": "teams"}
            )
            assert status == 202, notified
            message = await client.wait_for_card_message(
                lambda c: "Contoso Partners" in card_text(c) and GOT_IT in card_text(c)
            )
            assert message.card is not None
            action = got_it_action(message.card)
            await client.invoke(
                message.message_id, {"type": "Action.Execute", "verb": action["verb"], "data": action["data"]}
            )
            answered = await wait_for_response(api, created["id"], "acknowledged")
            [response] = answered["responses"]
            assert (response["user_name"], response["channel"]) == (IDS.user_name, "msteams")
            assert answered["deliveries"][0]["status"] == "sent", answered

        assert stop_with(launcher, signal.SIGINT) == 0, launcher.log()
        assert [pid for pid in children if alive(pid)] == []
        assert port_is_free(bot_port) and port_is_free(playground_port)


@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_or_a_closed_terminal_stops_both_and_exits_0(tmp_path: Path, signum: signal.Signals) -> None:
    bot_port, playground_port = free_port(), free_port()
    with running_launcher(tmp_path, bot_port, playground_port) as launcher:
        wait_for_output(launcher, rf"open http://127\.0\.0\.1:{playground_port}$")
        children = child_pids(launcher.pid)
        assert len(children) == 2, children

        assert stop_with(launcher, signum) == 0, launcher.log()
        assert [pid for pid in children if alive(pid)] == []
        assert port_is_free(bot_port) and port_is_free(playground_port)


@pytest.mark.e2e
def test_when_the_bot_dies_the_playground_is_stopped_and_the_exit_code_says_so(tmp_path: Path) -> None:
    bot_port, playground_port = free_port(), free_port()
    with running_launcher(tmp_path, bot_port, playground_port) as launcher:
        wait_for_output(launcher, rf"open http://127\.0\.0\.1:{playground_port}$")
        [bot] = [
            pid for pid in child_pids(launcher.pid) if b"app.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        [playground] = [pid for pid in child_pids(launcher.pid) if pid != bot]

        os.kill(bot, signal.SIGKILL)

        assert launcher.proc is not None
        assert launcher.proc.wait(timeout=STOPPED_WITHIN) == 1, launcher.log()
        assert "the bot exited with status -9" in launcher.log()
        assert not alive(playground)
        assert port_is_free(playground_port)


@pytest.mark.e2e
@pytest.mark.parametrize("option", ["--bot-port", "--playground-port"])
def test_a_taken_port_stops_it_at_once_with_a_clear_message(tmp_path: Path, option: str) -> None:
    with socket.socket() as holder:
        holder.bind((HOST, 0))
        holder.listen()
        taken = int(holder.getsockname()[1])
        ports = {"--bot-port": free_port(), "--playground-port": free_port(), option: taken}
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - the launcher under test, no shell
            launcher_argv(tmp_path, ports["--bot-port"], ports["--playground-port"]),
            cwd=REPO_ROOT,
            env=launcher_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        took = time.monotonic() - started

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"Port {taken} on {HOST} is taken" in result.stderr
    assert option in result.stderr
    assert "open http://" not in result.stdout
    assert processes_mentioning(str(tmp_path)) == []
    assert took < 10
