"""A contact's claim page, `/c/{token}`, and the public explainer, `/cpor`.

GET /c/{token} shows one claim to the one contact its signed link names (bot/web/links.py): what the
claim card shows, the contact's own answers and three forms. Each form posts to
/c/{token}/acknowledge, /not-recognised or /question with the form token bound to the link, goes
through the verb table Teams and Outlook use (`bot.actions`), and answers 303 back to the page. A
link that is not ours is a 404; an expired link, a deleted claim or a removed contact a 410. Both are
short pages with nothing of the claim. GET /cpor explains the programme to anyone.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, hdrs, web

from bot.actions import ActionRequest, Actor
from bot.domain.claims import Claim, Contact
from bot.domain.json_input import bad_text
from bot.ops.outage import RETRY_AFTER_SECONDS
from bot.ops.state import ACTIONS, SETTINGS, STORE
from bot.store import Response, StoreUnavailable
from bot.web.claim_content import claim_page
from bot.web.explainer import explainer_page
from bot.web.languages import accepted_languages, choose_page_locale
from bot.web.links import LINKS, PATH_PREFIX, ContactLink, LinkExpired, LinkUnknown
from bot.web.page_frame import claim_page_text, frame, page_headers, render
from bot.web.rate_limits import PostLimit
from cards import verbs
from cards.i18n import choose_locale, supported_locale, text_for

log = logging.getLogger(__name__)

EXPLAINER_PATH = "/cpor"
CLAIM_PATH = PATH_PREFIX + "{token}"
# The forms' paths under the page, and the verb each sends.
FORM_VERBS: dict[str, str] = {
    "acknowledge": verbs.ACKNOWLEDGE,
    "not-recognised": verbs.NOT_RECOGNISED,
    "question": verbs.ASK,
}
Handler = Callable[[web.Request], Awaitable[web.Response]]
FORM_TOKEN = "form_token"  # noqa: S105 - the name of a form field, not a secret
# A page's forms have three fields (form_token, lang, question): room for a few more, no more.
MAX_FORM_FIELDS = 20
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True, slots=True)
class Opened:
    """What a valid link opens: the claim, its contact, the partner's name and every answer so far."""

    claim: Claim
    contact: Contact
    partner_name: str
    responses: tuple[Response, ...]


def _html(
    body: str, status: int, locale: str, *, public: bool = False, extra: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        text=body,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={**page_headers(locale, public=public), **(extra or {})},
    )


def _message(
    request: web.Request,
    status: int,
    key: str,
    locale: str,
    *,
    back: str | None = None,
    extra: dict[str, str] | None = None,
    text: str | None = None,
) -> web.Response:
    """A short page that says what went wrong and what to do: nothing of any claim in it. `text`, if
    given, replaces the catalogue's words under `key` (the title stays)."""
    words = claim_page_text(locale)
    body = render(
        "message.html",
        **frame(locale, request.path),
        noindex=True,
        title=words[f"errors.{key}_title"],
        body=text or words[f"errors.{key}"],
        back={"href": f"{back}?lang={locale}", "text": words["errors.back"]} if back else None,
    )
    return _html(body, status, locale, extra=extra)


def _request_locale(request: web.Request, lang: str | None = None) -> str:
    """?lang= (or the form's lang), then Accept-Language, then English: for pages with no claim."""
    return choose_page_locale(lang or request.query.get("lang"), request.headers.get("Accept-Language"))


def _claim_locale(request: web.Request, opened: Opened, lang: str | None = None) -> str:
    """As `_request_locale`, except that a browser asking for no language we have gets the contact's
    language on the claim (or the claim's) before English."""
    chosen = lang or request.query.get("lang")
    if chosen is not None:
        return choose_page_locale(chosen, None)
    wanted = request.headers.get("Accept-Language") or ""
    if any(supported_locale(tag) for tag in accepted_languages(wanted)):
        return choose_page_locale(None, wanted)
    return choose_locale(None, opened.contact.locale, opened.claim.locale)


def _read_link(request: web.Request, token: str) -> ContactLink | web.Response:
    """What the token names, from its signature alone, or the page that says why it opens nothing."""
    try:
        return request.app[LINKS].read(token, dt.datetime.now(dt.UTC))
    except LinkExpired:
        return _message(request, 410, "gone", _request_locale(request))
    except LinkUnknown:
        return _message(request, 404, "not_found", _request_locale(request))


