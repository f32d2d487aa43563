"""The browser checks themselves: pages made to break each rule, served on loopback, are caught, and a
clean one passes (so an empty report from the service's pages means something)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.web.browser import (
    NARROW,
    Check,
    Click,
    Fill,
    Goto,
    Press,
    TabTo,
    Visit,
    VisitReport,
    require_browser,
    run_visits,
)

pytestmark = pytest.mark.browser

POLICY = "default-src 'none'; form-action 'self'"
HEAD = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
PAGES = {
    "/clean": HEAD
    + "</head><body><main><h1>Clean</h1><p>Nothing wrong here.</p>"
    + '<form method="post" action="/answer"><label for="q">Question</label>'
    + '<textarea id="q" name="q"></textarea><button>Send</button></form></main></body></html>',
    "/no-alt": HEAD + '</head><body><main><h1>Image</h1><img src="/pixel"></main></body></html>',
    # Served without a policy, so the browser would fetch it: the driver aborts it instead.
    "/outside": HEAD
    + '</head><body><main><h1>Outside</h1><img alt="" src="http://outside.invalid/x.png"></main></body>'
    + "</html>",
    "/script": HEAD + "</head><body><main><h1>Script</h1><script>1</script></main></body></html>",
    "/wide": HEAD + "</head><body><main><h1>Wide</h1><pre>" + "w" * 200 + "</pre></main></body></html>",
    # Served without a policy: its style sheet takes the browser's focus ring away.
    "/no-focus-ring": HEAD
    + '<style>:focus{{outline:none}}</style></head><body><main><h1>Focus</h1><a href="/clean">Clean</a>'
    + "</main></body></html>",
    # Dark grey on the dark canvas a dark scheme gives: fine on white, unreadable in the dark.
    "/dark-grey": HEAD.replace("<head>", '<head><meta name="color-scheme" content="light dark">')
    + '</head><body><main><h1>Dark</h1><p><font color="#444444">Hard to read at night.</font></p>'
    + "</main></body></html>",
}


class _Pages(BaseHTTPRequestHandler):
    def _send(self, status: int, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if self.path not in ("/outside", "/no-focus-ring"):
            self.send_header("Content-Security-Policy", POLICY)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # the name http.server calls for a GET
        page = PAGES.get(self.path)
        if page is None:
            self._send(404, HEAD.format(title="Not found") + "</head><body><h1>Not found</h1></body></html>")
        else:
            self._send(200, page.format(title=self.path.strip("/")))

    def do_POST(self) -> None:  # the name http.server calls for a POST
        length = int(self.headers.get("Content-Length", "0"))
        asked = self.rfile.read(length).decode("utf-8")
        self._send(
            200, HEAD.format(title="Sent") + f"</head><body><main><h1>Sent: {asked}</h1></main></body></html>"
        )

    def log_message(self, format: str, *args: object) -> None:  # quiet: no line per request
        return


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    require_browser()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def reports(base_url: str) -> dict[str, VisitReport]:
    visits = [
        Visit("clean", [Goto(f"{base_url}/clean"), Check()], width=NARROW),
        Visit("clean-dark", [Goto(f"{base_url}/clean"), Check()], color_scheme="dark"),
        Visit("no-alt", [Goto(f"{base_url}/no-alt"), Check()]),
        Visit("outside", [Goto(f"{base_url}/outside"), Check()]),
        Visit("script", [Goto(f"{base_url}/script"), Check()]),
        Visit("wide", [Goto(f"{base_url}/wide"), Check()], width=NARROW),
        Visit("dark-grey-light", [Goto(f"{base_url}/dark-grey"), Check()]),
        Visit("dark-grey-dark", [Goto(f"{base_url}/dark-grey"), Check()], color_scheme="dark"),
        Visit(
            "form",
            [Goto(f"{base_url}/clean"), Fill("Question", "Who are you?"), Click("button", "Send")],
        ),
        Visit(
            "keyboard",
            [Goto(f"{base_url}/clean"), TabTo("Question"), Press("Tab"), TabTo("Send"), Press("Enter")],
        ),
        Visit("no-focus-ring", [Goto(f"{base_url}/no-focus-ring"), TabTo("Clean")]),
        Visit("missing-button", [Goto(f"{base_url}/clean"), Click("button", "Nothing"), Check()]),
        Visit("not-found", [Goto(f"{base_url}/nowhere")]),
    ]
    return {report.name: report for report in run_visits(visits)}


def test_a_clean_page_passes(reports: dict[str, VisitReport]) -> None:
    for name in ("clean", "clean-dark"):
        report = reports[name]
        assert report.problems() == [], name
        assert report.last.violations == ()
        assert report.last.overflow is not None and not report.last.overflow.overflowing


def test_an_image_without_text_is_an_axe_violation(reports: dict[str, VisitReport]) -> None:
    violations = reports["no-alt"].last.violations
    assert violations is not None and [v.id for v in violations] == ["image-alt"]
    assert violations[0].targets == ("img",)


def test_a_request_off_the_machine_is_aborted_and_reported(reports: dict[str, VisitReport]) -> None:
    report = reports["outside"]
    assert report.outside_requests == ("http://outside.invalid/x.png",)
    assert "request off the machine: http://outside.invalid/x.png" in report.problems()


def test_a_blocked_script_is_a_csp_violation_and_a_console_error(reports: dict[str, VisitReport]) -> None:
    report = reports["script"]
    assert [v.directive for v in report.csp_violations] == ["script-src-elem"]
    assert any("Content Security Policy" in message for message in report.console_errors)


def test_a_page_wider_than_a_phone_is_caught(reports: dict[str, VisitReport]) -> None:
    overflow = reports["wide"].last.overflow
    assert overflow is not None and overflow.overflowing
    assert overflow.inner_width == NARROW and overflow.scroll_width > NARROW
    assert any("scrolls sideways" in line for line in reports["wide"].problems())


def test_contrast_is_measured_on_the_canvas_the_scheme_paints(reports: dict[str, VisitReport]) -> None:
    assert reports["dark-grey-light"].last.violations == ()
    dark = reports["dark-grey-dark"].last.violations
    assert dark is not None and [v.id for v in dark] == ["color-contrast"]


def test_a_form_is_filled_and_sent_as_a_reader_would(reports: dict[str, VisitReport]) -> None:
    report = reports["form"]
    assert report.problems() == []
    sent = report.last
    assert (sent.method, sent.status, sent.url) == ("POST", 200, sent.url)
    assert sent.url is not None and sent.url.endswith("/answer")
    assert sent.text == "Sent: q=Who+are+you%3F"


def test_a_step_that_cannot_be_taken_stops_the_visit(reports: dict[str, VisitReport]) -> None:
    report = reports["missing-button"]
    assert [s.step for s in report.snapshots] == ["goto", "click"]
    assert report.last.error == '0 elements are a button named "Nothing"'
    assert report.problems() == [f"click {report.last.url}: step failed: {report.last.error}"]


def test_an_error_status_is_reported(reports: dict[str, VisitReport]) -> None:
    report = reports["not-found"]
    assert report.last.status == 404 and report.last.error is None


def test_a_keyboard_user_reaches_and_sends_a_form(reports: dict[str, VisitReport]) -> None:
    report = reports["keyboard"]
    assert report.problems() == []
    first_tabs = report.snapshots[1].focus_path
    assert first_tabs is not None and [(f.tag, f.name, f.visible) for f in first_tabs] == [
        ("textarea", "Question", True)
    ]
    assert (report.last.method, report.last.text) == ("POST", "Sent: q=")


def test_a_focus_without_an_indicator_is_caught(reports: dict[str, VisitReport]) -> None:
    report = reports["no-focus-ring"]
    assert report.problems() == [f"tab_to {report.last.url}: no focus indicator on <a> 'Clean'"]
