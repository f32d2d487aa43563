"""Every page of the service, in every language, opened in headless Chromium at a laptop's width
(1280 px) and a small phone's (320 px): axe-core finds no WCAG 2.0/2.1/2.2 A or AA violation, the
page asks nothing of any other machine, the console shows no error, the Content-Security-Policy
blocks nothing, and nothing makes the page scroll sideways. The pages ask for a dark scheme too
(`color-scheme: light dark`), so the English ones are checked in it as well.

One browser run for the whole module; the service is `app.py` on a loopback port."""

from __future__ import annotations

import pytest

from cards import SUPPORTED_LOCALES
from tests.web.browser import NARROW, WIDE, Check, Goto, Visit, VisitReport, run_visits
from tests.web.service import WebService

pytestmark = pytest.mark.browser

LEGAL_PAGES = ("/privacy", "/terms")
WIDTHS = (WIDE, NARROW)


def _name(path: str, locale: str, width: int, scheme: str = "light") -> str:
    return f"{path.strip('/')}-{locale}-{width}{'-dark' if scheme == 'dark' else ''}"


# (path, locale, width, colour scheme)
PAGE_VIEWS: list[tuple[str, str, int, str]] = [
    (path, locale, width, "light") for path in LEGAL_PAGES for locale in SUPPORTED_LOCALES for width in WIDTHS
] + [(path, "en", width, "dark") for path in LEGAL_PAGES for width in WIDTHS]
CASES = [pytest.param(*view, id=_name(*view)) for view in PAGE_VIEWS]


@pytest.fixture(scope="module")
def checked(web_service: WebService) -> dict[str, VisitReport]:
    visits = [
        Visit(
            _name(path, locale, width, scheme),
            [Goto(web_service.url(f"{path}?lang={locale}")), Check()],
            width=width,
            color_scheme=scheme,
        )
        for path, locale, width, scheme in PAGE_VIEWS
    ]
    return {report.name: report for report in run_visits(visits)}


@pytest.mark.parametrize(("path", "locale", "width", "scheme"), CASES)
def test_legal_page_passes_in_the_browser(
    checked: dict[str, VisitReport], path: str, locale: str, width: int, scheme: str
) -> None:
    report = checked[_name(path, locale, width, scheme)]
    assert report.problems() == []
    page = report.last
    assert page.status == 200
    assert page.lang == locale
    assert page.overflow is not None and page.overflow.inner_width == width
    assert page.text, "the page shows no text"
