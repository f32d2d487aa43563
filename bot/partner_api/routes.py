"""The partner API: register claims and notify the customer's contacts."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.domain.claims import NEEDS_CUSTOMER_ATTENTION, Claim, TransitionError, check_transition
from bot.domain.json_input import JsonInputError, bad_text, read_json
from bot.domain.validation import InvalidRequest, claim_from_request
from bot.domain.workloads import catalog
from bot.ops.state import METRICS, SETTINGS, STORE, WORKER
from bot.partner_api.keys import LINK_CODE_TTL, authenticate, hash_link_code, new_link_code
from bot.partner_api.models import (
    DEFAULT_PAGE,
    MAX_PAGE,
    ClaimCreate,
    ClaimList,
    ClaimUpdate,
    Empty,
    LinkCode,
    Notification,
    NotificationCreate,
    WebhookSet,
    WorkloadList,
)
from bot.partner_api.openapi import (
    IDEMPOTENCY_KEY_MAX,
    IDEMPOTENCY_KEY_PATTERN,
    openapi_document,
    query_parameters,
)
from bot.partner_api.problems import FieldError, Problem
from bot.partner_api.schema import parse
from bot.partner_api.serialize import (
    claim_model,
    contact_links,
    delivery_model,
    iso,
    reply,
    webhook_model,
    workload_model,
)
from bot.store import Channel, Conflict, LimitKind, LimitReached, NotFound, Partner, ts
from bot.webhooks.resolver import check_destination
from bot.webhooks.worker import WebhookUrlError, new_secret

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN.removeprefix("^").removesuffix("$"))
# A reservation with no response after this long was left by a crash: another try may take it.
IDEMPOTENCY_ABANDONED = dt.timedelta(minutes=2)


# The partner a request's key belongs to, set by `authenticate_partner` before any handler runs.
PARTNER = web.RequestKey("partner", Partner)
# Open to anyone: the API's own description.
PUBLIC_PATHS = frozenset({"/api/openapi.json"})


def partner_api_app() -> web.Application:
    """The partner API as a sub-application for `/api`: every route but the OpenAPI document needs a
    partner key, checked once by the middleware (`authenticate_partner`). The store, worker and
    settings come from the parent application (`request.config_dict`)."""
    api = PartnerApi()
    app = web.Application(middlewares=[authenticate_partner])
    app.router.add_routes(
        [
            web.get("/openapi.json", api.openapi),
            web.get("/workloads", api.list_workloads),
            web.post("/claims", api.create_claim),
            web.get("/claims", api.list_claims),
            web.get("/claims/{claim_id}", api.get_claim),
            web.patch("/claims/{claim_id}", api.update_claim),
            web.post("/claims/{claim_id}/notifications", api.notify),
            web.post("/teams-links", api.create_link_code),
            web.put("/webhook", api.set_webhook),
            web.get("/webhook", api.get_webhook),
            web.delete("/webhook", api.delete_webhook),
        ]
    )
    return app


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def authenticate_partner(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The partner key in `Authorization: Bearer <key>`, checked before the handler runs; a POST
    with an Idempotency-Key runs at most once per key."""
    if request.path in PUBLIC_PATHS or request.match_info.http_exception is not None:
        return await handler(request)  # open, or no such route (404) or method (405): nothing to guard
    partner = await _partner(request)
    request[PARTNER] = partner
    _check_query(request)
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if request.method == "POST" and key is not None:
        return await idempotent(request, partner, key, handler)
    return await handler(request)


async def _partner(request: web.Request) -> Partner:
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="cpor-bot partner API"'}
    if scheme.lower() != "bearer" or not presented.strip():
        raise Problem(401, "Send your partner key as 'Authorization: Bearer <key>'.", headers=challenge)
    partner = await authenticate(request.config_dict[STORE], presented.strip())
    if partner is None:
        raise Problem(401, "The partner key is unknown or has been revoked.", headers=challenge)
    return partner


