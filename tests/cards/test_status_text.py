"""Every claim status has a label, a one-line meaning and a next step true to Microsoft's times."""

from __future__ import annotations

import pytest

from bot.domain.claims import Status
from cards import STATUS_TEXT


def test_every_status_code_has_text() -> None:
    assert {s.value for s in Status} <= set(STATUS_TEXT)


def test_no_text_for_statuses_that_do_not_exist() -> None:
    assert set(STATUS_TEXT) <= {s.value for s in Status}


@pytest.mark.parametrize("code", [s.value for s in Status])
def test_status_text_is_one_short_line_each(code: str) -> None:
    text = STATUS_TEXT[code]
    for line in (text.meaning, text.next):
        assert line.endswith(".") and "\n" not in line
        assert len(line.split()) <= 20
    assert 1 <= len(text.label.split()) <= 4


@pytest.mark.parametrize(
    ("code", "phrase"),
    [
        ("submitted", "up to five business days"),
        ("under_review", "up to 14 business days"),
        ("partner_action_required", "14 business days to reply, or the claim is rejected"),
        ("rejected", "dispute the rejection once, within 30 days"),
        ("dispute", "within five working days"),
        ("approved", "customers can decline at any time, but not how"),
        ("customer_declined", "does not recognise the partner"),
    ],
)
def test_review_times_match_microsofts_documentation(code: str, phrase: str) -> None:
    assert phrase in STATUS_TEXT[code].next


def test_labels_match_partner_center_names() -> None:
    assert STATUS_TEXT["partner_action_required"].label == "Partner action required"
    assert STATUS_TEXT["under_review"].label == "Under review"
