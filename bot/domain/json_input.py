"""JSON from outside the service, read so that no body can crash it or slip past the store.

Python's `json` accepts what a store cannot keep or a reader would misread: duplicate keys (the last
silently wins), numbers with thousands of digits (`ValueError` past Python's int limit), nesting deep
enough to raise `RecursionError`, `NaN` and `Infinity`, lone surrogates (`"\\ud800"`, which UTF-8
cannot encode) and NUL characters (which PostgreSQL refuses). `read_json` refuses all of them with
a `JsonInputError` that names the place at fault (pure)."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.validation import field_path

# Deeper than any body the service takes (a claim is 4 levels deep), shallow enough for any parser.
MAX_DEPTH = 32
# Longer numbers than any field needs: an int of 20 digits already exceeds 64 bits.
MAX_NUMBER_CHARS = 32


class JsonInputError(ValueError):
    """Input that is not JSON the service takes; `where` is the field path ("" for the whole body)."""

    def __init__(self, detail: str, where: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.where = where


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonInputError(f"the key {key!r} appears twice in one object", key)
        out[key] = value
    return out


def _number(text: str) -> int | float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonInputError(f"a number is longer than {MAX_NUMBER_CHARS} characters")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JsonInputError("a number is too large")
    return value


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonInputError(f"a number is longer than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _constant(name: str) -> None:
    raise JsonInputError(f"{name} is not a JSON number")


def bad_text(text: str) -> str | None:
    """Why `text` cannot be stored or shown as it is, or None: a NUL, or half of a surrogate pair."""
    if text.isascii():
        return "must not contain NUL characters" if "\x00" in text else None
    for ch in text:
        if ch == "\x00":
            return "must not contain NUL characters"
        if "\ud800" <= ch <= "\udfff":
            return "must not contain unpaired surrogates (invalid Unicode)"
    return None


def check_tree(value: Any, *, max_depth: int = MAX_DEPTH, unchecked: frozenset[str] = frozenset()) -> None:
    """Walk a parsed value without recursion: its depth, and text that cannot be stored. Text under
    a top-level key in `unchecked` is left for the caller (it may answer it more kindly)."""
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict | list) and len(path) >= max_depth:  # the body itself is level 1
            raise JsonInputError(f"nesting is deeper than {max_depth} levels")
        if len(path) == 1 and path[0] in unchecked:
            if isinstance(node, dict | list):
                check_depth(node, max_depth=max_depth - 1)
            continue
        if isinstance(node, str):
            problem = bad_text(node)
            if problem:
                raise JsonInputError(problem, field_path(path))
        elif isinstance(node, dict):
            for key, item in node.items():
                problem = bad_text(key)
                if problem:
                    raise JsonInputError(f"a key {problem}", field_path(path))
                stack.append((item, [*path, key]))
        elif isinstance(node, list):
            stack.extend((item, [*path, index]) for index, item in enumerate(node))


def check_depth(value: Any, *, max_depth: int) -> None:
    """Only the depth of a parsed value, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise JsonInputError(f"nesting is deeper than {max_depth} levels")
        children = node.values() if isinstance(node, dict) else node
        stack.extend((item, depth + 1) for item in children if isinstance(item, dict | list))


def first_bad_text(value: Any) -> str | None:
    """The path of the first text in `value` (keys included) that no store can keep, or None."""
    try:
        check_tree(value, max_depth=1_000_000)
    except JsonInputError as exc:
        return exc.where or "(value)"
    return None


def read_json(
    raw: bytes | str, *, max_depth: int = MAX_DEPTH, unchecked: frozenset[str] = frozenset()
) -> Any:
    """Parse `raw` (UTF-8 bytes or text) as JSON the service can keep, or raise JsonInputError.
    `max_depth` and `unchecked` are as for `check_tree`."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise JsonInputError("the body is not UTF-8 text") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_number,
            parse_int=_integer,
            parse_constant=_constant,
        )
    except JsonInputError:
        raise
    except RecursionError:
        raise JsonInputError(f"nesting is deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # e.g. Python's limit on the digits of an int
        raise JsonInputError(f"not valid JSON: {exc}") from None
    check_tree(value, max_depth=max_depth, unchecked=unchecked)
    return value
