"""bot/teams/activity_model.py reads every activity exactly as msrest's `Activity().deserialize`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from botbuilder.schema import Activity, TokenExchangeState
from hypothesis import given, settings
from hypothesis import strategies as st
from msrest.exceptions import DeserializationError  # type: ignore[attr-defined]  # re-exported
from msrest.serialization import Model

from bot.teams.activity_model import activity_from_json

FIXTURES = sorted((Path(__file__).parents[2] / "fixtures" / "activities").glob("*.json"))


def state(value: Any) -> Any:
    """Everything a value holds, models by class and attributes (additional properties too)."""
    if isinstance(value, Model):
        return (type(value).__name__, {k: state(v) for k, v in sorted(vars(value).items())})
    if isinstance(value, dict):
        return {k: state(v) for k, v in value.items()}
    if isinstance(value, list):
        return [state(v) for v in value]
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat(), value.utcoffset())
    return (type(value).__name__, value)


def msrest_or_error(data: Any) -> Any:
    try:
        return state(Activity().deserialize(data))
    except DeserializationError:
        return DeserializationError


def ours_or_error(data: Any) -> Any:
    try:
        return state(activity_from_json(data))
    except DeserializationError:
        return DeserializationError


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_recorded_activity_reads_as_msrest_reads_it(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    ours = state(activity_from_json(data))
    assert ours == state(Activity().deserialize(data))
    assert ours[0] == "Activity"


def test_unknown_fields_are_kept_as_msrest_keeps_them() -> None:
    data = json.loads(FIXTURES[0].read_text(encoding="utf-8"))
    data["somethingNew"] = {"a": [1, "b", None]}
    data["from"]["extra"] = True
    activity = activity_from_json(data)
    assert activity.additional_properties == {"somethingNew": {"a": [1, "b", None]}}
    assert activity.from_property.additional_properties == {"extra": True}
    assert state(activity) == msrest_or_error(data)


def test_a_timestamp_is_a_datetime_as_msrest_makes_it() -> None:
    data = {
        "type": "message",
        "timestamp": "2026-03-12T09:15:00.1234567Z",
        "localTimestamp": "2026-03-12T10:15:00+01:00",
    }
    activity = activity_from_json(data)
    assert activity.timestamp == dt.datetime(2026, 3, 12, 9, 15, 0, 123456, tzinfo=dt.UTC)
    assert state(activity) == msrest_or_error(data)


@pytest.mark.parametrize(
    "data",
    [
        {"type": "message", "timestamp": "not a date"},
        {"type": "message", "from": "someone"},
        {"type": "message", "membersAdded": {"id": "x"}},
        {"type": "message", "entities": [1]},
        {"type": "message", "historyDisclosed": "perhaps"},
        ["not", "an", "object"],
    ],
    ids=["date", "model-as-text", "list-as-object", "model-in-list-as-number", "bool-as-text", "list"],
)
def test_what_msrest_refuses_is_refused_the_same_way(data: Any) -> None:
    assert ours_or_error(data) is DeserializationError
    assert msrest_or_error(data) is DeserializationError


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
FIELDS = (
    "type", "id", "timestamp", "localTimestamp", "serviceUrl", "channelId", "from", "conversation",
    "recipient", "text", "value", "channelData", "entities", "attachments", "membersAdded",
    "historyDisclosed", "name", "replyToId", "locale", "textHighlights", "suggestedActions",
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(FIXTURES),
    changes=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), json_values, max_size=4),
    nested=st.dictionaries(
        st.sampled_from(("id", "name", "aadObjectId", "role", "tenantId", "isGroup")), json_values, max_size=3
    ),
)
def test_any_changed_activity_reads_or_fails_as_with_msrest(
    base: Path, changes: dict[str, Any], nested: dict[str, Any]
) -> None:
    data = json.loads(base.read_text(encoding="utf-8"))
    data.update(changes)
    for key in ("from", "conversation", "recipient"):
        if isinstance(data.get(key), dict):
            data[key] = {**data[key], **nested}
    assert ours_or_error(data) == msrest_or_error(data)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_a_recorded_activity_is_read_without_msrest_walking_it(path: Path, monkeypatch: Any) -> None:
    # msrest's converters for single values still run; its walk over the model must not.
    def walked(*_: Any, **__: Any) -> None:
        raise AssertionError("msrest read the whole activity")

    monkeypatch.setattr("msrest.serialization.Deserializer.__call__", walked)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert activity_from_json(data).type == data["type"]


def test_a_key_that_fills_two_fields_fills_both_as_with_msrest() -> None:
    # TokenExchangeState maps connectionName to two attributes; an activity's value can hold one.
    from bot.teams.activity_model import _reader

    data = {"connectionName": "graph", "conversation": {"channelId": "msteams"}, "botUrl": "https://x"}
    ours = _reader()._model(TokenExchangeState, data)
    assert state(ours) == state(TokenExchangeState.deserialize(data))


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    digits=st.integers(0, 7),
    offset=st.sampled_from(["Z", "+00:00", "+01:00", "-07:00", "+14:00", "z", "+0100", ""]),
    separator=st.sampled_from(["T", "t", " "]),
)
def test_any_timestamp_reads_as_msrest_reads_it(
    moment: dt.datetime, digits: int, offset: str, separator: str
) -> None:
    fraction = f".{moment.microsecond:06d}{moment.microsecond % 10}"[: digits + 1] if digits else ""
    text = moment.strftime(f"%Y-%m-%d{separator}%H:%M:%S") + fraction + offset
    data = {"type": "message", "timestamp": text, "localTimestamp": text}
    assert ours_or_error(data) == msrest_or_error(data)
