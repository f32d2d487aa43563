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


class _Repeated(dict[str, Any]):
    """An object that gave a key twice. The parser's hook cannot tell where the object is, so it is
    marked, and `check_tree`, which walks with the path, refuses it there."""

    repeated: str


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            marked = _Repeated(out)
            marked.repeated = key
            return marked
        out[key] = value
    return out


def _shown(key: str) -> str:
    """A key as a problem names it: a NUL or half a surrogate pair written as an escape, so that the
    name itself can be logged, encoded and sent back."""
    if bad_text(key) is None:
        return key
    return "".join(f"\\u{ord(ch):04x}" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in key)


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
    """Walk a parsed value without recursion: its depth, keys given twice in one object (as
    `read_json` marks them), and text that cannot be stored, each refused with the path to it. Text
    under a top-level key in `unchecked` is left for the caller (it may answer it more kindly)."""
    stack: list[tuple[Any, list[str | int], bool]] = [(value, [], True)]
    while stack:
        node, path, text_checked = stack.pop()
        if isinstance(node, dict | list) and len(path) >= max_depth:  # the body itself is level 1
            raise JsonInputError(f"nesting is deeper than {max_depth} levels")
        if len(path) == 1 and path[0] in unchecked:
            text_checked = False
        if isinstance(node, str):
            problem = bad_text(node) if text_checked else None
            if problem:
                raise JsonInputError(problem, field_path(path))
        elif isinstance(node, dict):
            if isinstance(node, _Repeated):
                key = _shown(node.repeated)
                raise JsonInputError(f"the key '{key}' appears twice in one object", field_path([*path, key]))
            for key, item in node.items():
                problem = bad_text(key) if text_checked else None
                if problem:
                    raise JsonInputError(f"a key {problem}", field_path([*path, _shown(key)]))
                stack.append((item, [*path, key], text_checked))
        elif isinstance(node, list):
            stack.extend((item, [*path, index], text_checked) for index, item in enumerate(node))


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
