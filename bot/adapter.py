"""Bot Framework wiring: the CloudAdapter, its authentication, and the Teams card sender."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ConversationReference
from botframework.connector.auth import BotFrameworkAuthentication

from bot.config import Settings
from bot.delivery import SendFailure

log = logging.getLogger(__name__)


class BotFrameworkConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password
        self.APP_TYPE = settings.app_type
        self.APP_TENANTID = settings.app_tenant_id


class StrictAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]  # untyped SDK base
    """Every token the SDK cannot validate becomes a 401.

    botbuilder 4.17.1 raises PermissionError for some bad tokens (which CloudAdapter answers with
    401) but lets others escape as jwt errors, plain Exceptions, or an AttributeError when the
    header is missing: those would be 500s. This wrapper turns all of them into PermissionError.
    """

    def __init__(self, inner: BotFrameworkAuthentication, *, required: bool) -> None:
        self._inner = inner
        self._required = required

    async def authenticate_request(self, activity: Any, auth_header: str) -> Any:
        if not self._required:
            return await self._inner.authenticate_request(activity, auth_header)
        if not auth_header:
            raise PermissionError("no Authorization header")
        try:
            result = await self._inner.authenticate_request(activity, auth_header)
        except PermissionError:
            raise
        except Exception as exc:
            # Never log the token itself.
            raise PermissionError(f"token rejected: {type(exc).__name__}") from exc
        identity = getattr(result, "claims_identity", None)
        if identity is None or not identity.is_authenticated:
            raise PermissionError("token rejected")
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> Any:
        if not auth_header and self._required:
            raise PermissionError("no Authorization header")
        try:
            return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)
        except PermissionError:
            raise
        except Exception as exc:
            raise PermissionError(f"token rejected: {type(exc).__name__}") from exc

    def create_connector_factory(self, claims_identity: Any) -> Any:
        return self._inner.create_connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        return await self._inner.create_user_token_client(claims_identity)

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> Any:
        return await self._inner.authenticate_channel_request(auth_header)


def create_adapter(settings: Settings, auth: BotFrameworkAuthentication | None = None) -> CloudAdapter:
    inner = auth or ConfigurationBotFrameworkAuthentication(BotFrameworkConfig(settings))
    adapter = CloudAdapter(StrictAuthentication(inner, required=settings.auth_enabled))

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


class AdapterCardSender:
    """Sends cards proactively through the adapter (`continue_conversation`)."""

    def __init__(self, adapter: CloudAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id

    async def send_card(self, reference: dict[str, Any], card: dict[str, Any]) -> str | None:
        async def send(turn_context: TurnContext) -> str | None:
            response = await turn_context.send_activity(card_activity(card))
            return response.id if response else None

        return await self._in_conversation(reference, send)

    async def update_card(self, reference: dict[str, Any], activity_id: str, card: dict[str, Any]) -> None:
        async def update(turn_context: TurnContext) -> None:
            activity = card_activity(card)
            activity.id = activity_id
            await turn_context.update_activity(activity)
            return None

        await self._in_conversation(reference, update)

    async def _in_conversation(
        self, reference: dict[str, Any], action: Callable[[TurnContext], Awaitable[str | None]]
    ) -> str | None:
        conversation = ConversationReference().deserialize(reference)
        results: list[str | None] = []
        errors: list[Exception] = []

        async def run(turn_context: TurnContext) -> None:
            # Caught here: the adapter would hand it to on_turn_error and the caller would never
            # learn that the send failed.
            try:
                results.append(await action(turn_context))
            except Exception as exc:  # noqa: BLE001 - re-raised below as a SendFailure
                errors.append(exc)

        try:
            await self._adapter.continue_conversation(conversation, run, self._app_id)
        except Exception as exc:
            raise _as_failure(exc) from exc
        if errors:
            raise _as_failure(errors[0]) from errors[0]
        return results[0] if results else None


def card_activity(card: dict[str, Any]) -> Activity:
    """A message carrying one Adaptive Card, with its fallback text as the notification summary."""
    message = MessageFactory.attachment(CardFactory.adaptive_card(card))
    message.summary = card.get("fallbackText")
    return message


def _as_failure(exc: Exception) -> Exception:
    """Turn the connector's HTTP errors into SendFailure; leave other errors as they are."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    if not isinstance(status, int):
        return exc
    code = ""
    error = getattr(exc, "error", None)
    inner = getattr(error, "error", None)
    if inner is not None and getattr(inner, "code", None):
        code = str(inner.code)
    headers = getattr(response, "headers", None) or {}
    retry_after: float | None = None
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    if raw is not None:
        try:
            retry_after = float(raw)
        except ValueError:
            retry_after = None
    return SendFailure(status, code, retry_after)
