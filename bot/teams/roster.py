"""The members a conversationUpdate adds, looked up in the Teams roster several at a time.

botbuilder's TeamsActivityHandler asks the roster about each added member in turn: a team that adds
100 people waits for 100 round trips (5.5 s at 50 ms each) before the turn goes on. The same
lookups, with the same answers, run here at most ROSTER_CONCURRENCY at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.serializer_helper import deserializer_helper
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ErrorResponseException
from botbuilder.schema.teams import TeamsChannelAccount

# Enough to hide the round trips of a large addition, few enough not to flood the Bot Connector
# (which throttles a bot's calls per conversation).
ROSTER_CONCURRENCY = 8


async def added_members(
    turn_context: TurnContext, members: Sequence[Any], *, concurrency: int = ROSTER_CONCURRENCY
) -> list[TeamsChannelAccount]:
    """Each added member as a TeamsChannelAccount, in the order given, as botbuilder 4.17.1 makes them:
    the bot and members that came with details as they are, the others from the roster (or as they
    are when the roster does not know the conversation). Any other roster error ends the turn."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    slots = asyncio.Semaphore(concurrency)
    recipient = turn_context.activity.recipient
    bot_id = recipient.id if recipient is not None else None

    async def resolve(member: Any) -> TeamsChannelAccount:
        if member.additional_properties != {} or member.id == bot_id:
            return deserializer_helper(TeamsChannelAccount, member)
        async with slots:
            try:
                found: TeamsChannelAccount = await TeamsInfo.get_member(turn_context, member.id)
                return found
            except ErrorResponseException as exc:
                if exc.error and exc.error.error and exc.error.error.code == "ConversationNotFound":
                    return TeamsChannelAccount(
                        id=member.id, name=member.name, aad_object_id=member.aad_object_id, role=member.role
                    )
                raise

    try:
        async with asyncio.TaskGroup() as group:
            lookups = [group.create_task(resolve(member)) for member in members]
    except ExceptionGroup as failed:  # the others are cancelled; the turn fails as botbuilder's would
        raise failed.exceptions[0] from None
    return [lookup.result() for lookup in lookups]
