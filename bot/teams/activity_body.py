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

from typing import Any

from bot.domain.json_input import JsonInputError, bad_text, first_bad_text, read_json

# Deeper than any activity Teams or Outlook sends (a card inside an attachment included), and far
# shallower than the recursion msrest's deserialisation of `value` and `channelData` would survive.
MAX_ACTIVITY_DEPTH = 64
# What a card sends: its text is answered with a card that asks for it again, not refused here.
CARD_INPUT = frozenset({"value"})

# The envelope fields the bot reads: each, when present and not null, must have this JSON type.
TEXT_FIELDS = ("type", "name", "id", "channelId", "serviceUrl", "text", "locale", "replyToId")
ACCOUNT_FIELDS = ("from", "recipient", "conversation")
ACCOUNT_TEXT_FIELDS = ("id", "name", "aadObjectId", "conversationType", "tenantId", "role")
MEMBER_LIST_FIELDS = ("membersAdded", "membersRemoved")


class ActivityBodyError(ValueError):
    """A body /api/messages does not take; the message is short and names the field at fault."""


def unstorable(text: str) -> bool:
    """True if no store can keep `text` as it is: a NUL, or half of a surrogate pair."""
    return bad_text(text) is not None


def first_unstorable(value: Any) -> str | None:
    """The path of the first text in `value` (keys included) that no store can keep, or None."""
    return first_bad_text(value)


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
        body = read_json(raw, max_depth=MAX_ACTIVITY_DEPTH, unchecked=CARD_INPUT)
    except JsonInputError as exc:
        raise ActivityBodyError(f"{exc.where} {exc.detail}" if exc.where else exc.detail) from None
    if type(body) is not dict:
        raise ActivityBodyError("an activity must be a JSON object")
    _check_envelope(body)
    return body
