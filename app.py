"""The service: `create_app(settings)` builds it, `main()` runs it."""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import NoReturn

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botframework.connector.auth import BotFrameworkAuthentication

from bot import __version__
from bot.actions import Actions
from bot.delivery.card_updates import RefreshTeamsCards
from bot.delivery.sending import CardSender
from bot.delivery.worker import delivery_worker
from bot.mail.sender import Mailer
from bot.ops.config import ConfigError, Settings, SetupError
from bot.ops.health import LIFECYCLE, Lifecycle, healthz, readyz
from bot.ops.heap import freeze_startup_objects
from bot.ops.logs import configure_logging, report_cannot_start
from bot.ops.metrics import CONTENT_TYPE_LATEST, Metrics
from bot.ops.outage import request_store_wait
from bot.ops.request_ids import AccessLogger, add_request_id_header, request_id_middleware
from bot.ops.retention import Retention
from bot.ops.state import ACTIONS, METRICS, SETTINGS, STORE, WEBHOOKS, WORKER
from bot.partner_api.problems import problem_middleware
from bot.partner_api.routes import partner_api_app
from bot.store import Response, Store, StoreUnavailable, open_store
from bot.teams import openid
from bot.teams.adapter import create_adapter
from bot.teams.connector import ConnectorCardSender
from bot.teams.handler import CporTeamsBot
from bot.views import web_link
from bot.web import claim_pages, legal
from bot.web.links import LINKS, LinkSigner, public_base
from bot.webhooks.worker import PartnerNotifier, WebhookWorker

log = logging.getLogger("cpor_bot")

# The Teams side of the application; the other keys are in bot.ops.state.
ADAPTER = web.AppKey("adapter", CloudAdapter)
BOT = web.AppKey("bot", CporTeamsBot)

# Teams activities are at most about 100 KB; leave room for invoke payloads, refuse anything larger.
MAX_ACTIVITY_BYTES = 512 * 1024
# The retention purge runs when the service starts, then hourly (when RETENTION_DAYS > 0).
RETENTION_EVERY_SECONDS = 3600.0
# Connections the kernel holds for the service while it is busy or still starting (aiohttp's default).
LISTEN_BACKLOG = 128