def _check_query(request: web.Request) -> None:
    """Only the query parameters the document lists for the operation, each at most once: a misspelt
    or unknown parameter is refused (422 naming it) rather than silently ignored."""
    resource = request.match_info.route.resource
    path = resource.canonical if resource is not None else request.path
    method = "GET" if request.method == "HEAD" else request.method
    allowed = query_parameters(path, method)
    errors: list[FieldError] = []
    for name in dict.fromkeys(request.query):
        if name not in allowed:
            errors.append(FieldError(name, "is not a query parameter of this operation"))
        elif len(request.query.getall(name)) > 1:
            errors.append(FieldError(name, "must be given once"))
    if errors:
        raise Problem(422, "Invalid query.", errors=errors)


class PartnerApi:
    """The partner API's handlers; the partner is `request[PARTNER]`, the store and the delivery
    worker come from the application."""

    # --- handlers ----------------------------------------------------------------------------

    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(openapi_document())

    async def list_workloads(self, request: web.Request) -> web.Response:
        items = [workload_model(w, fallback_area="") for w in catalog().workloads]
        return reply(WorkloadList(items=items))

    async def create_claim(self, request: web.Request) -> web.Response:
        partner = request[PARTNER]
        body = await read_json_object(request)
        parse(body, ClaimCreate)  # the claim rules beyond the schema are the domain's (claim_from_request)
        claim = claim_from_request(body, partner_id=partner.id, now=dt.datetime.now(dt.UTC))
        await request.config_dict[STORE].create_claim(claim)
        log.info("claim %s created by partner %s", claim.id, partner.id)
        location = f"/api/claims/{claim.id}"
        return reply(claim_model(claim, deliveries=[]), status=201, headers={"Location": location})

    async def list_claims(self, request: web.Request) -> web.Response:
        partner = request[PARTNER]
        limit = _page_size(request.query.get("limit"))
        before = _decode_cursor(request.query.get("cursor"))
        claims = await request.config_dict[STORE].list_claims(partner.id, limit=limit + 1, before=before)
        page, more = claims[:limit], len(claims) > limit
        next_cursor = _encode_cursor(page[-1]) if more and page else None
        items = [claim_model(c, deliveries=None) for c in page]
        return reply(ClaimList(items=items, next_cursor=next_cursor))

    async def get_claim(self, request: web.Request) -> web.Response:
        partner = request[PARTNER]
        claim = await self._own_claim(request, partner)
        store = request.config_dict[STORE]
        deliveries = await store.deliveries_for_claim(claim.id)
        responses = await store.responses_for_claim(claim.id)
        return reply(
            claim_model(claim, deliveries=deliveries, responses=responses, links=contact_links(request))
        )

    async def update_claim(self, request: web.Request) -> web.Response:
        partner = request[PARTNER]
        claim = await self._own_claim(request, partner)
        wanted = parse(await read_json_object(request), ClaimUpdate).status
        try:
            check_transition(claim.status, wanted, dispute_used=claim.dispute_used)
        except TransitionError as exc:
            raise Problem(409, str(exc), errors=[FieldError("status", str(exc))]) from None
        store = request.config_dict[STORE]
        try:
            updated, _ = await store.change_status(
                claim.id,
                partner.id,
                expected=claim.status,
                wanted=wanted,
                at=dt.datetime.now(dt.UTC),
                change_id=str(uuid.uuid4()),
                message=wanted in NEEDS_CUSTOMER_ATTENTION,
            )
        except Conflict:
            raise Problem(
                409, "The claim changed while you were updating it. Read it and try again."
            ) from None
        request.config_dict[WORKER].wake()
        log.info("claim %s: %s -> %s", claim.id, claim.status, wanted)
        deliveries = await store.deliveries_for_claim(claim.id)
        responses = await store.responses_for_claim(claim.id)
        return reply(claim_model(updated, deliveries=deliveries, responses=responses))

    async def notify(self, request: web.Request) -> web.Response:
        partner = request[PARTNER]
        claim = await self._own_claim(request, partner)
        wanted = parse(await read_json_object(request, allow_empty=True), NotificationCreate)
        notification_id = str(uuid.uuid4())
        allowance = request.config_dict[SETTINGS].notify_allowance()
        try:
            deliveries = await request.config_dict[STORE].create_notification(
                claim,
                notification_id,
                dt.datetime.now(dt.UTC),
                wanted.channel or Channel.AUTO,
                allowance=allowance,
            )
        except NotFound:  # a retention purge deleted it after it was read above
            raise Problem(404, f"No claim {claim.id!r} among yours.") from None
        except LimitReached as limit:
            request.config_dict[METRICS].notifications_refused.labels(reason=limit.kind).inc()
            log.info("claim %s: notification refused (%s) for partner %s", claim.id, limit.kind, partner.id)
            # The same notification again too soon is a conflict with the one just sent; a rate or
            # a daily quota is "too many requests". Either way, Retry-After says when it would pass.
            status = 409 if limit.kind == LimitKind.COOLDOWN else 429
            raise Problem(
                status, limit.detail, headers={"Retry-After": str(limit.retry_after_seconds)}
            ) from None
        request.config_dict[WORKER].wake()
        return reply(
            Notification(
                notification_id=notification_id,
                claim_id=claim.id,
                deliveries=[delivery_model(d) for d in deliveries],
            ),
            status=202,
            headers={"Location": f"/api/claims/{claim.id}"},
        )

    async def create_link_code(self, request: web.Request) -> web.Response:
        partner = request[PARTNER]
        parse(await read_json_object(request, allow_empty=True), Empty)
        code = new_link_code()
        now = dt.datetime.now(dt.UTC)
        expires = now + LINK_CODE_TTL
        await request.config_dict[STORE].add_link_code(hash_link_code(code), partner.id, expires, now)
        return reply(
            LinkCode(
                code=code,
                expires_at=iso(expires),
                instructions=f"In Teams, in your chat with this app, send: link {code}",
            ),
            status=201,
        )

    async def set_webhook(self, request: web.Request) -> web.Response:
        partner = request[PARTNER]
        asked = parse(await read_json_object(request), WebhookSet)
        try:
            # The host resolved and every address checked now; the worker checks again before each POST.
            url = await check_destination(
                asked.url, allow_loopback=request.config_dict[SETTINGS].webhook_allow_loopback
            )
        except WebhookUrlError as exc:
            raise Problem(
                422, "The request has invalid fields.", errors=[FieldError("url", str(exc))]
            ) from None
        secret = new_secret()
        hook = await request.config_dict[STORE].set_webhook(partner.id, url, secret, dt.datetime.now(dt.UTC))
        # The secret is shown here only: it signs every POST, and a new PUT replaces it.
        return reply(webhook_model(hook, secret=secret))

    async def get_webhook(self, request: web.Request) -> web.Response:
        partner = request[PARTNER]
        store = request.config_dict[STORE]
        hook = await store.get_webhook(partner.id)
        if hook is None:
            raise Problem(404, "No webhook is set. PUT /api/webhook with a url sets one.")
        events = await store.webhook_events(partner.id, limit=50)
        return reply(webhook_model(hook, events=events))

    async def delete_webhook(self, request: web.Request) -> web.Response:
        partner = request[PARTNER]
        if not await request.config_dict[STORE].delete_webhook(partner.id):
            raise Problem(404, "No webhook is set.")
        return web.Response(status=204)

    async def _own_claim(self, request: web.Request, partner: Partner) -> Claim:
        claim_id = request.match_info["claim_id"]
        # Another partner's claim answers exactly like a missing one; so does an id no store can hold
        # (a NUL from "%00", which PostgreSQL refuses to take in a query, or half a surrogate pair).
        found = bad_text(claim_id) is None
        claim = await request.config_dict[STORE].get_claim(claim_id, partner_id=partner.id) if found else None
        if claim is None:
            raise Problem(404, f"No claim {claim_id!r} among yours.")
        return claim


