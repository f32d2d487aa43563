"""`cpor-bot doctor`: check the settings and every outside service before customers see the bot.

    cpor-bot doctor [--json] [--offline] [--timeout SECONDS] [--package PATH]

One line per check (pass, warn, fail or skip, the check's name, what to fix), then a summary; with
`--json` one JSON object and nothing else on standard output. Exit 0 when no check failed, 1 when
one did. Nothing is changed: the database is not migrated, no mail is sent. No secret is printed:
every message is cleared of the app password, the SMTP password and the database password.

`--offline` skips the database, the SMTP relay and the token endpoint; the package, a local file,
is read either way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.ops import doctor_checks as offline
from bot.ops.config import ConfigError, Settings
from bot.ops.doctor_checks import Check, Status
from bot.ops.doctor_services import LOGIN_URL, check_database, check_package, check_smtp, check_token
from bot.ops.logs import scrub
from bot.ops.manifest import DEFAULT_OUT
from bot.store.status import display_url, without_tokens

DEFAULT_TIMEOUT = 10.0
_NAME_WIDTH = 13

OFFLINE_CHECKS: tuple[tuple[str, Callable[[Settings], Check | None]], ...] = (
    ("registration", offline.registration),
    ("endpoint", offline.endpoint),
    ("email", offline.email),
    ("outlook", offline.outlook),
    ("storage", offline.storage),
    ("pages", offline.pages),
    ("links", offline.links),
)


@dataclass(frozen=True, slots=True)
class Targets:
    """Where the online checks go: Microsoft's login service and the system's TLS trust in
    production; tests point them at local servers."""

    login_url: str = LOGIN_URL
    tls_context: ssl.SSLContext | None = None  # trust for the SMTP relay; None: the system's


def default_targets() -> Targets:
    return Targets()


def _timeout_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"must be a number of seconds from 0 to 600, not {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="cpor-bot doctor",
        description="Check the settings and the services the bot needs; exit 1 when a check fails.",
    )
    result.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    result.add_argument(
        "--offline",
        action="store_true",
        help="check the settings and the package file only; reach no service",
    )
    result.add_argument(
        "--timeout",
        type=_timeout_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"seconds each online check may take (default {DEFAULT_TIMEOUT:g})",
    )
    result.add_argument(
        "--package",
        type=Path,
        default=DEFAULT_OUT,
        metavar="PATH",
        help=f"the Teams app package (default {DEFAULT_OUT})",
    )
    return result


def _unexpected(name: str, exc: BaseException) -> Check:
    """A fault of the check itself: a fail line, never a traceback."""
    detail = scrub(str(exc).splitlines()[0][:200]) if str(exc).strip() else ""
    return Check(
        name, Status.FAIL, f"the check itself failed: {type(exc).__name__}{': ' + detail if detail else ''}"
    )


def offline_checks(settings: Settings) -> list[Check]:
    results = [Check("settings", Status.PASS, "every variable is valid")]
    for name, check in OFFLINE_CHECKS:
        try:
            result = check(settings)
        except Exception as exc:  # any fault of one check is its fail line
            result = _unexpected(name, exc)
        if result is not None:
            results.append(result)
    return results


async def _bounded(name: str, check: Awaitable[Check], seconds: float, on_timeout: Check) -> Check:
    try:
        async with asyncio.timeout(seconds):
            return await check
    except TimeoutError:
        return on_timeout
    except Exception as exc:  # any fault of one check is its fail line
        return _unexpected(name, exc)


async def online_checks(settings: Settings, *, seconds: float, targets: Targets) -> list[Check]:
    """The database, the SMTP relay and the token endpoint, at once, each within `seconds`."""
    within = f"within {seconds:g} s"
    relay = f"{settings.smtp_host}:{settings.smtp_port}"
    results = await asyncio.gather(
        _bounded(
            "database",
            check_database(settings),
            seconds,
            Check("database", Status.FAIL, f"{display_url(settings.database_url)}: no answer {within}"),
        ),
        _bounded(
            "smtp",
            check_smtp(settings, tls_context=targets.tls_context),
            seconds,
            Check("smtp", Status.FAIL, f"{relay}: no answer {within}"),
        ),
        _bounded(
            "token",
            check_token(settings, login_url=targets.login_url),
            seconds,
            Check("token", Status.WARN, f"could not reach {targets.login_url} {within}"),
        ),
    )
    return list(results)


def package_check(settings: Settings, path: Path) -> Check:
    """A local file, read even with --offline."""
    try:
        return check_package(settings, path)
    except Exception as exc:  # any fault of one check is its fail line
        return _unexpected("package", exc)


def secrets_of(settings: Settings) -> list[str]:
    """The secrets the settings hold, longest first (so a secret inside another is masked whole). Not
    the database password: it is taken out where it stands, the URL's password (`display_url`) and in
    connection errors (`failure_reason`); searched for in every line, a short one garbled other words."""
    found = [settings.app_password, settings.smtp_password, *settings.link_keys]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)


def _environment_secrets() -> list[str]:
    """The secrets as set in the environment, for when they could not be read into Settings (a
    DATABASE_URL error never quotes the URL)."""
    found = [os.environ.get(name, "").strip() for name in ("MicrosoftAppPassword", "SMTP_PASSWORD")]
    found += [key.strip() for key in os.environ.get("LINK_KEYS", "").split(",") if key.strip()]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)


def masked(check: Check, secrets: Sequence[str]) -> Check:
    """`check` with any secret standing whole in its message replaced by ***: a last guard over every
    line, which never cuts a secret out of a longer word."""
    message = without_tokens(check.message, secrets)
    return replace(check, message=" ".join(message.split()))


def run(
    settings: Settings, *, offline_only: bool, seconds: float, package: Path, targets: Targets
) -> list[Check]:
    checks = offline_checks(settings)
    if offline_only:
        checks += [Check(name, Status.SKIP, "--offline") for name in ("database", "smtp", "token")]
    else:
        checks += asyncio.run(online_checks(settings, seconds=seconds, targets=targets))
    checks.append(package_check(settings, package))
    return [masked(check, secrets_of(settings)) for check in checks]


def summary(checks: Sequence[Check]) -> str:
    counts = {status: sum(1 for check in checks if check.status is status) for status in Status}
    text = f"{counts[Status.PASS]} passed, {counts[Status.WARN]} warnings, {counts[Status.FAIL]} failed"
    return text + (f", {counts[Status.SKIP]} skipped" if counts[Status.SKIP] else "")


def line(check: Check) -> str:
    return f"{check.status.value:<5} {check.name:<{_NAME_WIDTH}} {check.message}"


def render(checks: Sequence[Check], *, as_json: bool) -> str:
    if as_json:
        ok = not any(check.status is Status.FAIL for check in checks)
        items = [{"name": c.name, "status": c.status.value, "message": c.message} for c in checks]
        return json.dumps({"ok": ok, "checks": items}, ensure_ascii=False)
    return "\n".join([*(line(check) for check in checks), summary(checks)])


def main(argv: Sequence[str] | None = None, *, targets: Targets | None = None) -> int:
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        # Nothing else can be checked without settings. The message names the variable; it may quote
        # a value, so the secrets are masked from the raw environment.
        checks = [masked(Check("settings", Status.FAIL, str(exc)), _environment_secrets())]
    else:
        checks = run(
            settings,
            offline_only=args.offline,
            seconds=args.timeout,
            package=args.package,
            targets=targets or default_targets(),
        )
    print(render(checks, as_json=args.json), flush=True)
    return 1 if any(check.status is Status.FAIL for check in checks) else 0
