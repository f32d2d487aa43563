"""Small constructors for Adaptive Card JSON (plain dicts). Text passed in must already be escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

Card = dict[str, Any]
Element = dict[str, Any]
Host = Literal["teams", "outlook"]

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSIONS: dict[str, str] = {"teams": "1.5", "outlook": "1.4"}


def text_block(
    text: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    subtle: bool = False,
    spacing: str | None = None,
    separator: bool = False,
) -> Element:
    """A wrapping TextBlock."""
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    if size:
        block["size"] = size
    if weight:
        block["weight"] = weight
    if subtle:
        block["isSubtle"] = True
    if spacing:
        block["spacing"] = spacing
    if separator:
        block["separator"] = True
    return block


def heading(text: str, *, size: str = "default", separator: bool = False) -> Element:
    """A bold TextBlock that starts a section."""
    return text_block(text, size=size, weight="bolder", spacing="medium", separator=separator)


def fact_set(facts: Sequence[tuple[str, str]]) -> Element:
    """A FactSet of (title, value) rows."""
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]}


def bullets(items: Sequence[str]) -> Element:
    """A list with hanging indents, built from columns so it needs no markdown."""
    rows: list[Element] = []
    for item in items:
        rows.append(
            {
                "type": "ColumnSet",
                "spacing": "small",
                "columns": [
                    {"type": "Column", "width": "auto", "items": [text_block("\u2022")]},
                    {"type": "Column", "width": "stretch", "items": [text_block(item)]},
                ],
            }
        )
    return {"type": "Container", "spacing": "small", "items": rows}


def quote(text: str) -> Element:
    """Someone else's words, set apart in an emphasis container."""
    return {"type": "Container", "style": "emphasis", "items": [text_block(text)]}


def open_url(title: str, url: str) -> Element:
    """A button that opens a web page."""
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def show_card(title: str, body: list[Element], actions: Sequence[Element] = ()) -> Element:
    """A button that reveals more of the card in place."""
    card: Card = {"type": "AdaptiveCard", "body": body}
    if actions:
        card["actions"] = list(actions)
    return {"type": "Action.ShowCard", "title": title, "card": card}


def action_set(*actions: Element) -> Element:
    """Buttons inside the body, next to the text they belong to."""
    return {"type": "ActionSet", "actions": list(actions)}


def envelope(
    body: list[Element],
    *,
    host: str,
    originator: str | None,
    fallback_text: str,
    speak: str | None = None,
    actions: Sequence[Element] = (),
    lang: str = "en",
) -> Card:
    """The top-level card for a host: Teams (1.5, full width) or Outlook (1.4, with originator)."""
    if host not in VERSIONS:
        raise ValueError(f"host must be 'teams' or 'outlook', got {host!r}")
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": VERSIONS[host],
        "lang": lang,
        "fallbackText": fallback_text,
    }
    if speak:
        card["speak"] = speak
    card["body"] = body
    if actions:
        card["actions"] = list(actions)
    if host == "teams":
        card["msteams"] = {"width": "Full"}
    else:
        if not originator or not originator.strip():
            raise ValueError("Outlook cards need the originator id from the Actionable Email dashboard")
        card["originator"] = originator
    return card
