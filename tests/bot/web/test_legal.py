"""GET /privacy and /terms through the real app: each page in each language, with the operator's
settings in it, the language a browser asks for, escaping, and the headers that keep it inert."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.web.languages import page_text
from cards import SUPPORTED_LOCALES
from tests.bot.web.conftest import PageClient
from tests.bot.web.support import Page, read_page

PAGES = ("/privacy", "/terms")
OPERATOR = "Fabrikam Cloud Services"
CONTACT = "privacy@fabrikam.example"
# 1234 days, as each language writes the number.
DAYS_WRITTEN = {
    "en": "1,234",
    "de": "1.234",
    "fr": "1\u202f234",
    "es": "1.234",
    "ja": "1,234",
    "pt-BR": "1.234",
}


async def fetch(client: TestClient[Any, Any], path: str, **headers: str) -> tuple[Any, Page]:
    answer = await client.get(path, headers=headers)
    assert answer.status == 200, await answer.text()
    page = read_page(await answer.text())
    assert page.problems == []
    return answer, page


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_each_page_in_each_language_names_the_operator_and_its_contact(
    page_client: PageClient, locale: str
) -> None:
    client = await page_client(sender_name=OPERATOR, operator_contact=CONTACT, retention_days=1234)
    for path in PAGES:
        answer, page = await fetch(client, f"{path}?lang={locale}")
        assert answer.content_type == "text/html" and answer.charset == "utf-8"
        assert page.html_lang == locale
        assert answer.headers["Content-Language"] == locale
        assert OPERATOR in page.main_text, path
        contact = [link for link in page.links if link.text == CONTACT]
        assert [link.href for link in contact] == [f"mailto:{CONTACT}"], path
        assert "https://aka.ms/about-cpor" in [link.href for link in page.links]
        # The same page in each of the other languages, named in its own language.
        others = {link.attrs.get("hreflang"): link.href for link in page.links if link.attrs.get("hreflang")}
        assert others == {other: f"{path}?lang={other}" for other in SUPPORTED_LOCALES if other != locale}
        assert len({page_text(other)["language_name"] for other in others}) == len(SUPPORTED_LOCALES) - 1

    _, privacy = await fetch(client, f"/privacy?lang={locale}")
    assert DAYS_WRITTEN[locale] in privacy.main_raw
    assert page_text(locale)["privacy.retention_kept"] not in privacy.main_text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_without_retention_days_the_notice_says_data_is_kept_until_deleted(
    page_client: PageClient, locale: str
) -> None:
    client = await page_client(retention_days=0)
    _, privacy = await fetch(client, f"/privacy?lang={locale}")
    words = page_text(locale)
    assert words["privacy.retention_kept"] in privacy.main_text
    before_days = words["privacy.retention_days_other"].split("{days}")[0].strip()
    assert before_days not in privacy.main_text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_every_page_says_it_is_not_microsofts_service(page_client: PageClient, locale: str) -> None:
    sentence = page_text(locale)["common.not_microsoft"]
    assert "Microsoft" in sentence
    client = await page_client()
    for path in PAGES:
        _, page = await fetch(client, f"{path}?lang={locale}")
        assert sentence in page.main_text, path


async def test_without_an_operator_the_partner_runs_it_and_is_the_contact(page_client: PageClient) -> None:
    client = await page_client(sender_name="", operator_contact="")
    _, privacy = await fetch(client, "/privacy?lang=en")
    assert "The partner named in the message you received runs this service for itself." in privacy.main_text
    assert "contact the partner that sent you the message" in privacy.main_text
    assert not [link for link in privacy.links if link.href.startswith("mailto:")]
    _, terms = await fetch(client, "/terms?lang=en")
    assert "The partner named in the message you received provides this service as is" in terms.main_text


async def test_an_https_contact_is_a_link_to_it(page_client: PageClient) -> None:
    client = await page_client(operator_contact="https://fabrikam.example/privacy?topic=cpor&x=1")
    answer = await client.get("/terms?lang=de")
    page = read_page(await answer.text())
    assert "https://fabrikam.example/privacy?topic=cpor&x=1" in [link.href for link in page.links]
    assert 'href="https://fabrikam.example/privacy?topic=cpor&amp;x=1"' in await answer.text()


async def test_a_hostile_sender_name_comes_out_as_text(page_client: PageClient) -> None:
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    client = await page_client(sender_name=hostile)
    for path in PAGES:
        answer = await client.get(f"{path}?lang=fr")
        document = await answer.text()
        page = read_page(document)
        assert page.problems == []
        assert hostile in page.text, path  # shown as written
        assert "<script" not in document and "<img" not in document
        assert "script" not in page.tag_names() and "img" not in page.tag_names()
        assert not [name for _, attrs in page.tags for name in attrs if name.startswith("on")]


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("en;q=0.5, fr;q=0.9", "fr"),
        ("pt", "pt-BR"),
        ("pt-BR", "pt-BR"),
        ("pt-PT,pt;q=0.9,en;q=0.8", "pt-BR"),
        ("zh-CN, ja;q=0.3", "ja"),
        ("es;q=0, de;q=0.2", "de"),
        ("*", "en"),
        ("zh-TW", "en"),
        ("", "en"),
        (";q=;,,q", "en"),
    ],
)
async def test_the_language_follows_accept_language(
    page_client: PageClient, accept_language: str, expected: str
) -> None:
    client = await page_client()
    answer, page = await fetch(client, "/privacy", **{"Accept-Language": accept_language})
    assert answer.headers["Content-Language"] == expected
    assert page.html_lang == expected
    assert page_text(expected)["privacy.title"] in page.text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ja", "ja"), ("pt", "pt-BR"), ("de-AT", "de"), ("xx", "en"), ("<b>fr</b>", "en"), ("", "en")],
)
async def test_lang_in_the_address_wins_and_an_unknown_one_gives_english(
    page_client: PageClient, lang: str, expected: str
) -> None:
    client = await page_client()
    answer = await client.get("/terms", params={"lang": lang}, headers={"Accept-Language": "es"})
    assert answer.status == 200
    assert answer.headers["Content-Language"] == expected
    document = await answer.text()
    assert read_page(document).html_lang == expected
    assert "<b>" not in document


async def test_headers_allow_only_the_pages_own_style(page_client: PageClient) -> None:
    client = await page_client()
    for path in PAGES:
        answer, page = await fetch(client, path)
        policy = answer.headers["Content-Security-Policy"]
        directives = {name: value for name, _, value in (d.strip().partition(" ") for d in policy.split(";"))}
        assert directives["default-src"] == "'none'"
        assert directives["img-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["base-uri"] == "'none'"
        assert directives["form-action"] == "'none'"
        assert "script-src" not in directives and "unsafe" not in policy
        # The one inline style sheet is allowed by its hash, as a browser computes it.
        [style] = page.styles
        digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode()
        assert directives["style-src"] == f"'sha256-{digest}'"
        assert not [name for _, attrs in page.tags for name in attrs if name == "style"]
        assert "script" not in page.tag_names()
        assert answer.headers["Vary"] == "Accept-Language"
        assert answer.headers["Cache-Control"] == "public, max-age=3600"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Server"] == "cpor-bot"


async def test_head_answers_like_get_without_a_body(page_client: PageClient) -> None:
    client = await page_client()
    for path in PAGES:
        head = await client.head(f"{path}?lang=es")
        assert head.status == 200
        assert head.headers["Content-Language"] == "es"
        assert head.headers["Content-Type"] == "text/html; charset=utf-8"
        assert await head.read() == b""


async def test_the_pages_link_each_other_in_the_same_language(page_client: PageClient) -> None:
    client = await page_client()
    _, privacy = await fetch(client, "/privacy?lang=ja")
    _, terms = await fetch(client, "/terms?lang=ja")
    assert "/terms?lang=ja" in [link.href for link in privacy.links]
    assert "/privacy?lang=ja" in [link.href for link in terms.links]
