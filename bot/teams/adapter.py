"""Bot Framework wiring: the CloudAdapter, its authentication with reused clients, and invoke answers."""

from __future__ import annotations

import copy
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

import orjson
from aiohttp import web
from botbuilder.core import Bot, CardFactory, MessageFactory, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    InvokeResponse,
)
from botframework.connector.auth import AuthenticationConstants, BotFrameworkAuthentication, ConnectorFactory
from msrest.exceptions import DeserializationError  # type: ignore[attr-defined]  # re-exported from azure.core
from msrest.serialization import Model

from bot.ops.config import Settings
from bot.teams.activity_body import ActivityBodyError, read_activity
from bot.teams.activity_model import activity_from_json

log = logging.getLogger(__name__)


class BotFrameworkConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password
        # Without an app id authentication is off and the SDK's single-tenant factory would refuse
        # to start (it needs an id, a secret and a tenant): the no-credentials path is its default.
        self.APP_TYPE = settings.app_type if settings.app_id else "MultiTenant"
        self.APP_TENANTID = settings.app_tenant_id


# How many connector clients (app id, serviceUrl, audience) and user-token clients (app id) one adapter
# keeps. A Teams bot sees a handful of serviceUrls; the bound only stops a flood of distinct ones (each
# already checked against the token's serviceurl claim) from growing memory without limit.
CLIENT_CACHE_SIZE = 256

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


class ClientCache(Generic[_K, _V]):
    """A small least-recently-used map. Evicted clients are dropped, never closed: a turn may still
    hold one, and botbuilder itself never closes the clients it hands out."""

    def __init__(self, max_entries: int = CLIENT_CACHE_SIZE) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._entries: OrderedDict[_K, _V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: _K) -> _V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def replace(self, key: _K, value: _V) -> None:
        self._entries[key] = value
        self._kept(key)

    def put(self, key: _K, value: _V) -> _V:
        """Store `value` unless a concurrent turn stored one first; returns the one kept."""
        self._entries.setdefault(key, value)
        return self._kept(key)

    def _kept(self, key: _K) -> _V:
        """Mark `key` most recently used and drop the least recently used beyond the bound."""
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return self._entries[key]


def app_id_of(claims_identity: Any) -> str | None:
    """The bot's app id as botbuilder reads it: the `aud` claim (channel), else `appid` (emulator)."""
    if claims_identity is None:
        return None
    app_id = claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
    if app_id is None:
        app_id = claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
    return None if app_id is None else str(app_id)


