"""Render cards in a real Adaptive Cards client, offline: a tool next to the pure builders.

`render` hands cards to `cards/renderer.mjs`, which runs Microsoft's JS SDK (npm adaptivecards 3.0.6)
in headless Debian Chromium with every network request blocked. Per card it reports the SDK's parse
and validation events for the host (Teams: 1.5, Teams light host config; Outlook: 1.4, the Outlook
desktop host config, no Action.Submit, an originator), whether it rendered, and optionally a PNG.

This module does I/O (a subprocess, files); the builders never import it, and `cards` does not
export it. Needs `npm ci` in the repository root (`make test` does it) and `apt-get install chromium`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # noqa: S404  # runs our own Node script with a fixed argument list
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cards.elements import HOSTS
from cards.i18n import SUPPORTED_LOCALES
from cards.samples import ALL_KINDS, variants

__all__ = [
    "HOSTS",
    "OUTLOOK_SAMPLE_ORIGINATOR",
    "RenderReport",
    "RendererError",
    "RendererUnavailable",
    "check_available",
    "preview",
    "render",
    "sample_cards",
]

ROOT = Path(__file__).resolve().parent.parent  # the repository root: node_modules lives here
SCRIPT = Path(__file__).resolve().parent / "renderer.mjs"
NODE_PACKAGES = ("adaptivecards", "markdown-it", "playwright-core")
OUTLOOK_SAMPLE_ORIGINATOR = "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"  # a made-up provider id for samples

CardJob = tuple[str, str, dict[str, Any]]  # (name, host, card)


class RendererUnavailable(RuntimeError):
    """Node, the npm packages or Chromium are missing; `reason` says which and how to install it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RendererError(RuntimeError):
    """The renderer ran but failed: the browser did not start, it timed out, or its output was bad."""


@dataclass(frozen=True, slots=True)
class RenderReport:
    """What the client made of one card. `events` read "[Phase] Event: message"."""

    name: str
    events: list[str]
    rendered: bool
    png: Path | None

    @property
    def ok(self) -> bool:
        return self.rendered and not self.events


def _chromium() -> Path:
    return Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


def missing_browser_parts(script: Path, packages: Sequence[str]) -> str | None:
    """What a Node script driving headless Chromium lacks here (and how to install it), or None."""
    if shutil.which("node") is None:
        return "node is not installed (apt-get install nodejs npm)"
    missing = [name for name in packages if not (ROOT / "node_modules" / name / "package.json").is_file()]
    if missing:
        return (
            f"npm packages missing from {ROOT / 'node_modules'}: {', '.join(missing)} "
            f"(`make test` installs them, or run `npm ci` in {ROOT})"
        )
    chromium = _chromium()
    if not (chromium.is_file() and os.access(chromium, os.X_OK)):
        return f"{chromium} is missing (apt-get install chromium fonts-liberation)"
    if not script.is_file():
        return f"{script} is missing"
    return None


def run_node_json(
    node: str, script: Path, job: Mapping[str, Any], *, timeout: float, items: int
) -> list[dict[str, Any]]:
    """Run `node script -` with `job` as JSON on standard input; its report, a JSON list of `items`
    objects. RuntimeError (its message says what) when it failed, timed out or printed no report."""
    try:
        done = subprocess.run(  # noqa: S603  # fixed argv: node and our own script
            [node, str(script), "-"],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise RuntimeError(f"{script.name} timed out after {timeout:.0f} s") from err
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    try:
        raw = json.loads(done.stdout)
    except json.JSONDecodeError as err:
        raise RuntimeError(f"{script.name} printed no JSON report: {done.stdout[:500]!r}") from err
    if not isinstance(raw, list) or len(raw) != items:
        raise RuntimeError(f"{script.name} reported {len(raw) if isinstance(raw, list) else raw!r} items")
    if not all(isinstance(item, dict) for item in raw):
        raise RuntimeError(f"{script.name} reported a malformed item")
    return raw


def check_available() -> str:
    """Return the path of `node`, or raise RendererUnavailable saying what is missing."""
    missing = missing_browser_parts(SCRIPT, NODE_PACKAGES)
    if missing is not None:
        raise RendererUnavailable(missing)
    return shutil.which("node") or "node"


def _event_line(event: Any) -> str:
    if not isinstance(event, dict):
        raise RendererError(f"renderer reported a malformed event: {event!r}")
    return f"[{event.get('phase')}] {event.get('event')}: {event.get('message')}"


def render(
    cards: Sequence[CardJob],
    *,
    png_dir: Path | None = None,
    width: int = 500,
    timeout: float | None = None,
) -> list[RenderReport]:
    """Parse, validate and render `(name, host, card)` triples in one browser; PNGs go to `png_dir`.

    Names must be plain file names (the PNG is `<png_dir>/<name>.png`); hosts are "teams" or "outlook".
    Events are reported, not raised: an empty `events` and `rendered` mean the client took the card.
    """
    node = check_available()
    job = {
        "cards": [{"name": name, "host": host, "card": card} for name, host, card in cards],
        "png_dir": str(png_dir.resolve()) if png_dir is not None else None,
        "width": width,
    }
    if timeout is None:
        timeout = 60.0 + (1.0 if png_dir is not None else 0.3) * len(cards)
    try:
        raw = run_node_json(node, SCRIPT, job, timeout=timeout, items=len(cards))
    except RuntimeError as err:
        raise RendererError(str(err)) from err
    reports = []
    for item in raw:
        if not isinstance(item, dict):
            raise RendererError(f"renderer reported a malformed entry: {item!r}")
        png = item.get("png")
        reports.append(
            RenderReport(
                name=str(item.get("name")),
                events=[_event_line(e) for e in item.get("events", [])],
                rendered=bool(item.get("rendered")),
                png=Path(png) if isinstance(png, str) else None,
            )
        )
    return reports


def sample_cards(
    *,
    kinds: tuple[str, ...] = ALL_KINDS,
    hosts: tuple[str, ...] = HOSTS,
    locales: tuple[str, ...] = SUPPORTED_LOCALES,
    samples: tuple[str, ...] = (),
) -> list[CardJob]:
    """(name, host, card) for every variant `cards.samples.variants()` builds (only those samples,
    and the kinds without samples, when `samples` is given)."""
    return [
        (variant.filename.removesuffix(".json"), variant.host, dict(variant.card))
        for variant in variants(kinds=kinds, hosts=hosts, locales=locales)
        if not samples or variant.sample is None or variant.sample in samples
    ]


def preview(
    out_dir: Path,
    *,
    kinds: tuple[str, ...] = ALL_KINDS,
    hosts: tuple[str, ...] = HOSTS,
    locales: tuple[str, ...] = SUPPORTED_LOCALES,
    samples: tuple[str, ...] = (),
) -> list[Path]:
    """Render every variant to `out_dir/<name>.png` (Teams light for Teams, Outlook desktop for
    Outlook) and return the paths. Raises RendererError if a card did not render."""
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = sample_cards(kinds=kinds, hosts=hosts, locales=locales, samples=samples)
    reports = render(jobs, png_dir=out_dir)
    failed = [report.name for report in reports if report.png is None]
    if failed:
        raise RendererError(f"not rendered: {', '.join(failed)}")
    return [report.png for report in reports if report.png is not None]