# --- request parsing -----------------------------------------------------------------------------


async def idempotent(
    request: web.Request,
    partner: Partner,
    key: str,
    handler: Handler,
) -> web.StreamResponse:
    """Run a POST once per Idempotency-Key: the same key and body replay the first response; the
    same key with another body is a 422."""
    if len(key) > IDEMPOTENCY_KEY_MAX or _IDEMPOTENCY_KEY.fullmatch(key) is None:
        raise Problem(
            422,
            "Invalid header.",
            errors=[
                FieldError(IDEMPOTENCY_HEADER, "must be 1 to 255 visible ASCII characters (spaces inside)")
            ],
        )
    body = await request.read()
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode() + body).hexdigest()
    store = request.config_dict[STORE]
    earlier = await store.reserve_idempotency_key(
        partner.id, key, digest, dt.datetime.now(dt.UTC), abandon_after=IDEMPOTENCY_ABANDONED
    )
    if earlier is not None:
        if earlier.request_hash != digest:
            raise Problem(
                422,
                "This Idempotency-Key was used for a different request.",
                errors=[FieldError(IDEMPOTENCY_HEADER, "was used with another body or path")],
            )
        if earlier.status is None or earlier.response_json is None:
            raise Problem(409, "A request with this Idempotency-Key is still being processed; retry shortly.")
        headers = {"Idempotent-Replayed": "true"}
        if earlier.location:
            headers["Location"] = earlier.location
        return web.Response(
            status=earlier.status,
            text=earlier.response_json,
            content_type="application/json",
            headers=headers,
        )
    try:
        response = await handler(request)
    except BaseException:
        await store.release_idempotency_key(partner.id, key)  # a refused request may be sent again
        raise
    if isinstance(response, web.Response) and 200 <= response.status < 300 and response.text is not None:
        await store.complete_idempotency_key(
            partner.id, key, response.status, response.text, response.headers.get("Location")
        )
    else:
        await store.release_idempotency_key(partner.id, key)
    return response