class CachingConnectorFactory(ConnectorFactory):  # type: ignore[misc]  # untyped SDK base
    """Hands out one ConnectorClient per (app id, serviceUrl, audience) instead of one per turn.

    botbuilder's factory builds a new msrest client, credentials (with their own MSAL token cache) and
    requests.Session for every turn: milliseconds of CPU, and a new connection and token for every
    turn that replies. A client holds no per-turn state; msrest already shares its session between
    the requests it sends, and botbuilder never closes the clients it is given.
    """

    def __init__(self, inner: ConnectorFactory, app_id: str | None, cache: ClientCache[Any, Any]) -> None:
        self._inner = inner
        self._app_id = app_id
        self._cache = cache

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        key = (self._app_id, service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = self._cache.put(key, await self._inner.create(service_url, audience))
        return client


# The Bot Framework service signs a token once and sends it with many requests. One the SDK has
# validated is trusted again, for the same channel and serviceUrl, until it expires or for this
# long, whichever comes first (the SDK itself trusts its signing keys for a day).
VALIDATED_TOKEN_SECONDS = 300.0
VALIDATED_TOKENS = 1024


async def _refused_as_permission(validation: Awaitable[Any]) -> Any:
    """The SDK's answer to a token, or PermissionError (a 401) whatever else it raises; the error
    names only the exception's class, never the token."""
    try:
        return await validation
    except PermissionError:
        raise
    except Exception as exc:
        raise PermissionError(f"token rejected: {type(exc).__name__}") from exc


class StrictAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]  # untyped SDK base
    """Every token the SDK cannot validate becomes a 401; the clients a turn needs are reused.

    botbuilder 4.17.1 raises PermissionError for some bad tokens (which CloudAdapter answers with
    401) but lets others escape as jwt errors, plain Exceptions, or an AttributeError when the
    header is missing: those would be 500s. This wrapper turns all of them into PermissionError.

    CloudAdapter asks for a ConnectorClient and a UserTokenClient on every turn, and the stock
    implementation builds both from scratch; here they are cached per adapter (see ClientCache).
    A token validated once is not decoded and verified again on every request (see
    VALIDATED_TOKEN_SECONDS): PyJWT's checks, made four times per request by the SDK, were the
    largest cost of a turn.
    """

    def __init__(
        self,
        inner: BotFrameworkAuthentication,
        *,
        required: bool,
        cache_size: int = CLIENT_CACHE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self.required = required  # whether every request needs a valid token
        self._clock = clock
        # sha256 of the header, channel id, serviceUrl -> (trusted until, the SDK's result)
        self.validated: ClientCache[tuple[str, str, str], tuple[float, Any]] = ClientCache(VALIDATED_TOKENS)
        self.connector_clients: ClientCache[tuple[str | None, str, str | None], Any] = ClientCache(cache_size)
        self.user_token_clients: ClientCache[str | None, Any] = ClientCache(cache_size)

    async def authenticate_request(self, activity: Any, auth_header: str) -> Any:
        if not self.required:  # no app id: no header is anonymous, and a header the SDK refuses is a 401
            return self._with_cached_connectors(await self._inner_authenticate(activity, auth_header))
        if not auth_header:
            raise PermissionError("no Authorization header")
        if not auth_header.isascii():  # a JWT is ASCII; raw header bytes need not even be Unicode
            raise PermissionError("token rejected: not ASCII")
        now = self._clock()
        key = (
            hashlib.sha256(auth_header.encode()).hexdigest(),
            str(getattr(activity, "channel_id", "") or ""),
            str(getattr(activity, "service_url", "") or ""),
        )
        known = self.validated.get(key)
        if known is not None and known[0] > now:
            return known[1]
        result = await self._inner_authenticate(activity, auth_header)
        identity = getattr(result, "claims_identity", None)
        if identity is None or not identity.is_authenticated:
            raise PermissionError("token rejected")
        result = self._with_cached_connectors(result)
        expires = (getattr(identity, "claims", None) or {}).get("exp")
        if isinstance(expires, int | float):
            self.validated.replace(key, (min(float(expires), now + VALIDATED_TOKEN_SECONDS), result))
        return result

    async def _inner_authenticate(self, activity: Any, auth_header: str) -> Any:
        return await _refused_as_permission(self._inner.authenticate_request(activity, auth_header))

    def _with_cached_connectors(self, result: Any) -> Any:
        factory = getattr(result, "connector_factory", None)
        if factory is not None and not isinstance(factory, CachingConnectorFactory):
            app_id = app_id_of(getattr(result, "claims_identity", None))
            result.connector_factory = CachingConnectorFactory(factory, app_id, self.connector_clients)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> Any:
        if not auth_header and self.required:
            raise PermissionError("no Authorization header")
        return await _refused_as_permission(
            self._inner.authenticate_streaming_request(auth_header, channel_id_header)
        )

    def create_connector_factory(self, claims_identity: Any) -> Any:
        factory = self._inner.create_connector_factory(claims_identity)
        return CachingConnectorFactory(factory, app_id_of(claims_identity), self.connector_clients)

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        app_id = app_id_of(claims_identity)
        client = self.user_token_clients.get(app_id)
        if client is None:
            client = self.user_token_clients.put(
                app_id, await self._inner.create_user_token_client(claims_identity)
            )
        return client

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> Any:
        return await self._inner.authenticate_channel_request(auth_header)


# orjson with every type it would otherwise write in a form of its own (subclasses of str, int, dict
# and list; datetimes; dataclasses) refused instead: what it accepts is JSON as the card built it.
_AS_BUILT = (
    orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def plain_json_bytes(value: Any) -> bytes | None:
    """`value` as JSON when it is dicts with str keys, lists, strings, numbers, booleans and None;
    else None (the caller leaves it to msrest)."""
    try:
        return orjson.dumps(value, option=_AS_BUILT)
    except orjson.JSONEncodeError:
        return None


class PlainJsonBody(Model):
    """An invoke body already written as JSON (`encoded`), with the fields it came from.

    The adapter writes `encoded` as it is; anything else that serialises this body with msrest gets
    the same JSON, because msrest copies a model's `additional_properties` into its output as they
    are instead of walking every node of the card.
    """

    _attribute_map = {"additional_properties": {"key": "", "type": "{object}"}}

    def __init__(self, data: dict[str, Any], encoded: bytes) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # msrest's Model.__init__ is unannotated
        self.additional_properties = data
        self.encoded = encoded


def adaptive_card_response_body(body: AdaptiveCardInvokeResponse) -> PlainJsonBody | None:
    """An AdaptiveCardInvokeResponse written as JSON in one pass, when its fields are plain JSON;
    else None."""
    if body.status_code is not None and type(body.status_code) is not int:
        return None
    if body.type is not None and type(body.type) is not str:
        return None
    if body.value is not None and type(body.value) is not dict:
        return None
    fields = {"statusCode": body.status_code, "type": body.type, "value": body.value}
    plain = {key: value for key, value in fields.items() if value is not None}
    encoded = plain_json_bytes(plain)
    return None if encoded is None else PlainJsonBody(plain, encoded)


class CardInvokeAnswer(AdaptiveCardInvokeResponse):  # type: ignore[misc]  # untyped SDK base
    """An Adaptive Card invoke answer that is not copied on its way out.

    `TurnContext.send_activities` deep-copies every outgoing activity, so that a caller's later
    changes cannot reach the wire. This answer is built for one turn and never changed afterwards,
    and copying a claim card (about a thousand nodes) was the largest single cost of a turn.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> CardInvokeAnswer:
        return self


class InvokeAnswerActivity(Activity):  # type: ignore[misc]  # untyped SDK base
    """The activity that carries an invoke's answer to the adapter, copied shallowly.

    `TurnContext.send_activities` deep-copies it (about 28 µs for this activity's forty-odd
    fields) so that the SDK's changes to its copy cannot reach the caller's. The SDK only sets
    fields on the copy (the conversation, the service URL, the accounts), which a shallow copy keeps
    apart just as well.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> InvokeAnswerActivity:
        return copy.copy(self)


def invoke_answer(response: InvokeResponse) -> InvokeAnswerActivity:
    """What `ActivityHandler.on_turn` sends with an invoke's answer, cheaper to copy."""
    return InvokeAnswerActivity(value=response, type=ActivityTypes.invoke_response)


def card_invoke_response(card: dict[str, Any]) -> InvokeResponse:
    """The answer to an `adaptiveCard/action` invoke: this card replaces the one clicked."""
    # botbuilder 4.17.1 serialises an invoke body with msrest: it must be the model, not a dict
    # (returning it from on_adaptive_card_invoke instead gives a 500: it is serialised twice).
    return InvokeResponse(
        status=200,
        body=CardInvokeAnswer(status_code=200, type="application/vnd.microsoft.card.adaptive", value=card),
    )


def invoke_error_response(status: int, code: str, message: str) -> InvokeResponse:
    """An `adaptiveCard/action` answer that reports an error to the client."""
    return InvokeResponse(
        status=200,
        body=CardInvokeAnswer(
            status_code=status,
            type="application/vnd.microsoft.error",
            value={"code": code, "message": message},
        ),
    )


class CporCloudAdapter(CloudAdapter):  # type: ignore[misc]  # untyped SDK base
    """CloudAdapter, with a guarded door and the Adaptive Card invoke response handed back ready to write.

    The door: botbuilder reads the body before it looks for a token, and answers a body that is not
    an activity with a 500. Here a request without an Authorization header is a 401 whatever it
    carries, and a body that is not an activity the bot can handle is a 400 (see read_activity).

    botbuilder serialises an invoke body with msrest, which walks every node of the card (about 1.8 ms
    of CPU for a claim card, as much as the rest of the turn). A card is plain JSON already: the body
    is written as JSON by orjson in one pass (see PlainJsonBody). Anything else is left to
    msrest.
    """

    def __init__(self, auth: StrictAuthentication) -> None:
        super().__init__(auth)
        self._auth_required = auth.required

    async def process(self, request: web.Request, bot: Bot, ws_response: Any = None) -> web.Response | None:
        if request.method != "POST" or ws_response is not None:
            return await super().process(request, bot, ws_response)  # type: ignore[no-any-return]  # SDK
        auth_header = request.headers.get("Authorization", "")
        if self._auth_required and not auth_header:
            raise web.HTTPUnauthorized
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise web.HTTPUnsupportedMediaType
        try:
            activity = activity_from_json(read_activity(await request.read()))
        except ActivityBodyError as exc:
            return _bad_activity(str(exc))
        except DeserializationError as exc:
            return _bad_activity("a field of the activity has the wrong type", reason=str(exc)[:200])
        try:
            invoke_response = await self.process_activity(auth_header, activity, bot.on_turn)
        except PermissionError:
            raise web.HTTPUnauthorized from None
        if invoke_response:
            body = invoke_response.body
            if isinstance(body, PlainJsonBody):
                encoded = body.encoded
            else:
                encoded = orjson.dumps(serializer_helper(body))
            return web.Response(
                body=encoded,
                status=invoke_response.status,
                content_type="application/json",
                charset="utf-8",
            )
        return web.Response(status=201)

    async def process_activity(
        self, auth_header_or_authenticate_request_result: Any, activity: Any, logic: Any
    ) -> Any:
        response = await super().process_activity(auth_header_or_authenticate_request_result, activity, logic)
        body = getattr(response, "body", None)
        if isinstance(body, AdaptiveCardInvokeResponse):
            encoded = adaptive_card_response_body(body)
            if encoded is not None:
                response.body = encoded
        return response


def _bad_activity(detail: str, *, reason: str | None = None) -> web.Response:
    """A 400 in the Bot Framework's error shape; the reason goes to the log, without a trace."""
    log.info("refused an activity body: %s", reason or detail)
    return web.json_response({"error": {"code": "BadRequest", "message": detail}}, status=400)


def create_adapter(settings: Settings, auth: BotFrameworkAuthentication | None = None) -> CloudAdapter:
    inner = auth or ConfigurationBotFrameworkAuthentication(BotFrameworkConfig(settings))
    adapter = CporCloudAdapter(StrictAuthentication(inner, required=settings.auth_enabled))

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        # The trace stays in our log; the user gets a short apology, never the details.
        log.error("turn failed", exc_info=(type(error), error, error.__traceback__))
        if turn_context.activity.type == ActivityTypes.message:
            try:
                await turn_context.send_activity("Sorry, something went wrong on our side. Please try again.")
            except Exception:  # noqa: BLE001 - best effort; the original error is already logged
                log.warning("could not tell the user about the failed turn")

    adapter.on_turn_error = on_turn_error
    return adapter


def card_activity(card: dict[str, Any]) -> Activity:
    """A message carrying one Adaptive Card, with its fallback text as the notification summary."""
    message = MessageFactory.attachment(CardFactory.adaptive_card(card))
    message.summary = card.get("fallbackText")
    return message
