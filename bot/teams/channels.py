"""Which channels vouch for an activity's tenant, and the audit entry for a turn refused elsewhere.

The tenant a turn acts for comes from `channelData.tenant.id`. Microsoft Teams writes channelData
itself, and so does the Outlook channel for a click on an Actionable Message card (an
`adaptiveCard/action` invoke, sent with a token endorsed for `outlook`). On Web Chat, Direct Line
and every other channel the end user writes channelData, so a tenant found there is only a claim:
it is never used, and the card verbs and commands are refused there.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bot.teams.activity_body import unstorable
from cards import verbs
from cards.partner import COMPOSE_SEND

TEAMS = "msteams"
OUTLOOK = "outlook"
CARD_ACTION = "adaptiveCard/action"

# The answer on any other channel (no catalogue text says this).
ONLY_IN_TEAMS_OR_OUTLOOK = (
    "This app works only in Microsoft Teams and in Outlook, so it did nothing here. Please open it in Teams."
)
REFUSED_CHANNEL = "channel.refused"  # the audit action

# What a refused turn asked for, as recorded: known names only, never the sender's own words.
KNOWN_VERBS = frozenset({*verbs.VERBS, COMPOSE_SEND})
# Longer than any id Teams or Entra uses; the rest of an id that long is not kept.
AUDIT_TEXT_LIMIT = 200


def vouched_for(activity: Any) -> bool:
    """True if the channel itself wrote this activity's channelData (see the module's docstring)."""
    channel: Any = activity.channel_id
    if channel == TEAMS:
        return True
    return bool(channel == OUTLOOK and activity.type == "invoke" and activity.name == CARD_ACTION)


def is_command(activity: Any) -> bool:
    """A card verb or a typed command: what acts on claims, partner links or a tenant's data."""
    kind: Any = activity.type
    return bool(kind == "message" or (kind == "invoke" and activity.name == CARD_ACTION))


def claimed_tenant(activity: Any) -> str | None:
    """The tenant id in channelData, whoever wrote it (botbuilder 4.17.1 drops conversation.tenantId)."""
    data = activity.channel_data or {}
    tenant = data.get("tenant") if isinstance(data, dict) else getattr(data, "tenant", None)
    value = tenant.get("id") if isinstance(tenant, dict) else getattr(tenant, "id", None)
    return str(value).lower() if value else None


def tenant_of(activity: Any) -> str | None:
    """The tenant this turn acts for: only from a channel that vouches for it, else None."""
    return claimed_tenant(activity) if vouched_for(activity) else None


def _kept(value: Any) -> str:
    """`value` as the audit log can keep it: a string, capped, without NUL or lone surrogates."""
    text = str(value or "")[:AUDIT_TEXT_LIMIT]
    if unstorable(text):
        text = text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def requested(activity: Any, commands: Collection[str]) -> tuple[str, str | None]:
    """The verb or command a turn asked for (a known name, "unknown" or "text"), and its claim id."""
    value: dict[str, Any] = activity.value if isinstance(activity.value, dict) else {}
    verb: Any
    data: Any
    if activity.type == "invoke":
        action = value.get("action")
        action = action if isinstance(action, dict) else {}
        verb, data = action.get("verb"), action.get("data")
    elif isinstance(value.get(verbs.VERB_KEY), str):  # the Action.Submit fallback of older clients
        verb, data = value[verbs.VERB_KEY], value
    else:
        words = str(activity.text or "").strip().lower().split()
        command = words[0] if words else ""
        return (command if command in commands else "text"), None
    claim_id = data.get(verbs.CLAIM_ID) if isinstance(data, dict) else None
    named = _kept(claim_id) if isinstance(claim_id, str) and claim_id else None
    return (verb if isinstance(verb, str) and verb in KNOWN_VERBS else "unknown"), named


def refusal_entry(activity: Any, commands: Collection[str]) -> tuple[str, str, str, dict[str, Any]]:
    """The audit entry (actor, action, subject, detail) for a command refused on this channel.

    The subject is the claim the card named, so the claim's own log shows the attempt, or else
    `channel:<channel id>`.
    """
    channel = _kept(activity.channel_id) or "(none)"
    sender = getattr(activity, "from_property", None)
    who = _kept(getattr(sender, "aad_object_id", None) or getattr(sender, "id", None)) or "unknown"
    verb, claim_id = requested(activity, commands)
    detail = {
        "channel": channel,
        "verb": verb,
        "outcome": "refused",
        "claimed_tenant": _kept(claimed_tenant(activity)) or None,
    }
    return f"{channel}:{who}", REFUSED_CHANNEL, claim_id or f"channel:{channel}", detail
