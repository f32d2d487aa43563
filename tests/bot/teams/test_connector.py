"""The proactive send path: one HTTP session, the SDK's credentials, the SDK's message body."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import ConversationReference

from bot.delivery.sending import EncodedCard, SendFailure
from bot.ops.config import Settings
from bot.teams.adapter import card_activity, create_adapter
from bot.teams.connector import ConnectorCardSender, card_message
from tests.bot.teams.test_auth import APP_ID, APP_TENANT_ID, FixedCredentialsFactory, FixedTokenCredentials
from tests.fakes import FakeConnector, running_connector

CONVERSATION = "a:1Hx9sQ0vT5bKc3Zr8mP2yLw7Nf4Dj6Ge1Ua0Ok5Ri9Vt3Xs8Yq2Wp7Mn4Lb6Jh"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CARD = {"type": "AdaptiveCard", "version": "1.5", "fallbackText": "A claim to look at", "body": []}


def reference(service_url: str) -> dict[str, Any]:
    return {
        "activityId": "f:1706123456789",
        "user": {"id": "29:megan", "aadObjectId": "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"},
        "bot": {"id": f"28:{APP_ID}", "name": "CPOR explained"},
        "conversation": {"id": CONVERSATION, "conversationType": "personal", "tenantId": TENANT},
        "channelId": "msteams",
        "locale": "en-GB",
        "serviceUrl": service_url,
    }


class CountingCredentials(FixedTokenCredentials):
    tokens_given = 0

    def get_access_token(self, force_refresh: bool = False) -> str:
        CountingCredentials.tokens_given += 1
        return super().get_access_token(force_refresh)


class CountingFactory(FixedCredentialsFactory):
    def __init__(self) -> None:
        self.created = 0

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        self.created += 1
        return CountingCredentials()


class Config:
    APP_ID = APP_ID
    APP_PASSWORD = "x"
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as fake:
        yield fake


@pytest.fixture
def credentials() -> CountingFactory:
    CountingCredentials.tokens_given = 0
    return CountingFactory()


@pytest.fixture
async def sender(credentials: CountingFactory) -> AsyncIterator[ConnectorCardSender]:
    auth = ConfigurationBotFrameworkAuthentication(Config(), credentials_factory=credentials)
    adapter = create_adapter(Settings(app_id=APP_ID, app_password="x", app_tenant_id=APP_TENANT_ID), auth)
    card_sender = ConnectorCardSender(adapter, APP_ID)
    yield card_sender
    await card_sender.close()


def test_the_body_is_the_one_the_sdk_would_post() -> None:
    ref = reference("https://smba.trafficmanager.net/emea/")
    sdk = TurnContext.apply_conversation_reference(
        card_activity(CARD), ConversationReference().deserialize(ref)
    ).serialize()
    ours = orjson.loads(orjson.dumps(card_message(ref, EncodedCard.of(CARD))))
    # The SDK's proactive path replies to its made-up continuation activity; a new message needs no
    # replyToId. Ours also keeps the conversation's tenantId, which Teams documents for proactive
    # messages and the SDK's model happens to drop.
    del sdk["replyToId"]
    assert ours["conversation"].items() >= sdk.pop("conversation").items()
    assert {key: ours[key] for key in sdk} == sdk
    assert set(ours) - set(sdk) == {"conversation"}


async def test_cards_are_posted_and_updated_with_the_sdks_token(
    connector: FakeConnector, sender: ConnectorCardSender, credentials: CountingFactory
) -> None:
    ref = reference(connector.url)
    first = await sender.send_card(ref, EncodedCard.of(CARD))
    second = await sender.send_card(ref, EncodedCard.of({**CARD, "fallbackText": "Another"}))
    await sender.update_card(ref, str(first), EncodedCard.of({**CARD, "fallbackText": "Approved"}))

    assert (first, second) == ("reply-1", "reply-2")
    paths = [path for path, _, _ in connector.posts]
    assert paths == [f"/v3/conversations/{CONVERSATION}/activities"] * 2
    assert {authorization for _, _, authorization in connector.posts} == {"Bearer fixed-outbound-token"}
    assert connector.posts[1][1]["summary"] == "Another"
    ((updated_id, update),) = connector.updates
    assert updated_id == "reply-1" and update["id"] == "reply-1" and update["summary"] == "Approved"
    # One set of credentials per service URL, and the token is asked for once, not per message.
    assert credentials.created == 1
    assert CountingCredentials.tokens_given == 1


async def test_a_401_makes_the_next_send_ask_for_a_fresh_token(
    connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    ref = reference(connector.url)
    await sender.send_card(ref, EncodedCard.of(CARD))
    connector.fail_next(CONVERSATION, 401, code="Unauthorized")
    with pytest.raises(SendFailure) as failure:
        await sender.send_card(ref, EncodedCard.of(CARD))
    assert failure.value.status == 401
    await sender.send_card(ref, EncodedCard.of(CARD))
    assert CountingCredentials.tokens_given == 2


@pytest.mark.parametrize(
    ("status", "code", "headers", "retry_after"),
    [
        (429, "Throttled", {"Retry-After": "3"}, 3.0),
        (404, "ConversationNotFound", {}, None),
        (403, "BotDisabledByAdmin", {}, None),
        (503, "ServiceUnavailable", {"Retry-After": "soon"}, None),
    ],
)
async def test_connector_errors_become_send_failures(
    connector: FakeConnector,
    sender: ConnectorCardSender,
    status: int,
    code: str,
    headers: dict[str, str],
    retry_after: float | None,
) -> None:
    connector.fail_next(CONVERSATION, status, code=code, headers=headers)
    with pytest.raises(SendFailure) as failure:
        await sender.send_card(reference(connector.url), EncodedCard.of(CARD))
    assert (failure.value.status, failure.value.code, failure.value.retry_after) == (
        status,
        code,
        retry_after,
    )
    assert connector.posts == []


async def test_an_unreachable_connector_is_a_failure_with_no_status(sender: ConnectorCardSender) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: the connection is refused
        with pytest.raises(SendFailure) as failure:
            await sender.send_card(reference(f"http://127.0.0.1:{port}/"), EncodedCard.of(CARD))
    assert failure.value.status is None


async def test_without_an_app_id_no_authorization_is_sent(connector: FakeConnector) -> None:
    sender = ConnectorCardSender(create_adapter(Settings()), "")
    try:
        assert await sender.send_card(reference(connector.url), EncodedCard.of(CARD)) == "reply-1"
    finally:
        await sender.close()
    ((_, _, authorization),) = connector.posts
    assert authorization == ""
