"""Claim statuses and the transitions between them."""

from __future__ import annotations

import pytest

from bot.domain.claims import TRANSITIONS, Status, TransitionError, check_transition


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.UNDER_REVIEW),
        (Status.UNDER_REVIEW, Status.APPROVED),
        (Status.UNDER_REVIEW, Status.PARTNER_ACTION_REQUIRED),
        (Status.PARTNER_ACTION_REQUIRED, Status.UNDER_REVIEW),
        (Status.UNDER_REVIEW, Status.REJECTED),
        (Status.REJECTED, Status.DISPUTE),
        (Status.DISPUTE, Status.APPROVED),
        (Status.APPROVED, Status.CUSTOMER_DECLINED),
        (Status.APPROVED, Status.REJECTED_FINAL),
    ],
)
def test_the_programmes_path_is_allowed(current: Status, wanted: Status) -> None:
    check_transition(current, wanted, dispute_used=False)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (Status.DRAFT, Status.APPROVED),
        (Status.SUBMITTED, Status.APPROVED),
        (Status.APPROVED, Status.UNDER_REVIEW),
        (Status.REJECTED_FINAL, Status.APPROVED),
        (Status.CUSTOMER_DECLINED, Status.APPROVED),
        (Status.APPROVED, Status.APPROVED),
    ],
)
def test_shortcuts_and_reversals_are_refused(current: Status, wanted: Status) -> None:
    with pytest.raises(TransitionError, match=current.value):
        check_transition(current, wanted, dispute_used=False)


def test_a_claim_may_be_disputed_only_once() -> None:
    with pytest.raises(TransitionError, match="only once"):
        check_transition(Status.REJECTED, Status.DISPUTE, dispute_used=True)


def test_final_statuses_lead_nowhere_and_every_status_is_reachable() -> None:
    assert TRANSITIONS[Status.REJECTED_FINAL] == frozenset()
    assert TRANSITIONS[Status.CUSTOMER_DECLINED] == frozenset()
    reachable = {Status.DRAFT} | {s for targets in TRANSITIONS.values() for s in targets}
    assert reachable == set(Status)


def test_the_cards_show_in_full_what_the_api_accepts() -> None:
    # The cards cannot import the bot, so their display caps are their own: they must not cut what the
    # partner API lets through.
    from bot.domain import formats
    from cards import common as builders

    assert builders.NAME_LIMIT == formats.NAME_MAX
    assert builders.MESSAGE_LIMIT == formats.MESSAGE_MAX
    assert builders.REFERENCE_LIMIT == formats.REFERENCE_MAX