async def _load(request: web.Request, link: ContactLink, lang: str | None = None) -> Opened | web.Response:
    """The claim and contact a valid link names, or the 410 page once either is gone."""
    in_hand = await request.app[STORE].claim_in_hand(link.claim_id)
    claim = in_hand.claim if in_hand else None
    contact = next((c for c in claim.contacts if c.id == link.contact_id), None) if claim else None
    if in_hand is None or contact is None:  # deleted, or the contact removed: the link is revoked
        return _message(request, 410, "gone", _request_locale(request, lang))
    return Opened(in_hand.claim, contact, in_hand.partner_name, in_hand.responses)


def _claim_html(
    request: web.Request,
    token: str,
    opened: Opened,
    locale: str,
    *,
    error: str | None = None,
    question: str = "",
) -> str:
    page = claim_page(
        opened.claim,
        opened.partner_name,
        opened.contact,
        opened.responses,
        locale=locale,
        sender=request.app[SETTINGS].sender_name or None,
    )
    base = PATH_PREFIX + token
    return render(
        "claim.html",
        **frame(locale, base),
        noindex=True,
        title=page["title"],
        page=page,
        forms={name.replace("-", "_"): f"{base}/{name}" for name in FORM_VERBS},
        form_token=request.app[LINKS].form_token(token),
        error=error,
        question=question,
    )


