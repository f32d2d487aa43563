"""An activity's JSON read into the SDK's `Activity` model, as msrest reads it, for less CPU.

msrest's `Model.deserialize` builds its table of models, copies each field's description and runs
each key through its extractors on every call: about 0.13 ms for a card click, a tenth of the bot's
CPU on an invoke. This walks the same attribute maps (the SDK's own) directly and hands each value
of a basic, `object` or date type to msrest's own converters, so every field comes out as msrest
makes it. Whatever it does not cover (a value of an unexpected shape, a type it does not know, any
error) goes to msrest whole, which reads it or raises `DeserializationError` exactly as before.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from enum import Enum
from typing import Any

from botbuilder.schema import Activity
from msrest.serialization import Deserializer, Model

__all__ = ["activity_from_json"]

BASIC = frozenset({"str", "int", "float", "bool"})
# "2026-03-12T09:15:00.1234567Z", "2026-03-12T10:15:00+01:00": what channels send.
_CHANNEL_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?(Z|[+-]\d\d:\d\d)\Z")


class _AskMsrest(Exception):
    """Not covered here: msrest reads the whole activity instead."""


class _Plan:
    """How one model class is read: its fields, and what msrest does after building it."""

    __slots__ = ("additional", "by_key", "empty", "known_keys", "readonly", "skipped")

    def __init__(self, model: type[Model]) -> None:
        if getattr(model, "_subtype_map", None):
            raise _AskMsrest(model.__name__)  # polymorphic: msrest picks the subclass
        attribute_map: dict[str, dict[str, Any]] = model._attribute_map
        if any("." in spec["key"] for spec in attribute_map.values()):
            raise _AskMsrest(model.__name__)  # flattened keys
        validation: dict[str, dict[str, Any]] = getattr(model, "_validation", {})
        fields = [
            (attr, spec["key"], spec["type"])
            for attr, spec in attribute_map.items()
            if not (attr == "additional_properties" and spec["key"] == "")
        ]
        # Every field starts as None (msrest's value for a missing key); only keys present are read.
        self.empty = dict.fromkeys(attr for attr, _, _ in fields)
        # A key can fill more than one field (TokenExchangeState's connectionName does).
        by_key: dict[str, list[tuple[str, str]]] = {}
        for attr, key, kind in fields:
            by_key.setdefault(key, []).append((attr, kind))
        self.by_key = {key: tuple(targets) for key, targets in by_key.items()}
        self.readonly = tuple(k for k, v in validation.items() if v.get("readonly"))
        self.skipped = frozenset(self.readonly) | {k for k, v in validation.items() if v.get("constant")}
        # As msrest's `_build_additional_properties`: unknown keys are kept, unless the model maps
        # `additional_properties` to a key of its own.
        own = attribute_map.get("additional_properties", {}).get("key", "") != ""
        self.additional = not own
        self.known_keys = frozenset(spec["key"] for spec in attribute_map.values() if spec["key"] != "")


class ActivityReader:
    def __init__(self) -> None:
        self._models: dict[str, type[Model]] = Activity._infer_class_models()
        self._msrest: Any = Deserializer(self._models)  # type: ignore[no-untyped-call]  # msrest is untyped
        self._plans: dict[type[Model], _Plan] = {}

    def read(self, data: Any) -> Activity:
        try:
            return self._model(Activity, data)
        except Exception:  # noqa: BLE001 - msrest reads it, or raises its own error for it
            return self._msrest("Activity", data)

    def _plan(self, model: type[Model]) -> _Plan:
        plan = self._plans.get(model)
        if plan is None:
            plan = self._plans[model] = _Plan(model)
        return plan

    def _model(self, model: type[Model], data: Any) -> Any:
        if type(data) is not dict:
            raise _AskMsrest(model.__name__)
        plan = self._plan(model)
        values = plan.empty.copy()
        by_key = plan.by_key
        for key, raw in data.items():
            for attr, kind in by_key.get(key, ()):
                values[attr] = self._value(raw, kind)
        # As msrest's `_instantiate_model`.
        made = model(**{k: v for k, v in values.items() if k not in plan.skipped})
        for attr in plan.readonly:
            setattr(made, attr, values.get(attr))
        if plan.additional:
            unknown = {key: data[key] for key in data.keys() - plan.known_keys}
            if unknown:
                made.additional_properties = unknown
        return made

    def _value(self, raw: Any, kind: str) -> Any:
        if raw is None:
            return None
        if kind == "str" and type(raw) is str:  # what msrest's deserialize_unicode returns
            return raw
        if kind in BASIC:
            return self._msrest.deserialize_basic(raw, kind)
        if kind == "object":
            return self._msrest.deserialize_object(raw)
        if kind == "iso-8601":
            return self._timestamp(raw)
        if kind[0] == "[" and kind[-1] == "]":
            if type(raw) is not list:
                raise _AskMsrest(kind)
            return [self._value(item, kind[1:-1]) for item in raw]
        if kind[0] == "{" and kind[-1] == "}":
            if type(raw) is not dict:
                raise _AskMsrest(kind)
            return {key: self._value(item, kind[1:-1]) for key, item in raw.items()}
        model = self._models.get(kind)
        if model is None or issubclass(model, Enum):
            raise _AskMsrest(kind)
        return self._model(model, raw)

    def _timestamp(self, raw: Any) -> Any:
        """A timestamp as Bot Framework channels write it, read by the standard library (isodate,
        msrest's parser, takes ten times as long); anything else as msrest reads it. The same moment
        and offset either way (msrest also keeps six digits of the fraction, and refuses a moment
        outside years 1 to 9999 in UTC)."""
        if type(raw) is str and _CHANNEL_TIMESTAMP.match(raw):
            try:
                parsed = dt.datetime.fromisoformat(raw)
                if 1 <= parsed.utctimetuple().tm_year <= 9999:
                    return parsed
            except (ValueError, OverflowError):
                pass
        return self._msrest.deserialize_data(raw, "iso-8601")


@functools.cache
def _reader() -> ActivityReader:
    return ActivityReader()


def activity_from_json(data: Any) -> Activity:
    """`Activity().deserialize(data)`, field for field (DeserializationError as msrest raises it)."""
    return _reader().read(data)
