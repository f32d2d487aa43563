"""The adapter reuses its Bot Connector and user-token clients instead of building two per turn.

Requests go through the real JWT path (a local OpenID server and minted tokens, as in test_auth.py).
A counting BotFrameworkAuthentication, passed in as `bot_auth`, records every client the SDK's own
factories build, so the tests count constructions without touching library internals.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient
from botbuilder.core import TurnContext
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.schema import (
    AdaptiveCardInvokeResponse,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)
from botframework.connector.auth import BotFrameworkAuthentication, ClaimsIdentity, ConnectorFactory
from cryptography.hazmat.primitives.asymmetric import rsa

from app import ADAPTER, create_app
from bot.ops.config import Settings
from bot.teams.adapter import (
    CLIENT_CACHE_SIZE,
    ClientCache,
    StrictAuthentication,
    adaptive_card_response_body,
    create_adapter,
)
from tests.bot.teams.test_auth import APP_ID, APP_TENANT_ID, OpenIdServer, local_auth, mint, typing_activity
from tests.fakes import FakeConnector, running_connector
from tests.support import load_fixture

EMEA = "https://smba.trafficmanager.net/emea/"
AMER = "https://smba.trafficmanager.net/amer/"


class CountingFactory(ConnectorFactory):  # type: ignore[misc]  # botbuilder ships no type information
    def __init__(self, inner: ConnectorFactory, built: list[tuple[str, str | None]]) -> None:
        self._inner = inner
        self._built = built

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        client = await self._inner.create(service_url, audience)
        self._built.append((service_url, audience))
        return client


class CountingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]  # untyped SDK base
    """Delegates to the SDK's authentication and records each client its factories build."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self.connectors: list[tuple[str, str | None]] = []
        self.user_token_clients = 0
        self.validations = 0

    async def authenticate_request(self, activity: Any, auth_header: str) -> Any:
        self.validations += 1
        result = await self._inner.authenticate_request(activity, auth_header)
        result.connector_factory = CountingFactory(result.connector_factory, self.connectors)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> Any:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: Any) -> Any:
        return CountingFactory(self._inner.create_connector_factory(claims_identity), self.connectors)

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        self.user_token_clients += 1
        return await self._inner.create_user_token_client(claims_identity)

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())


@pytest.fixture
def counting(openid: OpenIdServer) -> CountingAuthentication:
    return CountingAuthentication(local_auth(openid.base))


@pytest.fixture
def secured_settings(tmp_path: Path) -> Settings:
    return Settings(
        app_id=APP_ID,
        app_password="x",
        app_tenant_id=APP_TENANT_ID,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        delivery_poll_seconds=3600,
    )


@pytest.fixture
async def secured(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    secured_settings: Settings,
    counting: CountingAuthentication,
) -> TestClient[Any, Any]:
    return await aiohttp_client(create_app(secured_settings, bot_auth=counting))


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as fake:
        yield fake


async def post(client: TestClient[Any, Any], activity: dict[str, Any], token: str) -> int:
    resp = await client.post("/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"})
    await resp.read()
    return resp.status


def card_invoke(service_url: str) -> dict[str, Any]:
    invoke = load_fixture("invoke_card_action.json")
    invoke["serviceUrl"] = service_url
    return invoke


async def test_invokes_from_one_service_url_share_one_connector_and_one_user_token_client(
    secured: TestClient[Any, Any], signing_key: rsa.RSAPrivateKey, counting: CountingAuthentication
) -> None:
    token = mint(signing_key, EMEA)
    assert await post(secured, card_invoke(EMEA), token) == 200
    assert await post(secured, card_invoke(EMEA), token) == 200
    assert await post(secured, typing_activity(EMEA), token) in (200, 201)
    assert counting.connectors == [(EMEA, "https://api.botframework.com")]
    assert counting.user_token_clients == 1


async def test_each_service_url_gets_its_own_connector(
    secured: TestClient[Any, Any], signing_key: rsa.RSAPrivateKey, counting: CountingAuthentication
) -> None:
    for url in (EMEA, AMER, EMEA, AMER):
        assert await post(secured, typing_activity(url), mint(signing_key, url)) in (200, 201)
    assert sorted(url for url, _ in counting.connectors) == [AMER, EMEA]
    # The user-token client does not depend on the service URL: one for the bot's app id.
    assert counting.user_token_clients == 1


async def test_replies_in_several_turns_go_through_the_one_cached_client(
    secured: TestClient[Any, Any],
    signing_key: rsa.RSAPrivateKey,
    counting: CountingAuthentication,
    connector: FakeConnector,
) -> None:
    activity = load_fixture("message_help.json")
    activity["serviceUrl"] = connector.url
    token = mint(signing_key, connector.url)
    for _ in range(3):
        assert await post(secured, activity, token) in (200, 201)
    assert len(connector.posts) == 3
    assert all(authorization == "Bearer fixed-outbound-token" for _, _, authorization in connector.posts)
    assert counting.connectors == [(connector.url, "https://api.botframework.com")]


