"""Small constructors for Adaptive Card JSON (plain dicts). Text passed in must already be escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards.verbs import VERB_KEY

Card = dict[str, Any]
Element = dict[str, Any]

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSIONS: dict[str, str] = {"teams": "1.5", "outlook": "1.4"}
HOSTS: tuple[str, ...] = tuple(VERSIONS)
REFRESH_USERS_LIMIT = 60  # Teams refreshes automatically for at most 60 listed users


def check_host(host: str) -> str:
    """`host` itself, if it is one the cards know."""
    if host not in VERSIONS:
        raise ValueError(f"host must be 'teams' or 'outlook', got {host!r}")
    return host


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


def heading(text: str, *, host: str, size: str = "default", separator: bool = False) -> Element:
    """A bold TextBlock that starts a section. On Teams (1.5) it is also marked as a heading, so
    screen readers can jump between sections; 1.4 (Outlook) has no such style."""
    block = text_block(text, size=size, weight="bolder", spacing="medium", separator=separator)
    if host == "teams":
        block["style"] = "heading"
    return block


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


def execute(title: str, verb: str, data: Mapping[str, str], *, host: str) -> Element:
    """A button that sends `verb` and `data` to the bot (Universal Actions, `adaptiveCard/action`).

    On Teams it carries an Action.Submit fallback with the same data plus ``"verb"`` (Submit has no
    verb of its own) for clients without Universal Actions. Clients ignore `fallback` outside an
    ActionSet, so put the result in one. Outlook hides Action.Submit, so it gets no fallback.
    """
    action: Element = {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data)}
    if check_host(host) == "teams":
        action["fallback"] = {"type": "Action.Submit", "title": title, "data": {**data, VERB_KEY: verb}}
    return action


def refresh(verb: str, data: Mapping[str, str], *, title: str, host: str, user_ids: Sequence[str]) -> Element:
    """The card-level `refresh`: the host asks the bot for the reader's own view of the card.

    Teams refreshes automatically only for the listed users (Teams user MRIs, at most 60); an empty
    list leaves a manual "Refresh card" in the card's menu. Outlook ignores `userIds` and refreshes
    whenever the card is opened, so they are left out there (the ids are still checked).
    """
    if isinstance(user_ids, str):
        raise TypeError("user_ids must be a sequence of user ids, not one string")
    ids = list(user_ids)
    if len(ids) > REFRESH_USERS_LIMIT:
        raise ValueError(f"refresh userIds holds at most {REFRESH_USERS_LIMIT} users, got {len(ids)}")
    if not all(isinstance(i, str) and i.strip() for i in ids):
        raise ValueError("refresh userIds must be non-empty strings (Teams user MRIs, '29:...')")
    action: Element = {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data)}
    block: Element = {"action": action}
    if check_host(host) == "teams":
        block["userIds"] = ids
    return block


def text_input(
    input_id: str, *, label: str, placeholder: str, max_length: int, error_message: str
) -> Element:
    """A required multi-line text field with a visible label."""
    return {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "placeholder": placeholder,
        "isMultiline": True,
        "maxLength": max_length,
        "isRequired": True,
        "errorMessage": error_message,
    }


def envelope(
    body: list[Element],
    *,
    host: str,
    originator: str | None,
    fallback_text: str,
    speak: str | None = None,
    actions: Sequence[Element] = (),
    lang: str = "en",
    refresh: Element | None = None,
) -> Card:
    """The top-level card for a host: Teams (1.5, full width) or Outlook (1.4, with originator)."""
    check_host(host)
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": VERSIONS[host],
        "lang": lang,
        "fallbackText": fallback_text,
    }
    if speak:
        card["speak"] = speak
    if refresh is not None:
        card["refresh"] = refresh
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