async def claim(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    link = _read_link(request, token)
    if isinstance(link, web.Response):
        return link
    opened = await _load(request, link)
    if isinstance(opened, web.Response):
        return opened
    locale = _claim_locale(request, opened)
    return _html(_claim_html(request, token, opened, locale), 200, locale)


def _question_problem(question: str, locale: str) -> str | None:
    """Why a question cannot be sent as typed (the card's own checks and limit), or None."""
    if not question:
        return text_for(locale)("claim.ask.error")
    if bad_text(question) is not None:
        return text_for(locale)("notice.text_unreadable")
    if len(question) > verbs.QUESTION_MAX_LENGTH:
        return claim_page_text(locale)["page.question_long"].format(count=verbs.QUESTION_MAX_LENGTH)
    return None


@dataclass(frozen=True, slots=True)
class PostedForm:
    """A form's text fields. `readable` is False when they could not be read exactly as sent (a
    charset other than UTF-8, bytes or percent-escapes that are not UTF-8): `fields` then hold U+FFFD
    where the text could not be read, enough to check the form token, never to be stored."""

    fields: Mapping[str, str]
    readable: bool


def _form_pairs(raw: bytes, errors: str) -> list[tuple[str, str]]:
    # Percent-escapes are UTF-8 (what the page declares); bytes sent unescaped are taken as UTF-8 too.
    return urllib.parse.parse_qsl(
        raw.decode("utf-8", errors),
        keep_blank_values=True,
        encoding="utf-8",
        errors=errors,
        max_num_fields=MAX_FORM_FIELDS,
    )


async def read_form(request: web.Request) -> PostedForm:
    """What a form posted. aiohttp's `request.post()` raises on an unknown charset (a 500) and turns
    text that is not UTF-8 into U+FFFD without a word, which would be stored and sent on."""
    if request.content_type in ("", URLENCODED):  # what a browser sends for these forms
        charset_ok = (request.charset or "utf-8").lower() in ("utf-8", "utf8", "us-ascii", "ascii")
        raw = await request.read()
        try:
            try:
                pairs, exact = _form_pairs(raw, "strict"), True
            except UnicodeDecodeError:
                pairs, exact = _form_pairs(raw, "replace"), False
        except ValueError:  # too many fields
            return PostedForm({}, readable=False)
        # The first of a repeated field, as MultiDict.get gives it.
        return PostedForm(dict(reversed(pairs)), readable=charset_ok and exact)
    if request.content_type != MULTIPART:
        return PostedForm({}, readable=True)  # other types give no fields
    try:
        return await _read_multipart(request)
    except ValueError:  # not well-formed multipart
        return PostedForm({}, readable=False)


async def _read_multipart(request: web.Request) -> PostedForm:
    """A multipart/form-data form's text fields, read as aiohttp's `request.post()` reads them,
    except that a field that is not text in its charset is kept with U+FFFD and marks the form
    unreadable (`request.post()` raises, and the form token would be lost with the rest)."""
    reader = await request.multipart()
    pairs: list[tuple[str, str]] = []
    exact, size = True, 0
    while (part := await reader.next()) is not None:
        if len(pairs) >= MAX_FORM_FIELDS:
            return PostedForm({}, readable=False)
        if not isinstance(part, BodyPartReader) or part.name is None or part.filename is not None:
            continue  # files and nested parts: no text field of these forms
        raw = bytearray()
        while chunk := await part.read_chunk():
            size += len(chunk)
            if size > request.client_max_size:  # as request.post() would refuse it
                raise web.HTTPRequestEntityTooLarge(max_size=request.client_max_size, actual_size=size)
            raw.extend(chunk)
        content_type = part.headers.get(hdrs.CONTENT_TYPE)
        if content_type is not None and not content_type.startswith("text/"):
            continue  # bytes, not text: request.post() gives no str for them either
        data = part.decode(bytes(raw))
        try:
            pairs.append((part.name, data.decode(part.get_charset(default="utf-8"))))
        except (LookupError, UnicodeDecodeError):
            pairs.append((part.name, data.decode("utf-8", "replace")))
            exact = False
    # The first of a repeated field, as MultiDict.get gives it.
    return PostedForm(dict(reversed(pairs)), readable=exact)


class FormPosts:
    """The three forms' handlers, sharing this application's count of posts per link."""

    def __init__(self, limit: PostLimit) -> None:
        self.limit = limit

    def handler(self, verb: str) -> Handler:
        async def post(request: web.Request) -> web.Response:
            return await self.post(request, verb)

        return post

    async def post(self, request: web.Request, verb: str) -> web.Response:
        token = request.match_info["token"]
        page = PATH_PREFIX + token
        # The signature and the count first: a post through a link that is not ours, or one past
        # its limit, costs neither reading its body nor the store.
        link = _read_link(request, token)
        if isinstance(link, web.Response):
            return link
        wait = self.limit.retry_after(token, time.monotonic())
        if wait:
            log.info("form posts on one link over the limit; answered 429")
            extra = {"Retry-After": str(wait)}
            return _message(request, 429, "busy", _request_locale(request), back=page, extra=extra)
        form = await read_form(request)
        lang = form.fields.get("lang")
        opened = await _load(request, link, lang)
        if isinstance(opened, web.Response):
            return opened
        locale = _claim_locale(request, opened, lang)
        signer = request.app[LINKS]
        sent = form.fields.get(FORM_TOKEN)
        if sent is None or not signer.check_form_token(token, sent):
            log.info("a form post without this link's form token refused")
            return _message(request, 403, "forbidden", locale, back=page)
        if not form.readable:  # from the page, but not text as sent: nothing is recorded
            log.info("a form post that is not UTF-8 text refused")
            unreadable = text_for(locale)("notice.text_unreadable")
            return _message(request, 400, "forbidden", locale, back=page, text=unreadable)
        data: dict[str, Any] = {verbs.CLAIM_ID: opened.claim.id}
        if verb == verbs.ASK:
            question = " ".join(form.fields.get(verbs.QUESTION_INPUT, "").split())
            problem = _question_problem(question, locale)
            if problem is not None:
                body = _claim_html(request, token, opened, locale, error=problem, question=question)
                return _html(body, 422, locale)
            data[verbs.QUESTION_INPUT] = question
        contact = opened.contact
        actor = Actor(
            tenant_id=opened.claim.customer_tenant_id,
            aad_object_id=contact.aad_object_id,
            user_id=None,
            name=contact.name,
            channel="web",
            locale=locale,
            email=contact.email.lower(),
            contact_id=contact.id,
        )
        outcome = await request.app[ACTIONS].handle(ActionRequest(verb=verb, data=data, actor=actor))
        if outcome.response is None:  # the claim or the contact went between reading and acting
            return _message(request, 410, "gone", locale)
        raise web.HTTPSeeOther(f"{page}?lang={locale}#answers")


def _store_answers(handler: Handler) -> Handler:
    """`handler`, with a database that does not answer shown as the short 503 page: nothing of any
    claim, no trace; one warning line (without the path: its token is the key to the claim)."""

    async def answered(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except StoreUnavailable as exc:
            log.warning("a contact's page refused with a 503: %s", exc)
            extra = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            return _message(request, 503, "unavailable", _request_locale(request), extra=extra)

    return answered


async def explainer(request: web.Request) -> web.Response:
    locale = _request_locale(request)
    page = explainer_page(locale)
    body = render("cpor.html", **frame(locale, EXPLAINER_PATH), noindex=False, title=page["title"], page=page)
    return _html(body, 200, locale, public=True)


def routes() -> list[web.RouteDef]:
    """GET /c/{token} and its three forms, GET /cpor (GET routes answer HEAD too)."""
    posts = FormPosts(PostLimit())  # one count per application, so per process
    return [
        web.get(EXPLAINER_PATH, explainer, name="cpor"),
        web.get(CLAIM_PATH, _store_answers(claim), name="claim_page"),
        *(
            web.post(
                f"{CLAIM_PATH}/{name}",
                _store_answers(posts.handler(verb)),
                name=f"claim_{name.replace('-', '_')}",
            )
            for name, verb in FORM_VERBS.items()
        ),
    ]
