"""The claim page's own words (bot/web/claim_text/) in every language, and the count of form posts
per link (bot/web/rate_limits.py)."""

from __future__ import annotations

import string

import pytest

from bot.web.page_frame import claim_page_text
from bot.web.rate_limits import PostLimit
from cards import SUPPORTED_LOCALES


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("locale", [loc for loc in SUPPORTED_LOCALES if loc != "en"])
def test_each_language_has_the_english_keys_and_placeholders(locale: str) -> None:
    english, other = claim_page_text("en"), claim_page_text(locale)
    assert other.keys() == english.keys()
    for key, text in english.items():
        assert placeholders(other[key]) == placeholders(text), (locale, key)
        assert other[key].strip() and "<" not in other[key], (locale, key)


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported locale"):
        claim_page_text("nl")


def test_ten_posts_a_minute_then_the_wait_until_the_oldest_leaves() -> None:
    limit = PostLimit(limit=10, window=60.0)
    assert [limit.retry_after("a", 100.0 + i) for i in range(10)] == [0] * 10
    assert limit.retry_after("a", 130.0) == 30  # the first post, at 100 s, leaves the window at 160 s
    assert limit.retry_after("b", 130.0) == 0  # another link counts on its own
    assert limit.retry_after("a", 160.0) == 0  # the first post has left: one more goes
    assert limit.retry_after("a", 160.5) == 1


def test_idle_links_are_forgotten_when_there_are_many() -> None:
    limit = PostLimit(limit=1, window=60.0, max_tokens=3)
    for token in ("a", "b", "c"):
        limit.retry_after(token, 0.0)
    limit.retry_after("d", 120.0)  # a fourth link, when the others have been idle a whole window
    assert limit.retry_after("a", 121.0) == 0  # forgotten, so its count starts again
    assert limit.retry_after("d", 121.0) == 59  # the recent one is kept
