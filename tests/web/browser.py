"""The service's pages in a real browser: `page_check.mjs` (headless Debian Chromium through
playwright-core, axe-core injected, every request off loopback aborted) run with a timeout, its JSON
report parsed.

    report = check_page("http://127.0.0.1:8000/privacy", width=320)
    report.problems()            # [] when axe, the console, the CSP and the layout have nothing to say

    (visit,) = run_visits([Visit("flow", [Goto(url), Click("button", "Got it"), Check()])])
    visit.last.text              # what the reader sees after pressing the button

Needs `npm ci` in the repository root (`make test` does it) and `apt-get install chromium`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

from cards.render import missing_browser_parts, run_node_json

ROOT = Path(__file__).resolve().parents[2]  # the repository root: node_modules lives here
SCRIPT = Path(__file__).resolve().parent / "page_check.mjs"
NODE_PACKAGES = ("playwright-core", "axe-core")
WIDE = 1280  # a laptop's window
NARROW = 320  # the narrowest phone WCAG's reflow criterion (1.4.10) asks for


class BrowserUnavailable(RuntimeError):
    """Node, the npm packages or Chromium are missing; `reason` says which and how to install it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BrowserError(RuntimeError):
    """The driver ran but failed: the browser did not start, it timed out, or its output was bad."""


# --- steps of a visit -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Goto:
    url: str

    def job(self) -> dict[str, Any]:
        return {"goto": self.url}


@dataclass(frozen=True)
class Click:
    """Press the one element with this ARIA role ("link", "button") and accessible name."""

    role: str
    name: str

    def job(self) -> dict[str, Any]:
        return {"click": {"role": self.role, "name": self.name}}


@dataclass(frozen=True)
class Fill:
    """Type into the one form field whose label is `label`."""

    label: str
    text: str

    def job(self) -> dict[str, Any]:
        return {"fill": {"label": self.label, "text": self.text}}


@dataclass(frozen=True)
class Check:
    """Run axe-core and measure the page's width, as it is now."""

    def job(self) -> dict[str, Any]:
        return {"check": True}


@dataclass(frozen=True)
class Screenshot:
    path: Path
    full_page: bool = True

    def job(self) -> dict[str, Any]:
        return {"screenshot": {"path": str(self.path.resolve()), "full_page": self.full_page}}


@dataclass(frozen=True)
class TabTo:
    """Press Tab, as a keyboard user does, until the element named `name` has the focus."""

    name: str

    def job(self) -> dict[str, Any]:
        return {"tab_to": self.name}


@dataclass(frozen=True)
class Press:
    """Press a key ("Enter", "Space") on whatever has the focus."""

    key: str

    def job(self) -> dict[str, Any]:
        return {"press": self.key}


Step = Goto | Click | Fill | Check | Screenshot | TabTo | Press


@dataclass(frozen=True)
class Visit:
    """One reader in a fresh browser context, taking `steps` in order at a window `width` wide."""

    name: str
    steps: Sequence[Step]
    width: int = WIDE
    height: int = 900
    color_scheme: str = "light"

    def job(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "color_scheme": self.color_scheme,
            "steps": [step.job() for step in self.steps],
        }


# --- what the browser saw ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """One axe-core rule broken, and the CSS selectors of the elements that break it."""

    id: str
    impact: str | None
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.id} ({self.impact}): {self.help} at {', '.join(self.targets)}"


@dataclass(frozen=True)
class Overflow:
    scroll_width: int
    client_width: int
    inner_width: int
    overflowing: bool


@dataclass(frozen=True)
class FocusStop:
    """An element the Tab key reached, and whether the page drew a focus indicator on it."""

    name: str
    tag: str
    visible: bool


@dataclass(frozen=True)
class Snapshot:
    """The page after one step: where the browser is, the document's status and what it shows.
    `violations` and `overflow` are set after a Check, `focus_path` after a TabTo, `png` after a
    Screenshot, `error` when the step failed (and the visit stopped there)."""

    step: str
    url: str | None
    status: int | None
    method: str | None
    lang: str | None
    title: str | None
    text: str | None
    violations: tuple[Violation, ...] | None
    incomplete: tuple[str, ...] | None
    overflow: Overflow | None
    focus_path: tuple[FocusStop, ...] | None
    png: Path | None
    error: str | None


@dataclass(frozen=True)
class CspViolation:
    directive: str
    blocked: str
    source: str