async def read_json_object(request: web.Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """The body as a JSON object, or a Problem (400, 413, 415)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Problem(413, f"The request body must be at most {MAX_BODY_BYTES // 1024} KiB.")
    raw = await request.read()  # read once and kept: the Idempotency-Key check hashes it too
    if len(raw) > MAX_BODY_BYTES:
        raise Problem(413, f"The request body must be at most {MAX_BODY_BYTES // 1024} KiB.")
    if not raw.strip():
        if allow_empty:
            return {}
        raise Problem(400, "The request needs a JSON object body.")
    if request.content_type not in ("application/json", "application/merge-patch+json"):
        raise Problem(415, "Send the body as application/json.")
    try:
        body = read_json(raw)
    except JsonInputError as exc:
        if exc.where:  # a field the store could not keep (NUL, a lone surrogate) or a repeated key
            raise InvalidRequest([FieldError(exc.where, exc.detail)]) from None
        raise Problem(400, f"The body is not JSON this API takes: {exc.detail}.") from None
    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object.")
    return body


# ASCII digits only: str.isdigit() and int() also take other scripts' digits ("٣", "１") and int()
# fails on superscripts ("²") and on thousands of digits, which a query can carry.
_PAGE_SIZE = re.compile(r"[0-9]{1,9}")


def _page_size(text: str | None) -> int:
    if text is None:
        return DEFAULT_PAGE
    if _PAGE_SIZE.fullmatch(text) is None or not 1 <= int(text) <= MAX_PAGE:
        raise Problem(422, "Invalid query.", errors=[FieldError("limit", f"must be 1 to {MAX_PAGE}")])
    return int(text)


def _encode_cursor(claim: Claim) -> str:
    raw = json.dumps([ts(claim.created_at), claim.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    if not text:  # the document says minLength 1: the first page is asked for without a cursor
        raise Problem(422, "Invalid query.", errors=[FieldError("cursor", "must not be empty")])
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        created_at, claim_id = read_json(raw)
        if not isinstance(created_at, str) or not isinstance(claim_id, str):
            raise ValueError("cursor fields must be strings")
        dt.datetime.fromisoformat(created_at)  # a cursor this API gave out holds a timestamp
    except (binascii.Error, ValueError, TypeError):
        raise Problem(
            422, "Invalid query.", errors=[FieldError("cursor", "is not a cursor this API gave out")]
        ) from None
    return created_at, claim_id


# --- response bodies ------------------------------------------------------------------------------
