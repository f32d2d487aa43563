"""Write the web page screenshots in this folder: ``PYTHONPATH=. python docs/web/make_screenshots.py``.

The service runs as it does in the browser tests (``app.py`` on a loopback port, a fresh SQLite
file); a partner makes the sample claim (Contoso Partners for Fabrikam Ltd: Teams, Exchange and
Intune) and has it sent by email, and the contact's link is read from the ``.eml`` the service wrote.
Debian's headless Chromium opens it (nothing leaves the machine) and saves the whole page:

- ``claim.en.1280.png``, ``claim.en.320.png``: the claim page as the contact first sees it
- ``cpor.en.1280.png``: the explainer, ``/cpor``

Each page must also pass the browser tests' checks (axe-core, no request off the machine, no console
or CSP error, no sideways scrolling), or nothing is written.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.web.browser import (
    NARROW,
    WIDE,
    BrowserUnavailable,
    Check,
    Goto,
    Screenshot,
    Visit,
    check_available,
    run_visits,
)
from tests.web.service import create_claim, link_from_email, notify_by_email, running_service

HERE = Path(__file__).resolve().parent
READER = "lee.gu@fabrikam.example"  # the sample's contact who gets the claim by email


def main() -> int:
    try:
        check_available()
    except BrowserUnavailable as err:
        print(f"cannot take screenshots: {err.reason}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder, running_service(Path(folder) / "service") as service:
        claim_id = str(create_claim(service)["id"])
        notify_by_email(service, claim_id)
        link = link_from_email(service, claim_id, READER) + "?lang=en"
        shots = Path(folder) / "shots"
        urls = {"claim": link, "cpor": service.url("/cpor?lang=en")}
        # file name: (page, window width)
        pages = {
            "claim.en.1280.png": ("claim", WIDE),
            "claim.en.320.png": ("claim", NARROW),
            "cpor.en.1280.png": ("cpor", WIDE),
        }
        visits = [
            Visit(name, [Goto(urls[page]), Check(), Screenshot(shots / name)], width=width)
            for name, (page, width) in pages.items()
        ]
        reports = run_visits(visits)
        problems = [f"{report.name}: {line}" for report in reports for line in report.problems()]
        if problems:
            print("not written, the pages have problems:\n" + "\n".join(problems), file=sys.stderr)
            return 1
        for name in pages:
            (HERE / name).write_bytes((shots / name).read_bytes())
            print(f"wrote {(HERE / name).relative_to(HERE.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