@dataclass(frozen=True)
class VisitReport:
    name: str
    snapshots: tuple[Snapshot, ...]
    outside_requests: tuple[str, ...]
    console_errors: tuple[str, ...]
    page_errors: tuple[str, ...]
    csp_violations: tuple[CspViolation, ...]
    width: int = field(default=WIDE)

    @property
    def last(self) -> Snapshot:
        return self.snapshots[-1]

    def problems(self, *, allowed_console_errors: Sequence[str] = ()) -> list[str]:
        """Everything a reader's browser held against the pages of this visit, one line each: a
        failed step, axe violations, a request off the machine, a console, page or CSP error, a page
        wider than the window, an element the Tab key reached with no focus indicator drawn.
        `allowed_console_errors` are substrings of console errors expected here (Chromium logs an
        error status of the document itself)."""
        found: list[str] = []
        for snapshot in self.snapshots:
            where = f"{snapshot.step} {snapshot.url}"
            if snapshot.error is not None:
                found.append(f"{where}: step failed: {snapshot.error}")
            for violation in snapshot.violations or ():
                found.append(f"{where}: axe {violation}")
            if snapshot.overflow is not None and snapshot.overflow.overflowing:
                found.append(
                    f"{where}: {snapshot.overflow.scroll_width} px wide in a "
                    f"{snapshot.overflow.inner_width} px window (scrolls sideways)"
                )
            for stop in snapshot.focus_path or ():
                if not stop.visible:
                    found.append(f"{where}: no focus indicator on <{stop.tag}> {stop.name!r}")
        found += [f"request off the machine: {url}" for url in self.outside_requests]
        found += [
            f"console error: {message}"
            for message in self.console_errors
            if not any(allowed in message for allowed in allowed_console_errors)
        ]
        found += [f"page error: {message}" for message in self.page_errors]
        found += [
            f"CSP violation: {v.directive} blocked {v.blocked} ({v.source})" for v in self.csp_violations
        ]
        return found


def check_available() -> str:
    """Return the path of `node`, or raise BrowserUnavailable saying what is missing."""
    missing = missing_browser_parts(SCRIPT, NODE_PACKAGES)
    if missing is not None:
        raise BrowserUnavailable(missing)
    return shutil.which("node") or "node"


def require_browser() -> None:
    """Skip the calling test when the browser is missing, except under CI, where it fails: CI must
    never skip the browser tests."""
    try:
        check_available()
    except BrowserUnavailable as err:
        _unavailable(err.reason)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"browser unavailable under CI: {reason}", pytrace=False)
    pytest.skip(f"browser unavailable: {reason}")


def _strings(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise BrowserError(f"page_check.mjs reported {raw!r} where a list was due")
    return tuple(str(item) for item in raw)


def _snapshot(raw: Any) -> Snapshot:
    if not isinstance(raw, dict):
        raise BrowserError(f"page_check.mjs reported a malformed snapshot: {raw!r}")
    violations = raw.get("violations")
    overflow = raw.get("overflow")
    incomplete = raw.get("incomplete")
    png = raw.get("png")
    focus_path = raw.get("focus_path")
    return Snapshot(
        step=str(raw.get("step")),
        url=raw.get("url"),
        status=raw.get("status"),
        method=raw.get("method"),
        lang=raw.get("lang"),
        title=raw.get("title"),
        text=raw.get("text"),
        violations=None
        if violations is None
        else tuple(
            Violation(str(v["id"]), v.get("impact"), str(v.get("help", "")), tuple(v["targets"]))
            for v in violations
        ),
        incomplete=None if incomplete is None else _strings(incomplete),
        overflow=None if overflow is None else Overflow(**overflow),
        focus_path=None
        if focus_path is None
        else tuple(FocusStop(str(f["name"]), str(f["tag"]), bool(f["visible"])) for f in focus_path),
        png=Path(png) if isinstance(png, str) else None,
        error=raw.get("error"),
    )


def run_visits(visits: Sequence[Visit], *, timeout: float | None = None) -> list[VisitReport]:
    """Take every visit in one browser, one after the other; raise BrowserUnavailable when the
    browser is missing and BrowserError when the driver itself failed. What the pages did wrong is
    reported, not raised."""
    node = check_available()
    if timeout is None:
        timeout = 60.0 + 10.0 * sum(len(visit.steps) for visit in visits)
    job = {"visits": [visit.job() for visit in visits]}
    try:
        raw = run_node_json(node, SCRIPT, job, timeout=timeout, items=len(visits))
    except RuntimeError as err:
        raise BrowserError(str(err)) from err
    reports = []
    for visit, item in zip(visits, raw, strict=True):
        reports.append(
            VisitReport(
                name=str(item.get("name")),
                snapshots=tuple(_snapshot(s) for s in item.get("snapshots", [])),
                outside_requests=_strings(item.get("outside_requests")),
                console_errors=_strings(item.get("console_errors")),
                page_errors=_strings(item.get("page_errors")),
                csp_violations=tuple(
                    CspViolation(str(v.get("directive")), str(v.get("blocked")), str(v.get("source")))
                    for v in item.get("csp_violations", [])
                ),
                width=visit.width,
            )
        )
    return reports


def check_page(url: str, *, width: int = WIDE, screenshot: Path | None = None) -> VisitReport:
    """Open `url` at `width`, run axe-core and measure the overflow (and write a PNG of the whole
    page to `screenshot`)."""
    steps: list[Step] = [Goto(url), Check()]
    if screenshot is not None:
        steps.append(Screenshot(screenshot))
    (report,) = run_visits([Visit(url, steps, width=width)])
    return report
