"""Members a conversationUpdate adds are looked up in the roster several at a time, within a bound,
against the local fake Bot Connector (50 ms a lookup, as the benchmarks' connector answers)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ChannelAccount
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from bot.store import Store
from bot.teams.roster import ROSTER_CONCURRENCY, added_members
from tests.bot.teams.test_teams import RecordingAdapter
from tests.fakes import FakeConnector, running_connector
from tests.support import load_fixture

TEAM_UPDATE = "conversation_update_team_members_added.json"
LOOKUP_SECONDS = 0.05


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as fake:
        fake.latency = LOOKUP_SECONDS
        yield fake


def people(count: int) -> list[dict[str, str]]:
    return [
        {"id": f"29:member-{n:03}", "aadObjectId": f"00000000-0000-4000-8000-{n:012}"} for n in range(count)
    ]


def team_update(service_url: str, members: list[dict[str, str]]) -> dict[str, Any]:
    activity = load_fixture(TEAM_UPDATE)
    activity["serviceUrl"] = service_url
    activity["membersAdded"] = [activity["membersAdded"][0], *members]  # the bot, then the people
    return activity


async def test_a_hundred_added_members_are_looked_up_at_once_within_the_bound(
    client: TestClient[Any, Any], connector: FakeConnector, store: Store
) -> None:
    added = people(100)
    activity = team_update(connector.url, added)
    started = time.monotonic()
    resp = await client.post("/api/messages", json=activity)
    elapsed = time.monotonic() - started
    assert resp.status in (200, 201), await resp.text()
    assert sorted(connector.member_lookups) == [m["id"] for m in added]  # each once, never the bot
    assert 1 < connector.most_members_in_flight <= ROSTER_CONCURRENCY
    # One after another they take 100 x 50 ms; at eight at a time about 0.65 s.
    assert elapsed < 100 * LOOKUP_SECONDS
    # The turn went on to its handler: the bot was added with them, so the team is remembered.
    reference = await store.get_reference(activity["conversation"]["id"])
    assert reference is not None and reference.conversation_type == "channel"
    ((_, welcome, _),) = connector.posts
    assert welcome["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


def team_context(connector: FakeConnector, members: list[dict[str, Any]]) -> TurnContext:
    """A turn as the adapter sets one up: the activity, and a connector client for the roster."""
    activity = Activity().deserialize(team_update(connector.url, members))
    context = TurnContext(RecordingAdapter(), activity)
    client = ConnectorClient(MicrosoftAppCredentials.empty(), base_url=connector.url)
    context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY] = client
    return context


@pytest.mark.parametrize("concurrency", [1, 3, ROSTER_CONCURRENCY])
async def test_every_member_comes_back_in_order_whatever_the_bound(
    connector: FakeConnector, concurrency: int
) -> None:
    added = people(20)
    context = team_context(connector, added)
    members = await added_members(context, context.activity.members_added, concurrency=concurrency)
    bot_id = context.activity.recipient.id
    assert [m.id for m in members] == [bot_id, *(m["id"] for m in added)]
    assert {m.email for m in members[1:]} == {"Megan.Bowen@fabrikam.example"}  # the roster's answer
    assert getattr(members[0], "email", None) is None  # the bot, as it came
    assert sorted(connector.member_lookups) == [m["id"] for m in added]
    # botbuilder's client sends through the default thread pool, which may allow fewer at once.
    assert connector.most_members_in_flight <= concurrency
    assert connector.most_members_in_flight > 1 if concurrency > 1 else connector.most_members_in_flight == 1


async def test_members_that_came_with_details_are_not_looked_up(connector: FakeConnector) -> None:
    detailed = [{"id": "29:guest", "name": "Guest", "userPrincipalName": "guest@tailspin.example"}]
    context = team_context(connector, [*detailed, *people(2)])
    members = await added_members(context, context.activity.members_added)
    assert [m.id for m in members][1:] == ["29:guest", "29:member-000", "29:member-001"]
    assert sorted(connector.member_lookups) == ["29:member-000", "29:member-001"]


async def test_the_bound_must_allow_one_lookup() -> None:
    context = TurnContext(RecordingAdapter(), Activity(type="conversationUpdate"))
    with pytest.raises(ValueError, match="at least 1"):
        await added_members(context, [ChannelAccount(id="29:x")], concurrency=0)
