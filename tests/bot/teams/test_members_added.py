"""Members a conversationUpdate adds: the bot cares only whether it was added itself, so it asks the
roster about nobody (botbuilder would look each one up in turn), against the local fake Bot Connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.store import Store
from tests.fakes import FakeConnector, running_connector
from tests.support import load_fixture

TEAM_UPDATE = "conversation_update_team_members_added.json"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as fake:
        yield fake


def people(count: int) -> list[dict[str, Any]]:
    return [
        {"id": f"29:member-{n:03}", "aadObjectId": f"00000000-0000-4000-8000-{n:012}"} for n in range(count)
    ]


def team_update(service_url: str, members: list[dict[str, Any]], *, with_bot: bool = True) -> dict[str, Any]:
    activity = load_fixture(TEAM_UPDATE)
    activity["serviceUrl"] = service_url
    bot = activity["membersAdded"][:1] if with_bot else []
    activity["membersAdded"] = [*bot, *members]  # the bot (as the fixture has it), then the people
    return activity


async def test_the_bot_added_with_three_hundred_people_welcomes_once_and_looks_nobody_up(
    client: TestClient[Any, Any], connector: FakeConnector, store: Store
) -> None:
    activity = team_update(connector.url, people(300))
    resp = await client.post("/api/messages", json=activity)
    assert resp.status in (200, 201), await resp.text()
    assert connector.member_lookups == []
    reference = await store.get_reference(activity["conversation"]["id"])
    assert reference is not None and reference.conversation_type == "channel"
    ((_, welcome, _),) = connector.posts
    assert welcome["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


@pytest.mark.parametrize(
    "members",
    [people(50), [{}], [{"id": ""}], [{"name": "no id"}, *people(1)]],
    ids=["people", "empty member", "empty id", "member without id"],
)
async def test_people_added_without_the_bot_cost_nothing_and_break_nothing(
    client: TestClient[Any, Any], connector: FakeConnector, store: Store, members: list[dict[str, Any]]
) -> None:
    activity = team_update(connector.url, members, with_bot=False)
    resp = await client.post("/api/messages", json=activity)
    assert resp.status in (200, 201), await resp.text()
    assert connector.member_lookups == [] and connector.posts == []
    assert await store.get_reference(activity["conversation"]["id"]) is None