def create_app(
    settings: Settings,
    *,
    bot_auth: BotFrameworkAuthentication | None = None,
    sender: CardSender | None = None,
    mailer: Mailer | None = None,
) -> web.Application:
    """The aiohttp application. `bot_auth`, `sender` and `mailer` replace the real ones in tests."""
    app = web.Application(
        middlewares=[request_id_middleware, request_store_wait, problem_middleware],
        client_max_size=MAX_ACTIVITY_BYTES,
    )
    app.on_response_prepare.append(_protective_headers)
    app.on_response_prepare.append(add_request_id_header)
    app[SETTINGS] = settings
    app[LIFECYCLE] = Lifecycle(grace_seconds=settings.shutdown_grace_seconds)
    # SIGTERM: the listener is closed, then this runs, then requests in hand get the grace to finish.
    app.on_shutdown.append(_drain)
    adapter = create_adapter(settings, bot_auth)
    app[ADAPTER] = adapter

    metrics = Metrics()
    app[METRICS] = metrics

    async def services(app: web.Application) -> AsyncIterator[None]:
        # What is opened is closed in reverse order, also when a later step of the start fails: an
        # open store (its connection's thread) would otherwise keep the process from exiting.
        async with AsyncExitStack() as opened:
            await _start_services(app, opened)
            yield

    async def _start_services(app: web.Application, opened: AsyncExitStack) -> None:
        signer = app[LINKS] = LinkSigner.from_settings(settings)  # may write LINK_KEY_FILE: at start
        store = await open_store(settings.database_url)
        opened.push_async_callback(store.close)
        own_sender = ConnectorCardSender(adapter, settings.app_id)  # opens nothing until used
        opened.push_async_callback(own_sender.close)
        worker = delivery_worker(
            settings, store, sender or own_sender, mailer=mailer, metrics=metrics, links=signer
        )
        webhooks = WebhookWorker(
            store,
            poll_seconds=settings.delivery_poll_seconds,
            metrics=metrics,
            allow_loopback=settings.webhook_allow_loopback,
        )
        app[STORE] = store
        app[WORKER] = worker
        app[WEBHOOKS] = webhooks
        sent_by = settings.sender_name or None
        base = public_base(settings)
        notify_partner = PartnerNotifier(store, webhooks.wake, worker.wake)
        refresh_teams_cards = RefreshTeamsCards(store, worker.wake)

        async def on_response(response: Response) -> None:
            """A new answer: the partner hears of it, and the contact's Teams cards show it."""
            await notify_partner(response)
            await refresh_teams_cards(response)

        actions = Actions(
            store,
            on_response=on_response,
            sent_by=sent_by,
            web_link=lambda claim_id, contact_id: web_link(
                signer, base, claim_id, contact_id, dt.datetime.now(dt.UTC)
            ),
        )
        app[ACTIONS] = actions
        app[BOT] = CporTeamsBot(
            store,
            worker.wake,
            actions,
            outlook_originator=settings.outlook_originator,
            sent_by=sent_by,
            notify_allowance=settings.notify_allowance(),
            on_notify_refused=lambda kind: metrics.notifications_refused.labels(reason=kind).inc(),
        )
        await _warn_if_sender_unnamed(settings, store)
        lifecycle = app[LIFECYCLE]
        # On the way out the workers lease nothing more and finish the sends in hand until the grace
        # runs out; a send cancelled after that is marked `unknown` by its lease, never sent twice.
        opened.push_async_callback(lifecycle.finish)
        lifecycle.stoppers += [worker.stop, webhooks.stop]
        lifecycle.start("delivery-worker", worker.run(), worker=True)
        lifecycle.start("webhook-worker", webhooks.run(), worker=True)
        retention = Retention(
            store, days=settings.retention_days, every_seconds=RETENTION_EVERY_SECONDS, metrics=metrics
        )
        lifecycle.stoppers.append(retention.stop)
        # With RETENTION_DAYS=0 it says so and ends; otherwise the service is ready only while it runs.
        lifecycle.start("retention", retention.run(), worker=settings.retention_days > 0)
        if settings.auth_enabled:  # the signing keys, fetched now and kept fresh off the event loop
            urls = openid.metadata_urls(adapter.bot_framework_authentication)
            lifecycle.start("openid-keys", openid.keep_fresh(urls))

    app.cleanup_ctx.append(services)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)
    app.router.add_routes(legal.routes())
    app.router.add_routes(claim_pages.routes())
    app.add_subapp("/api", partner_api_app())  # after /api/messages, which stays the Bot Framework's
    return app


async def _drain(app: web.Application) -> None:
    log.info("shutting down: no new work; finishing what is in hand")
    app[LIFECYCLE].drain()


async def _freeze_heap(app: web.Application) -> None:
    freeze_startup_objects()


async def _warn_if_sender_unnamed(settings: Settings, store: Store) -> None:
    """Without SENDER_NAME each card names its partner as the sender, which is right only when the
    partner runs the service itself: say so when several partners share it."""
    if settings.sender_name:
        return
    partners = {key.partner_id for key in await store.list_partner_keys() if key.revoked_at is None}
    if len(partners) > 1:
        log.warning(
            "SENDER_NAME is not set, but %d partners use this service: every card says it was sent by "
            "its partner. Set SENDER_NAME to the organisation that runs the service.",
            len(partners),
        )


# Partner API answers carry claims, contacts, keys' effects, link codes and webhook secrets: never
# kept by a cache. The API's own description is public and may be.
_CACHEABLE = frozenset({"/api/openapi.json"})


async def _protective_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every answer: no content sniffing, no software version for scanners, no caching of data."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Server"] = "cpor-bot"
    if request.path not in _CACHEABLE and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"


async def messages(request: web.Request) -> web.StreamResponse:
    response = await request.app[ADAPTER].process(request, request.app[BOT])
    return response if response is not None else web.Response(status=201)


