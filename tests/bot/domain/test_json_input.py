"""Reading JSON from outside: whatever the bytes, a value the store can keep or a JsonInputError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.json_input import MAX_DEPTH, JsonInputError, read_json

# JSON values whose text any store keeps: no NUL, no lone surrogates (category Cs).
keepable_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
keepable = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | keepable_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keepable_text, inner, max_size=4),
    max_leaves=20,
)


@given(st.binary(max_size=200))
@settings(max_examples=400)
def test_any_bytes_give_a_value_or_a_json_input_error(raw: bytes) -> None:
    try:
        read_json(raw)
    except JsonInputError:
        pass


@given(st.text(max_size=200))
@settings(max_examples=400)
def test_any_text_gives_a_value_or_a_json_input_error(text: str) -> None:
    try:
        read_json(text)
    except JsonInputError:
        pass


@given(keepable)
@settings(max_examples=200)
def test_json_the_store_can_keep_reads_back_as_written(value: Any) -> None:
    assert read_json(json.dumps(value)) == value
    assert read_json(json.dumps(value, ensure_ascii=False).encode()) == value


@pytest.mark.parametrize(
    ("raw", "detail", "where"),
    [
        (b"[" * 10_000 + b"]" * 10_000, "deeper", ""),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "deeper", ""),
        (b'{"n": ' + b"9" * 5_000 + b"}", "longer", ""),
        (b'{"n": -1e999}', "too large", ""),
        (b'{"n": Infinity}', "not a JSON number", ""),
        (b'{"a": 1, "a": 2}', "twice", "a"),
        (b'{"contacts": [{"name": "a", "name": "b"}]}', "twice", "contacts[0].name"),
        (b'{"a": {"b": [1, {"c": {"d": 1, "d": 1}}]}}', "twice", "a.b[1].c.d"),
        (b'{"a": {"b": ["\\ud800"]}}', "surrogate", "a.b[0]"),
        (b'{"a": "\\u0000"}', "NUL", "a"),
        (b'{"\\udc00": 1}', "surrogate", "\\udc00"),
        (b'{"na\\u0000me": 1}', "NUL", "na\\u0000me"),
        (b'{"contacts": [{"e\\ud800": 1}]}', "surrogate", "contacts[0].e\\ud800"),
        (b"\xc3\x28", "UTF-8", ""),
        (b"{", "not valid JSON", ""),
    ],
)
def test_what_is_refused_and_where(raw: bytes, detail: str, where: str) -> None:
    with pytest.raises(JsonInputError) as refused:
        read_json(raw)
    assert detail in refused.value.detail
    assert refused.value.where == where


def test_a_key_given_twice_is_refused_where_it_is_even_where_text_is_left_unchecked() -> None:
    # Text under an unchecked key is the caller's to answer (a card's inputs); a repeated key is not.
    raw = b'{"value": {"question": "a", "question": "b"}, "text": "ok"}'
    assert read_json(b'{"value": {"question": "a\\u0000"}}', unchecked=frozenset({"value"}))
    with pytest.raises(JsonInputError) as refused:
        read_json(raw, unchecked=frozenset({"value"}))
    assert refused.value.where == "value.question"


def test_the_place_named_can_be_encoded() -> None:
    # The name of a key that is not valid Unicode is escaped: a problem naming it can be sent and logged.
    with pytest.raises(JsonInputError) as refused:
        read_json(b'{"a": {"\\udc00\\u0000": 1}}')
    refused.value.where.encode("utf-8")
    assert refused.value.where == "a.\\udc00\\u0000"


def test_nesting_up_to_the_limit_and_a_surrogate_pair_are_fine() -> None:
    deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert read_json(deep) is not None
    assert read_json(b'{"emoji": "\\ud83d\\ude00"}') == {"emoji": "\U0001f600"}
