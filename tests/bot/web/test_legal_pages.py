"""The pages as pure functions of the settings and a language."""

from __future__ import annotations

import pytest

from bot.ops.config import Settings
from bot.web.languages import page_text
from bot.web.legal_pages import privacy_page, terms_page
from tests.bot.web.support import read_page

# Read in under a minute: at most this many words of English in each page's main text.
ENGLISH_WORDS = {"privacy": 300, "terms": 150}


@pytest.mark.parametrize("retention_days", [0, 30])
@pytest.mark.parametrize("smtp_host", ["", "smtp.fabrikam.example"])
def test_the_pages_are_short(retention_days: int, smtp_host: str) -> None:
    settings = Settings(
        sender_name="Fabrikam Cloud Services",
        operator_contact="https://fabrikam.example/contact",
        retention_days=retention_days,
        smtp_host=smtp_host,
    )
    for name, render in (("privacy", privacy_page), ("terms", terms_page)):
        words = len(read_page(render(settings, "en")).main_text.split())
        assert words <= ENGLISH_WORDS[name], (name, words)


@pytest.mark.parametrize("locale", ["en", "de", "ja"])
def test_email_goes_through_the_relay_only_when_there_is_one(locale: str) -> None:
    words = page_text(locale)
    relayed = read_page(privacy_page(Settings(smtp_host="smtp.fabrikam.example"), locale)).main_text
    filed = read_page(privacy_page(Settings(), locale)).main_text
    assert words["privacy.flow_mail_relay"] in relayed and words["privacy.flow_mail_files"] not in relayed
    assert words["privacy.flow_mail_files"] in filed and words["privacy.flow_mail_relay"] not in filed


@pytest.mark.parametrize(
    ("locale", "one_day", "two_days"),
    [
        ("en", "deleted 1 day after", "deleted 2 days after"),
        ("de", "1 Tag nach", "2 Tage nach"),
        ("fr", "supprimée 1 jour après", "supprimée 2 jours après"),
        ("pt-BR", "excluída 1 dia depois", "excluída 2 dias depois"),
    ],
)
def test_retention_days_take_the_languages_plural(locale: str, one_day: str, two_days: str) -> None:
    assert one_day in read_page(privacy_page(Settings(retention_days=1), locale)).main_text
    assert two_days in read_page(privacy_page(Settings(retention_days=2), locale)).main_text


@pytest.mark.parametrize("contact", ["javascript:alert(1)", 'https://x.example/"><script>alert(1)</script>'])
def test_a_contact_that_is_no_safe_link_is_not_linked_as_it_is(contact: str) -> None:
    # Settings.from_env refuses both; the page does not rely on it.
    document = privacy_page(Settings(operator_contact=contact), "en")
    page = read_page(document)
    assert page.problems == []
    assert "script" not in page.tag_names()
    assert not [link for link in page.links if link.href.startswith("javascript:")]
    hrefs = [link.href for link in page.links]
    assert all(href.startswith(("https://", "mailto:", "/")) for href in hrefs), hrefs


def test_the_page_says_partner_center_is_not_touched() -> None:
    text = read_page(privacy_page(Settings(), "en")).main_text
    assert "Nothing goes to Partner Center, and nothing changes there" in text
