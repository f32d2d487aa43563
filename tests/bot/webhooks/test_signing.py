"""Signatures and the reference check receivers run: right answers, and never an exception."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.webhooks.worker import sign, verify

BODY = b'{"id":"e1"}'
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
STAMP = int(NOW.timestamp())
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_signatures_and_the_replay_window() -> None:
    good = sign("whsec_x", STAMP, BODY)
    assert verify("whsec_x", str(STAMP), BODY, good, now=NOW)
    assert verify("whsec_x", str(STAMP), BODY, good, now=NOW + dt.timedelta(minutes=4))
    assert not verify("whsec_x", str(STAMP), BODY, good, now=NOW + dt.timedelta(minutes=6))
    assert not verify("whsec_x", str(STAMP), BODY, good, now=NOW - dt.timedelta(minutes=6))
    assert not verify("whsec_y", str(STAMP), BODY, good, now=NOW)
    assert not verify("whsec_x", str(STAMP), BODY + b" ", good, now=NOW)
    assert not verify("whsec_x", str(STAMP + 1), BODY, good, now=NOW)
    assert not verify("whsec_x", "soon", BODY, good, now=NOW)


@pytest.mark.parametrize(
    "timestamp",
    [
        "9" * 400,  # raised OverflowError
        "9" * 5000,  # past int()'s digit limit: raised ValueError
        "999999999999",  # the year 33658: raised ValueError
        str(STAMP).translate(ARABIC_INDIC),  # the right time in other digits: passed str.isdigit and int()
        str(STAMP).translate(FULL_WIDTH),
        "²",  # passes str.isdigit, not int(): raised ValueError
        "",
        " 1763632800",
        "+1763632800",
        "-1",
        "1763632800.0",
    ],
)
def test_malformed_timestamps_are_refused_without_raising(timestamp: str) -> None:
    assert verify("whsec_x", timestamp, BODY, sign("whsec_x", STAMP, BODY), now=NOW) is False


def test_a_signature_that_is_not_ascii_is_refused_without_raising() -> None:
    good = sign("whsec_x", STAMP, BODY)
    assert verify("whsec_x", str(STAMP), BODY, good[:-1] + "é", now=NOW) is False
    assert verify("whsec_\udc80", str(STAMP), BODY, good, now=NOW) is False  # a lone surrogate in the secret


any_text = st.text(st.characters(codec=None, exclude_categories=()))  # surrogates too
digits = st.integers(min_value=0, max_value=10**15).map(str)


@given(secret=any_text, timestamp=st.one_of(any_text, digits), body=st.binary(), signature=any_text)
def test_verify_never_raises(secret: str, timestamp: str, body: bytes, signature: str) -> None:
    assert verify(secret, timestamp, body, signature, now=NOW) in (True, False)


@given(secret=st.text(), body=st.binary())
def test_what_is_signed_verifies(secret: str, body: bytes) -> None:
    assert verify(secret, str(STAMP), body, sign(secret, STAMP, body), now=NOW)