async def metrics_endpoint(request: web.Request) -> web.Response:
    """Prometheus metrics: counts and timings only, no customer or partner data."""
    body = await request.app[METRICS].render(request.app[STORE])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def startup_warnings(settings: Settings) -> list[str]:
    """What an operator should know before the first customer does: settings that work, but not as
    production needs them."""
    warnings = []
    if not settings.smtp_enabled:
        warnings.append(
            f"SMTP_HOST is not set: emails are written to {settings.mail_outbox_dir} instead of being sent."
        )
    if settings.outlook_originator_is_placeholder:
        warnings.append(
            "OUTLOOK_ORIGINATOR is not set: Outlook will not show the card in emails (the HTML part "
            "still reads well). Register an Actionable Messages provider and set its id."
        )
    if settings.auth_enabled and settings.app_type == "MultiTenant":
        warnings.append(
            "MicrosoftAppType is MultiTenant: this bot keeps working, but Azure has not created new "
            "multi-tenant bots since 31 July 2025. A new registration is SingleTenant (set "
            "MicrosoftAppTenantId) or UserAssignedMSI."
        )
    if not settings.auth_enabled:
        warnings.append(
            "MicrosoftAppId is not set: Bot Framework authentication is OFF. Anyone who can reach "
            "/api/messages can talk to this bot. Set MicrosoftAppId and MicrosoftAppPassword in production."
        )
    return warnings


def listen(host: str, port: int) -> list[socket.socket]:
    """Sockets bound to `host`:`port` and listening (one per address a name resolves to, as aiohttp
    would bind them); SetupError naming HOST or PORT when this machine cannot listen there. Bound
    before anything starts: a second instance on a port in use stops before it opens the store or
    starts a worker."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:  # socket.gaierror: the name is unknown
        reason = exc.strerror or str(exc)
        raise SetupError(f"HOST {host} is not a name this machine can resolve ({reason}).") from None
    sockets: list[socket.socket] = []
    try:
        # getaddrinfo may name one address twice (once per protocol it knows): one socket each.
        for family, kind, proto, address in dict.fromkeys((f, k, p, a) for f, k, p, _, a in found):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's create_server
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(LISTEN_BACKLOG)
            sock.setblocking(False)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise SetupError(_listen_problem(host, port, exc)) from None
    return sockets


def _listen_problem(host: str, port: int, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EADDRINUSE:
        return f"PORT {port} is in use on {host}: another process listens there ({reason})."
    if exc.errno == errno.EACCES:
        return f"PORT {port}: this user may not listen on it ({reason}; ports below 1024 need privileges)."
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"HOST {host} is not an address of this machine ({reason})."
    return f"HOST {host}, PORT {port}: cannot listen there ({reason})."


def _cannot_start(problem: Exception, log_format: str) -> NoReturn:
    """One line naming the setting, exit 2 as for a configuration error: no traceback."""
    report_cannot_start(problem, log_format)
    raise SystemExit(2)


def _banner(settings: Settings) -> None:
    """Where the service listens and what to try first: a few lines for a person at a terminal; with
    LOG_FORMAT=json one log record, since a log collector reads every line of the console."""
    url = f"http://{settings.host}:{settings.port}"
    if settings.log_format == "json":
        log.info("CPOR explained %s on %s, store %s", __version__, url, settings.database_url_for_logs())
        return
    print(
        f"CPOR explained {__version__} on {url}\n"
        f"  store:        {settings.database_url_for_logs()}\n"
        f"  health:       curl {url}/healthz   (ready: {url}/readyz)\n"
        f"  API document: {url}/api/openapi.json\n"
        f"  partner key:  .venv/bin/cpor-bot keys create --partner 'Contoso Partners'\n"
        f"  Teams client: point the Microsoft 365 Agents Playground at {url}/api/messages",
        flush=True,
    )


def main() -> None:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"cpor-bot: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level, settings.log_format)
    # Files the service creates (the database, its journal, .eml messages) hold customer data.
    os.umask(0o077)
    try:
        sockets = listen(settings.host, settings.port)
    except SetupError as exc:
        _cannot_start(exc, settings.log_format)
    for warning in startup_warnings(settings):
        log.warning("%s", warning)
    _banner(settings)
    app = create_app(settings)
    app.on_startup.append(_freeze_heap)  # after the services above have started (see bot.ops.heap)
    # SIGTERM and SIGINT end run_app gracefully (exit code 0): see _drain and Lifecycle.finish.
    try:
        web.run_app(
            app,
            sock=sockets,
            print=None,
            shutdown_timeout=settings.shutdown_grace_seconds,
            access_log_class=AccessLogger,
        )
    except (SetupError, StoreUnavailable) as exc:  # LINK_KEY_FILE, DATABASE_URL: what start opens
        _cannot_start(exc, settings.log_format)
    finally:
        for sock in sockets:
            sock.close()


if __name__ == "__main__":
    main()
