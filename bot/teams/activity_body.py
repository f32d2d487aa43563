"""The body of a POST to /api/messages, read so that no body can crash a turn or reach the store.

Python's `json` raises `RecursionError` on deep nesting and `ValueError` past its int-digit limit,
and accepts `NaN`, `Infinity`, lone surrogates (`"\\ud800"`, which UTF-8 cannot encode) and NUL
(which PostgreSQL refuses). msrest then turns an activity into objects without checking the types
of the fields the bot reads (a `text` of 12 stays an int). `read_activity` refuses all of these
with an `ActivityBodyError` that says what is wrong, in a sentence fit for a 400 answer.

Text in the activity's `value` (what a card sends) is not refused here: the bot answers it with a
card that asks the reader to type it again (see `unstorable`).
"""

from __future__ import annotations

import json
from typing import Any

from bot.domain.json_input import MAX_NUMBER_CHARS

# Deeper than any activity Teams or Outlook sends (a card inside an attachment included), and far
# shallower than the recursion msrest's deserialisation of `value` and `channelData` would survive.
MAX_ACTIVITY_DEPTH = 64

# The envelope fields the bot reads: each, when present and not null, must have this JSON type.
TEXT_FIELDS = ("type", "name", "id", "channelId", "serviceUrl", "text", "locale", "replyToId")
ACCOUNT_FIELDS = ("from", "recipient", "conversation")
ACCOUNT_TEXT_FIELDS = ("id", "name", "aadObjectId", "conversationType", "tenantId", "role")
MEMBER_LIST_FIELDS = ("membersAdded", "membersRemoved")


class ActivityBodyError(ValueError):
    """A body /api/messages does not take; the message is short and names the field at fault."""


def unstorable(text: str) -> bool:
    """True if no store can keep `text` as it is: a NUL, or half of a surrogate pair."""
    if "\x00" in text:
        return True
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def first_unstorable(value: Any) -> str | None:
    """The path of the first text in `value` (keys included) that no store can keep, or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        if type(node) is str:
            if unstorable(node):
                return path or "(value)"
        elif type(node) is dict:
            for key, item in node.items():
                if unstorable(key):
                    return path or "(value)"
                stack.append((item, f"{path}.{key}" if path else key))
        elif type(node) is list:
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(node))
    return None


def _number(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise ActivityBodyError(f"a number is longer than {MAX_NUMBER_CHARS} characters")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ActivityBodyError("a number is too large")
    return value


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise ActivityBodyError(f"a number is longer than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _constant(name: str) -> None:
    raise ActivityBodyError(f"{name} is not a JSON number")


def _check_tree(body: dict[str, Any]) -> None:
    """Depth everywhere; text the store cannot keep everywhere but in `value`. No recursion."""
    stack: list[tuple[Any, int, bool]] = [(body, 0, True)]
    while stack:
        node, depth, checked = stack.pop()
        if type(node) is dict:
            if depth >= MAX_ACTIVITY_DEPTH:
                raise ActivityBodyError(f"nesting is deeper than {MAX_ACTIVITY_DEPTH} levels")
            for key, item in node.items():
                if checked and unstorable(key):
                    raise ActivityBodyError("a key holds a NUL or an unpaired surrogate")
                if type(item) is str:
                    if checked and unstorable(item):
                        raise ActivityBodyError(f"{key} holds a NUL or an unpaired surrogate")
                elif type(item) is dict or type(item) is list:
                    stack.append((item, depth + 1, checked and not (depth == 0 and key == "value")))
        elif type(node) is list:
            if depth >= MAX_ACTIVITY_DEPTH:
                raise ActivityBodyError(f"nesting is deeper than {MAX_ACTIVITY_DEPTH} levels")
            for item in node:
                if type(item) is str:
                    if checked and unstorable(item):
                        raise ActivityBodyError("a list holds a NUL or an unpaired surrogate")
                elif type(item) is dict or type(item) is list:
                    stack.append((item, depth + 1, checked))


def _is(value: Any, kind: type) -> bool:
    return value is None or type(value) is kind


def _check_envelope(body: dict[str, Any]) -> None:
    """The fields the bot reads have the types it reads them as."""
    for name in TEXT_FIELDS:
        if not _is(body.get(name), str):
            raise ActivityBodyError(f"{name} must be a string")
    for name in ACCOUNT_FIELDS:
        account = body.get(name)
        if not _is(account, dict):
            raise ActivityBodyError(f"{name} must be an object")
        for field in ACCOUNT_TEXT_FIELDS:
            if account and not _is(account.get(field), str):
                raise ActivityBodyError(f"{name}.{field} must be a string")
    for name in MEMBER_LIST_FIELDS:
        members = body.get(name)
        if not _is(members, list):
            raise ActivityBodyError(f"{name} must be a list")
        for member in members or ():
            if type(member) is not dict or not _is(member.get("id"), str):
                raise ActivityBodyError(f"{name} must be a list of accounts with a string id")
    if not body.get("type"):
        raise ActivityBodyError("an activity needs a type")


def read_activity(raw: bytes) -> dict[str, Any]:
    """Parse a POSTed activity, or raise ActivityBodyError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ActivityBodyError("the body is not UTF-8 text") from None
    try:
        body = json.loads(text, parse_float=_number, parse_int=_integer, parse_constant=_constant)
    except ActivityBodyError:
        raise
    except RecursionError:
        raise ActivityBodyError(f"nesting is deeper than {MAX_ACTIVITY_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise ActivityBodyError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # a limit of Python's own, such as the digits of an int
        raise ActivityBodyError(f"not JSON the bot takes: {exc}") from None
    if type(body) is not dict:
        raise ActivityBodyError("an activity must be a JSON object")
    _check_tree(body)
    _check_envelope(body)
    return body
