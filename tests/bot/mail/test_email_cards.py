"""Every card kind and language as an email: both parts carry everything the card says, within 500 words."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

import cards
from bot.domain.claims import Status
from bot.mail.message import render_html
from cards.samples import (
    ALL_WORKLOADS,
    CLAIMS,
    CONTOSO,
    OUTLOOK_ORIGINATOR,
    SENDERS,
    STATUS_CHANGES,
    WORST,
    variants,
)
from tests.bot.mail.support import (
    ORIGINATOR,
    check_html,
    check_text,
    claim,
    expected,
    message,
    norm,
    parts,
    shown,
)


@pytest.mark.parametrize(
    "summary",
    [CONTOSO, WORST, replace(CONTOSO, workloads=ALL_WORKLOADS)],
    ids=["contoso", "worst", "all_workloads"],
)
def test_claim_email_carries_everything_in_the_card(summary: cards.ClaimSummary) -> None:
    card = claim(summary)
    plain, rich = parts(message(card))
    page = check_html(card, rich)
    check_text(card, plain)
    want = expected(card)
    # The expected lists are not empty: ShowCard contents, bullets, facts and links were found.
    assert "More about this" in want.headings and "Questions and answers" in want.headings
    assert len(want.links) == 3 and len(want.facts) >= 10
    # In the email: Microsoft's page first, as on the card, then the card's own buttons, then the
    # sections' links.
    assert [title for title, _ in page.links] == [
        "Microsoft's page about CPOR",
        "Check Partner relationships",
        "For partners: how claims work",
    ]
    assert len(page.rows) == len(want.facts)
    assert len(page.items) == len(want.bullets) + len(want.links)  # links are a list too
    if summary.workloads == ALL_WORKLOADS:
        for workload in ALL_WORKLOADS:
            assert (workload.name, workload.plain) in page.rows
            assert f"{workload.name}: {workload.plain}" in norm(plain)


@pytest.mark.parametrize("locale", cards.SUPPORTED_LOCALES)
def test_every_language(locale: str) -> None:
    card = claim(locale=locale)
    plain, rich = parts(message(card, locale=locale))
    assert f'<html lang="{locale}">' in rich
    check_html(card, rich)
    check_text(card, plain)


@pytest.mark.parametrize(
    "variant",
    list(variants(kinds=cards.KINDS, hosts=("outlook",), locales=("en", "de"))),
    ids=lambda v: v.name,
)
def test_every_outlook_card_kind(variant: Any) -> None:
    card = variant.card
    plain, rich = parts(message(card, locale=variant.locale))
    check_html(card, rich)
    check_text(card, plain)


def test_access_and_status_changed_cards() -> None:
    access = cards.access_card(
        CONTOSO.partner_name, CONTOSO.workloads, host="outlook", originator=ORIGINATOR, claim_id="c1"
    )
    claim_now, previous = STATUS_CHANGES["under_review-approved"]
    changed = cards.status_changed_card(claim_now, previous, host="outlook", originator=ORIGINATOR)
    for card in (access, changed):
        plain, rich = parts(message(card))
        page = check_html(card, rich)
        check_text(card, plain)
        assert page.headings and page.links
        assert "Back to the claim" not in page.text and "Open the claim" not in plain
    assert len(shown(render_html(access, lang="en", title="x")).items) == 3 + 2  # 3 bullets, 2 links


EMAIL_MAX_WORDS = 500


@pytest.mark.parametrize("sample", ["contoso", "single", "operator", *Status])
def test_the_english_claim_email_stays_under_500_words(sample: str) -> None:
    # The email a contact gets when notified (no answers yet), for a claim of up to three services:
    # everything the card says, More about this included. Each further service adds its own line.
    summary = CLAIMS[sample] if sample in CLAIMS else replace(CONTOSO, status=sample)
    card = cards.claim_card(
        summary, host="outlook", originator=OUTLOOK_ORIGINATOR, sender=SENDERS.get(sample)
    )
    plain, rich = parts(message(card))
    for shown_text in (plain, shown(rich).text):
        counted = [w for w in shown_text.split() if any(ch.isalnum() for ch in w)]
        assert len(counted) < EMAIL_MAX_WORDS, len(counted)
