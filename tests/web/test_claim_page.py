"""A contact's claim page and the explainer, used in headless Chromium as a person would.

A partner makes claims through the API and has them sent by email; the contact's link is read from
the `.eml` the service wrote and opened in the browser. Every state a reader can reach (the page in
each language, at 1280 and 320 px, in light and dark; after an answer; with a question that cannot
be sent; an expired or a broken link; the explainer) passes axe-core's WCAG 2.0-2.2 A and AA rules
with no request off the machine, no console or CSP error and no sideways scrolling. Then the flows:
switching language keeps the link, Got it and I don't recognise them are shown on the page and
listed by the partner API, a keyboard alone reaches Got it with the focus always shown, a question
reaches the partner's webhook, an expired link shows nothing of the claim.

One service (`app.py` on a loopback port, SQLite, LINK_KEYS known to the tests, webhooks allowed on
loopback) and one browser run for the whole module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.web.page_frame import claim_page_text
from cards import SUPPORTED_LOCALES
from cards.i18n import text_for
from tests.web.browser import (
    NARROW,
    WIDE,
    Check,
    Click,
    Fill,
    Goto,
    Press,
    TabTo,
    Visit,
    VisitReport,
    run_visits,
)
from tests.web.service import (
    LINK_DAYS,
    WebhookReceiver,
    WebService,
    create_claim,
    link_from_email,
    notify_by_email,
    webhook_receiver,
)

pytestmark = pytest.mark.browser

PARTNER = "Contoso Partners"
CUSTOMER = "Fabrikam Ltd"
READER = "lee.gu@fabrikam.example"  # the sample's contact without Teams: the one who gets email
QUESTION_LABEL = f"Your question for {PARTNER}"
QUESTION = "Does this give you access to our mailboxes?"
NOT_RECOGNISED = f"Tell {PARTNER} I don't recognise them"
GOT_IT_DE = text_for("de")("claim.acknowledge")
# Chromium logs an error status of the document itself to the console; these pages answer with one.
ERROR_STATUS = "the server responded with a status of"
WIDTHS = (WIDE, NARROW)


@dataclass(frozen=True)
class Claims:
    """The module's claims: each flow has its own, so one reader's answer shows on no other page."""

    read: tuple[str, str]  # (claim id, the reader's link): read, switched, checked; then Got it
    question: tuple[str, str]
    not_recognised: tuple[str, str]
    keyboard: tuple[str, str]
    in_german: tuple[str, str]
    expired_link: str
    broken_link: str


@pytest.fixture(scope="module")
def partner_webhook(web_service: WebService) -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
        web_service.api("PUT", "/api/webhook", {"url": receiver.url})
        yield receiver


def _emailed_claim(service: WebService) -> tuple[str, str]:
    claim_id = str(create_claim(service)["id"])
    notify_by_email(service, claim_id)
    return claim_id, link_from_email(service, claim_id, READER)


@pytest.fixture(scope="module")
def claims(web_service: WebService, partner_webhook: WebhookReceiver) -> Claims:
    read = _emailed_claim(web_service)
    claim = web_service.api("GET", f"/api/claims/{read[0]}")
    (contact_id,) = [c["id"] for c in claim["contacts"] if c["email"] == READER]
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=LINK_DAYS + 1)
    expired = web_service.signer().token_for(read[0], contact_id, long_ago)
    return Claims(
        read=read,
        question=_emailed_claim(web_service),
        not_recognised=_emailed_claim(web_service),
        keyboard=_emailed_claim(web_service),
        in_german=_emailed_claim(web_service),
        expired_link=web_service.url(f"/c/{expired}"),
        broken_link=read[1][:-4] + ("AAAA" if not read[1].endswith("AAAA") else "BBBB"),
    )


@dataclass(frozen=True)
class View:
    """A state a reader can open directly: `page` is claim, cpor, expired or broken."""

    page: str
    locale: str
    width: int
    scheme: str = "light"

    @property
    def name(self) -> str:
        return f"{self.page}-{self.locale}-{self.width}{'-dark' if self.scheme == 'dark' else ''}"

    @property
    def status(self) -> int:
        return {"expired": 410, "broken": 404}.get(self.page, 200)

    def url(self, claims: Claims, service: WebService) -> str:
        if self.page == "cpor":
            return service.url(f"/cpor?lang={self.locale}")
        if self.page == "claim":
            return f"{claims.read[1]}?lang={self.locale}"
        return claims.expired_link if self.page == "expired" else claims.broken_link


VIEWS = (
    [
        View(page, locale, width)
        for page in ("claim", "cpor")
        for locale in SUPPORTED_LOCALES
        for width in WIDTHS
    ]
    + [View(page, "en", width, "dark") for page in ("claim", "cpor") for width in WIDTHS]
    + [View(page, "en", width) for page in ("expired", "broken") for width in WIDTHS]
)


@pytest.fixture(scope="module")
def visited(claims: Claims, web_service: WebService) -> dict[str, VisitReport]:
    views = [
        Visit(
            view.name,
            [Goto(view.url(claims, web_service)), Check()],
            width=view.width,
            color_scheme=view.scheme,
        )
        for view in VIEWS
    ]
    question_link = claims.question[1]
    flows = [
        Visit("switch-language", [Goto(claims.read[1]), Click("link", "Deutsch"), Check()], width=NARROW),
        Visit("got-it", [Goto(claims.read[1]), Click("button", "Got it"), Check()]),
        Visit(
            "blank-question",
            [Goto(question_link), Fill(QUESTION_LABEL, "   "), Click("button", "Send"), Check()],
            width=NARROW,
        ),
        Visit(
            "question",
            [Goto(question_link), Fill(QUESTION_LABEL, QUESTION), Click("button", "Send"), Check()],
            width=NARROW,
        ),
        Visit("not-recognised", [Goto(claims.not_recognised[1]), Click("button", NOT_RECOGNISED), Check()]),
        Visit(
            "answer-in-german",
            [Goto(claims.in_german[1]), Click("link", "Deutsch"), Click("button", GOT_IT_DE), Check()],
        ),
        Visit("keyboard", [Goto(claims.keyboard[1]), TabTo("Got it"), Press("Enter"), Check()], width=NARROW),
    ]
    return {report.name: report for report in run_visits([*views, *flows])}


@pytest.mark.parametrize("view", [pytest.param(view, id=view.name) for view in VIEWS])
def test_every_page_a_reader_opens_passes_in_the_browser(visited: dict[str, VisitReport], view: View) -> None:
    report = visited[view.name]
    assert report.problems(allowed_console_errors=[ERROR_STATUS]) == []
    page = report.last
    assert page.status == view.status
    assert page.lang == view.locale
    assert page.overflow is not None and page.overflow.inner_width == view.width


def test_the_link_in_the_email_opens_the_readers_claim(
    visited: dict[str, VisitReport], claims: Claims
) -> None:
    page = visited["claim-en-1280"].last
    assert page.url == f"{claims.read[1]}?lang=en"
    assert page.text is not None
    assert f"Sent by {PARTNER}, not by Microsoft." in page.text
    assert "Chat and teamwork (Microsoft Teams)" in page.text
    assert "You have not answered yet." in page.text


def test_the_language_switcher_changes_the_text_and_keeps_the_link(
    visited: dict[str, VisitReport], claims: Claims
) -> None:
    report = visited["switch-language"]
    assert report.problems() == []
    english, german = report.snapshots[0], report.last
    assert german.url is not None
    assert urlsplit(german.url).path == urlsplit(claims.read[1]).path  # the same token
    assert parse_qs(urlsplit(german.url).query) == {"lang": ["de"]}
    assert (english.lang, german.lang) == ("en", "de")
    assert german.title is not None
    assert german.title.startswith(claim_page_text("de")["page.claim_title"].format(partner=PARTNER))
    assert german.text != english.text and "Got it" not in (german.text or "")


def test_got_it_is_shown_on_the_page_and_listed_by_the_api(
    visited: dict[str, VisitReport], claims: Claims, web_service: WebService
) -> None:
    report = visited["got-it"]
    assert report.problems() == []
    page = report.last
    assert (page.method, page.status) == ("GET", 200)  # the form's answer sends the reader back
    assert page.url is not None and urlsplit(page.url).path == urlsplit(claims.read[1]).path
    assert page.text is not None and "you selected Got it." in page.text
    claim = web_service.api("GET", f"/api/claims/{claims.read[0]}")
    assert [(r["kind"], r["user_name"], r["channel"]) for r in claim["responses"]] == [
        ("acknowledged", "Lee Gu", "web")
    ]


def test_an_answer_given_in_another_language_comes_back_in_it(
    visited: dict[str, VisitReport], claims: Claims, web_service: WebService
) -> None:
    report = visited["answer-in-german"]
    assert report.problems() == []
    page = report.last
    assert page.lang == "de" and page.url is not None
    assert urlsplit(page.url).path == urlsplit(claims.in_german[1]).path
    assert parse_qs(urlsplit(page.url).query) == {"lang": ["de"]}
    answered = claim_page_text("de")["page.answer_acknowledged"].split("{date}")[-1]  # "… gewählt."
    assert page.text is not None and answered in page.text
    claim = web_service.api("GET", f"/api/claims/{claims.in_german[0]}")
    assert [(r["kind"], r["channel"]) for r in claim["responses"]] == [("acknowledged", "web")]


def test_not_recognised_is_shown_on_the_page_and_listed_by_the_api(
    visited: dict[str, VisitReport], claims: Claims, web_service: WebService
) -> None:
    report = visited["not-recognised"]
    assert report.problems() == []
    assert report.last.text is not None
    assert f"you told {PARTNER} you don't recognise them." in report.last.text
    claim = web_service.api("GET", f"/api/claims/{claims.not_recognised[0]}")
    assert [(r["kind"], r["channel"]) for r in claim["responses"]] == [("not_recognised", "web")]


def test_a_keyboard_user_tabs_to_got_it_and_presses_enter(
    visited: dict[str, VisitReport], claims: Claims, web_service: WebService
) -> None:
    report = visited["keyboard"]
    assert report.problems() == []  # every element the Tab key reached showed its focus
    path = report.snapshots[1].focus_path
    assert path is not None
    stops = [(stop.tag, stop.name) for stop in path]
    assert stops[-1] == ("button", "Got it")
    assert ("summary", f"What {PARTNER} wrote") in stops  # the folded parts open from the keyboard
    assert ("a", "Microsoft's page about CPOR") in stops
    assert report.last.text is not None and "you selected Got it." in report.last.text
    claim = web_service.api("GET", f"/api/claims/{claims.keyboard[0]}")
    assert [(r["kind"], r["channel"]) for r in claim["responses"]] == [("acknowledged", "web")]


def test_a_blank_question_is_refused_on_the_page(visited: dict[str, VisitReport]) -> None:
    report = visited["blank-question"]
    assert report.problems(allowed_console_errors=[ERROR_STATUS]) == []
    page = report.last
    assert (page.method, page.status) == ("POST", 422)
    assert page.text is not None
    assert "Type a question first." in page.text
    assert "You have not answered yet." in page.text


def test_a_question_reaches_the_partners_webhook(
    visited: dict[str, VisitReport], claims: Claims, partner_webhook: WebhookReceiver
) -> None:
    report = visited["question"]
    assert report.problems() == []
    assert report.last.text is not None and QUESTION in report.last.text
    received = [
        body
        for body in partner_webhook.wait_for("customer.response")
        if body["claim_id"] == claims.question[0]
    ]
    assert [(b["response"]["kind"], b["response"]["text"], b["response"]["channel"]) for b in received] == [
        ("question", QUESTION, "web")
    ]
    assert received[0]["claim"]["customer_name"] == CUSTOMER


def test_an_expired_link_shows_nothing_of_the_claim(visited: dict[str, VisitReport]) -> None:
    for width in WIDTHS:
        page = visited[f"expired-en-{width}"].last
        assert page.status == 410
        assert page.text is not None and "This link no longer works" in page.text
        for secret in (PARTNER, CUSTOMER, "Microsoft Teams", "Exchange", "Lee Gu", "PC-CLAIM-20931"):
            assert secret not in page.text