async def test_a_bad_token_is_still_refused_once_the_clients_are_cached(
    secured: TestClient[Any, Any], signing_key: rsa.RSAPrivateKey, counting: CountingAuthentication
) -> None:
    assert await post(secured, typing_activity(EMEA), mint(signing_key, EMEA)) in (200, 201)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert await post(secured, typing_activity(EMEA), mint(other_key, EMEA)) == 401
    assert await post(secured, typing_activity(EMEA), mint(signing_key, "https://evil.example/")) == 401
    resp = await secured.post("/api/messages", json=typing_activity(EMEA))
    assert resp.status == 401
    assert len(counting.connectors) == 1


async def test_each_app_has_its_own_cache(
    secured_settings: Settings, counting: CountingAuthentication
) -> None:
    first = create_app(secured_settings, bot_auth=counting)[ADAPTER].bot_framework_authentication
    second = create_app(secured_settings, bot_auth=counting)[ADAPTER].bot_framework_authentication
    assert isinstance(first, StrictAuthentication)
    assert first.connector_clients is not second.connector_clients
    assert first.connector_clients.max_entries == CLIENT_CACHE_SIZE


async def test_proactive_turns_reuse_one_connector(
    secured_settings: Settings, counting: CountingAuthentication, connector: FakeConnector
) -> None:
    adapter = create_adapter(secured_settings, counting)
    reference = ConversationReference(
        bot=ChannelAccount(id=f"28:{APP_ID}"),
        user=ChannelAccount(id="29:megan"),
        conversation=ConversationAccount(id="a:conversation", conversation_type="personal"),
        channel_id="msteams",
        service_url=connector.url,
    )

    async def say_hello(turn_context: TurnContext) -> None:
        await turn_context.send_activity("hello")

    for _ in range(2):
        await adapter.continue_conversation(reference, say_hello, APP_ID)
    assert [body["text"] for _, body, _ in connector.posts] == ["hello", "hello"]
    assert counting.connectors == [(connector.url, None)]
    assert counting.user_token_clients == 1


def identity(app_id: str) -> ClaimsIdentity:
    return ClaimsIdentity({"aud": app_id, "appid": app_id}, True)


async def test_the_cache_is_bounded_and_keeps_the_recently_used(counting: CountingAuthentication) -> None:
    auth = StrictAuthentication(counting, required=True, cache_size=2)
    factory = auth.create_connector_factory(identity(APP_ID))
    urls = [f"https://smba.trafficmanager.net/{n}/" for n in range(5)]
    first = await factory.create(urls[0], None)
    for url in urls[1:]:
        await factory.create(url, None)
        assert await factory.create(urls[0], None) is first  # used again: stays
    assert len(auth.connector_clients) == 2
    assert len(counting.connectors) == 5
    await factory.create(urls[1], None)  # evicted long ago: built again
    assert len(counting.connectors) == 6


async def test_clients_are_per_app_id(counting: CountingAuthentication) -> None:
    auth = StrictAuthentication(counting, required=True)
    other = str(uuid.uuid4())
    mine = await auth.create_connector_factory(identity(APP_ID)).create(EMEA, None)
    theirs = await auth.create_connector_factory(identity(other)).create(EMEA, None)
    assert mine is not theirs
    assert await auth.create_connector_factory(identity(APP_ID)).create(EMEA, None) is mine
    assert await auth.create_user_token_client(identity(APP_ID)) is await auth.create_user_token_client(
        identity(APP_ID)
    )
    assert counting.user_token_clients == 1


def test_client_cache_evicts_the_least_recently_used() -> None:
    cache: ClientCache[str, object] = ClientCache(2)
    a, b, c = object(), object(), object()
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a
    cache.put("c", c)
    assert cache.get("b") is None
    assert cache.get("a") is a and cache.get("c") is c
    # A second client for a key already held (two turns racing) gives way to the first.
    assert cache.put("a", object()) is a
    with pytest.raises(ValueError):
        ClientCache(0)


