"""The reader's own link in the email: both parts give it with a note that it is theirs alone and
when it stops working, in the reader's language, once, after what the card says first."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

import cards
from bot.mail.message import render_html, render_text
from cards.samples import CONTOSO, SAMPLE_LINK, WORST
from tests.bot.mail.support import ORIGINATOR, check_html, check_text, claim, message, parts, shown

LINK = cards.WebLink(
    "https://cpor.contoso.example/c/1.clm_01HV6Q3W2K.ctc-1.1781689800.Zt3q0pTj2mXcY8kWb1vR4A",
    dt.datetime(2026, 6, 17, 9, 30, tzinfo=dt.UTC),
)


def test_both_parts_give_the_link_and_say_it_is_personal_and_until_when() -> None:
    card = claim(replace(CONTOSO, web_link=LINK))
    plain, rich = parts(message(card, web_link=LINK))
    page = check_html(card, rich, link=LINK)
    check_text(card, plain, link=LINK)
    note = "This link is yours alone: anyone with it can see this claim and answer as you."
    assert ("Open this in a browser", LINK.url) in page.links
    assert f"{note} It works until 17 June 2026." in page.text
    flat = " ".join(plain.split())
    assert f"Open this in a browser: {LINK.url}" in flat
    assert f"{note} It works until 17 June 2026." in flat
    # Once in each part (the card's own button row is left to the card): after Microsoft's page, which
    # comes first, and before the card's own buttons.
    assert plain.count(LINK.url) == 1
    assert rich.split("</head>", 1)[1].count(LINK.url) == 1
    titles = [title for title, _ in page.links]
    assert titles.index("Microsoft's page about CPOR") == 0
    assert titles.index("Open this in a browser") < titles.index("Check Partner relationships")


@pytest.mark.parametrize(
    ("locale", "title", "until"),
    [
        ("de", "Im Browser öffnen", "Er gilt bis zum 17. Juni 2026."),
        ("fr", "Ouvrir dans un navigateur", "Il est valable jusqu'au 17 juin 2026."),
        ("es", "Abrir en un navegador", "Es válido hasta el 17 de junio de 2026."),
        ("ja", "ブラウザーで開く", "有効期限は 2026年6月17日です。"),
        ("pt-BR", "Abrir no navegador", "Ele vale até 17 de junho de 2026."),
    ],
)
def test_the_link_speaks_the_readers_language(locale: str, title: str, until: str) -> None:
    card = claim(CONTOSO, locale=locale)
    plain, rich = parts(message(card, web_link=LINK, locale=locale))
    page = check_html(card, rich, link=LINK, locale=locale)
    check_text(card, plain, link=LINK, locale=locale)
    assert (title, LINK.url) in page.links
    assert until in page.text and until in " ".join(plain.split())


def test_the_longest_link_is_never_broken() -> None:
    assert WORST.web_link is not None
    link = WORST.web_link
    text = render_text(claim(WORST), web_link=link)
    assert any(line.strip() == link.url for line in text.splitlines())
    assert link.url in [
        href for _, href in shown(render_html(claim(WORST), lang="en", title="t", web_link=link)).links
    ]


def test_without_a_link_the_email_is_as_before() -> None:
    card = claim(CONTOSO)
    assert "Open this in a browser" not in render_text(card)
    assert "yours alone" not in render_html(card, lang="en", title="t")


def test_the_cards_link_row_is_left_to_the_card() -> None:
    # A card carrying the link shows its button; the email gives the link in its own words only.
    card = cards.claim_card(replace(CONTOSO, web_link=SAMPLE_LINK), host="outlook", originator=ORIGINATOR)
    assert SAMPLE_LINK.url in str(card)
    assert SAMPLE_LINK.url not in render_text(card)
    assert SAMPLE_LINK.url not in render_html(card, lang="en", title="t").split("</head>", 1)[1]


def test_a_link_is_an_http_address_with_a_time_zone() -> None:
    with pytest.raises(ValueError, match="http"):
        cards.WebLink("javascript:alert(1)", LINK.expires_at)
    with pytest.raises(ValueError, match="time zone"):
        cards.WebLink(LINK.url, dt.datetime(2026, 6, 17))