async def test_an_invoke_answer_is_the_json_msrest_would_write(
    secured: TestClient[Any, Any], signing_key: rsa.RSAPrivateKey
) -> None:
    token = mint(signing_key, EMEA)
    resp = await secured.post(
        "/api/messages", json=card_invoke(EMEA), headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 200
    body = await resp.json()
    model = AdaptiveCardInvokeResponse(status_code=200, type=body["type"], value=body["value"])
    assert body == serializer_helper(model)
    assert body["statusCode"] == 200 and body["value"]["type"] == "AdaptiveCard"


def test_plain_json_is_written_as_msrest_would_and_anything_else_is_left_to_msrest() -> None:
    card = {
        "type": "AdaptiveCard",
        "body": [{"type": "TextBlock", "text": 'é \u2028 "q" </script>', "n": 1, "x": 1.5, "b": True}],
        "a": None,
    }
    model = AdaptiveCardInvokeResponse(
        status_code=200, type="application/vnd.microsoft.card.adaptive", value=card
    )
    body = adaptive_card_response_body(model)
    assert body is not None
    assert json.loads(body.encoded) == serializer_helper(model) == serializer_helper(body)
    bare = adaptive_card_response_body(AdaptiveCardInvokeResponse(status_code=200))
    assert bare is not None and json.loads(bare.encoded) == {"statusCode": 200}

    class Label(str):
        pass

    odd_values: list[Any] = [
        {"when": object()},
        {1: "int key"},
        {"label": Label("a str subclass")},
        {"at": dt.datetime(2026, 12, 5, tzinfo=dt.UTC)},
        [card],
    ]
    for odd in odd_values:
        assert adaptive_card_response_body(AdaptiveCardInvokeResponse(status_code=200, value=odd)) is None
    assert adaptive_card_response_body(AdaptiveCardInvokeResponse(status_code="200")) is None


def test_a_card_answer_goes_out_without_a_deep_copy_of_the_card() -> None:
    import copy

    from bot.teams.adapter import card_invoke_response

    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Approved"}]}
    response = card_invoke_response(card)
    copied = copy.deepcopy(response)
    assert copied.body is response.body and copied.body.value is card
    body = adaptive_card_response_body(copied.body)
    assert body is not None
    assert json.loads(body.encoded) == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.card.adaptive",
        "value": card,
    }


def test_an_invoke_answer_activity_is_copied_shallowly_yet_kept_apart() -> None:
    import copy

    from bot.teams.adapter import card_invoke_response, invoke_answer

    response = card_invoke_response({"type": "AdaptiveCard", "version": "1.5", "body": []})
    activity = invoke_answer(response)
    copied = copy.deepcopy(activity)
    assert copied is not activity and copied.type == "invokeResponse" and copied.value is response
    # What the SDK does to its copy (TurnContext.apply_conversation_reference) leaves the original alone.
    copied.service_url = "https://smba.trafficmanager.net/emea/"
    copied.conversation = ConversationAccount(id="a:1")
    assert activity.service_url is None and activity.conversation is None


async def test_a_validated_token_is_trusted_again_only_for_its_channel_and_service_url(
    secured: TestClient[Any, Any], signing_key: rsa.RSAPrivateKey, counting: CountingAuthentication
) -> None:
    token = mint(signing_key, EMEA)
    for _ in range(3):
        assert await post(secured, card_invoke(EMEA), token) == 200
    assert counting.validations == 1
    # The same token presented with another serviceUrl is checked again, and its claim refuses it.
    elsewhere = card_invoke("https://smba.trafficmanager.net/amer/")
    assert await post(secured, elsewhere, token) == 401
    assert counting.validations == 2
    other_channel = card_invoke(EMEA)
    other_channel["channelId"] = "webchat"
    await post(secured, other_channel, token)
    assert counting.validations == 3


async def test_a_remembered_token_is_validated_again_after_its_expiry_or_five_minutes(
    counting: CountingAuthentication, signing_key: rsa.RSAPrivateKey
) -> None:
    from botbuilder.schema import Activity

    from bot.teams.adapter import StrictAuthentication

    now = [1_000_000.0]
    strict = StrictAuthentication(counting, required=True, clock=lambda: now[0])
    activity = Activity().deserialize(card_invoke(EMEA))
    long_lived = f"Bearer {mint(signing_key, EMEA)}"
    await strict.authenticate_request(activity, long_lived)
    now[0] += 299
    await strict.authenticate_request(activity, long_lived)
    assert counting.validations == 1
    now[0] += 2  # five minutes on: validated again
    await strict.authenticate_request(activity, long_lived)
    assert counting.validations == 2

    short_lived = mint(signing_key, EMEA, exp=int(time.time()) + 120)
    expires = jwt.decode(short_lived, options={"verify_signature": False})["exp"]
    now[0] = expires - 10
    await strict.authenticate_request(activity, f"Bearer {short_lived}")
    now[0] = expires + 1  # past the token's own expiry: never trusted from memory
    await strict.authenticate_request(activity, f"Bearer {short_lived}")
    assert counting.validations == 4
