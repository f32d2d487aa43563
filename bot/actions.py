"""What a customer's click does: a verb → function table, shared by Teams, Outlook and the web page.

Every verb checks the same things first: the claim exists, the person acting belongs to the claim's
customer tenant (a forwarded card gives nobody else anything), and the card sent only text a store
can keep. Then it records what it must and answers with the card to show in place. Repeated clicks
find the same stored response.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import cards
from bot.domain.claims import Claim, Contact
from bot.domain.json_input import bad_text, first_bad_text
from bot.store import NotFound, Response, ResponseKind, Store
from bot.views import ClaimView
from cards import verbs
from cards.i18n import choose_locale
from cards.model import WebLink

log = logging.getLogger(__name__)


def _unstorable(text: str) -> bool:
    """True if no store can keep `text` as it is: a NUL, or half of a surrogate pair."""
    return bad_text(text) is not None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who clicked, as the channel vouches for them."""

    tenant_id: str | None
    aad_object_id: str | None
    user_id: str | None
    name: str | None
    channel: str  # "msteams", "outlook" or "web"
    locale: str | None = None  # the client's locale, e.g. "de-DE"
    email: str | None = None
    # On the web page, the contact its signed link names: the link, not a channel, vouches for them.
    contact_id: str | None = None
    # In Teams, the chat the click came from: its stored reference may know the reader's address.
    conversation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The card to show in place, and the response recorded (None when nothing was recorded)."""

    card: dict[str, Any]
    response: Response | None = None
    new: bool = False


@dataclass(frozen=True, slots=True)
class ActionRequest:
    verb: str
    data: Mapping[str, Any]
    actor: Actor
    host: str = "teams"
    originator: str | None = None


Verb = Callable[["Actions", ActionRequest, ClaimView], Awaitable[Outcome]]

# How long, and for how many chats, the address stored with a Teams chat is kept in memory.
CHAT_ADDRESS_SECONDS = 300.0
CHAT_ADDRESSES = 4096


class Actions:
    """Runs verbs against the store. `on_response` hears about every new customer response."""

    def __init__(
        self,
        store: Store,
        on_response: Callable[[Response], Awaitable[None]] | None = None,
        *,
        sent_by: str | None = None,
        web_link: Callable[[str, str], WebLink] | None = None,
    ) -> None:
        self._store = store
        self._on_response = on_response
        self._sent_by = sent_by or None  # SENDER_NAME, named on every card
        # (claim id, contact id) → that contact's own link: a card answered in place keeps its button.
        self._web_link = web_link
        # conversation id → (its user's object id, their address, until when it is trusted)
        self._chat_addresses: OrderedDict[str, tuple[str | None, str | None, float]] = OrderedDict()

    async def handle(self, request: ActionRequest) -> Outcome:
        claim_id = request.data.get("claim_id")
        notice = _notice(request, self._sent_by)
        if not isinstance(claim_id, str) or not claim_id or _unstorable(claim_id):
            return Outcome(notice("notice.unknown_claim"))
        if _unstorable(request.verb):  # no card sends it, and the audit log could not keep it
            return Outcome(notice("notice.unknown_action"))
        in_hand = await self._store.claim_in_hand(claim_id)
        if in_hand is None:
            return Outcome(notice("notice.unknown_claim"))
        claim = in_hand.claim
        actor = request.actor
        if not actor.tenant_id or actor.tenant_id.lower() != claim.customer_tenant_id:
            await self._store.audit(
                f"{actor.channel}:{actor.tenant_id}/{actor.aad_object_id or actor.user_id}",
                "action.refused_other_tenant",
                claim.id,
                {"verb": _known(request.verb)},
                dt.datetime.now(dt.UTC),
            )
            log.warning("action %s on claim %s from another tenant refused", _known(request.verb), claim.id)
            return Outcome(notice("notice.other_tenant"))
        actor = await self._with_chat_address(claim, actor)
        request = replace(request, actor=actor)
        if actor.channel in ("outlook", "web") and not _is_contact(claim, actor):
            # An email can be forwarded inside the organisation: only the people it was sent to act.
            await self._store.audit(
                f"{actor.channel}:{actor.tenant_id}/{actor.aad_object_id or actor.email or actor.contact_id}",
                "action.refused_not_a_contact",
                claim.id,
                {"verb": _known(request.verb)},
                dt.datetime.now(dt.UTC),
            )
            return Outcome(notice("notice.not_a_contact"))
        if first_bad_text(request.data) is not None:
            # Text no store can keep (a NUL, half of a surrogate pair): nothing is recorded.
            return Outcome(notice("notice.text_unreadable", claim_id=claim.id))
        verb = VERBS.get(request.verb)
        if verb is None:
            return Outcome(notice("notice.unknown_action"))
        contact = contact_of(claim, actor)
        view = ClaimView(
            claim=claim,
            partner_name=in_hand.partner_name,
            responses=in_hand.responses,
            viewer_aad_object_id=actor.aad_object_id,
            viewer_contact_id=contact.id if contact else None,
            locale=choose_locale(actor.locale, contact.locale if contact else None, claim.locale),
            host=request.host,
            originator=request.originator,
            sender=self._sent_by,
            refresh_user_ids=(actor.user_id,) if actor.user_id and request.host == "teams" else (),
            web_link=self._web_link(claim.id, contact.id) if self._web_link and contact else None,
        )
        try:
            return await verb(self, request, view)
        except NotFound:
            # A retention purge deleted the claim after it was read above: nothing was recorded.
            return Outcome(notice("notice.unknown_claim"))

    async def _with_chat_address(self, claim: Claim, actor: Actor) -> Actor:
        """A Teams reader the claim knows only by address (the contact has no Entra object id): the
        address Teams gave for them when they installed the app, stored with their chat, which is how
        the card found them. Read only when nothing else matches, so most clicks cost nothing more."""
        if actor.channel != "msteams" or actor.email or not actor.conversation_id or not actor.aad_object_id:
            return actor
        if contact_of(claim, actor) is not None or all(c.aad_object_id for c in claim.contacts):
            return actor
        owner, email = await self._chat_address(actor.conversation_id)
        if not email or owner != actor.aad_object_id:
            return actor  # not this reader's own chat (a group chat, or someone else's)
        return replace(actor, email=email)

    async def _chat_address(self, conversation_id: str) -> tuple[str | None, str | None]:
        """(the chat's user's object id, their address) as stored with the chat; kept a few minutes,
        so a reader clicking one card after another costs one read."""
        now = time.monotonic()
        known = self._chat_addresses.get(conversation_id)
        if known is not None and known[2] > now:
            self._chat_addresses.move_to_end(conversation_id)
            return known[0], known[1]
        chat = await self._store.get_reference(conversation_id)
        owner = (chat.aad_object_id or "").lower() or None if chat else None
        email = chat.email.lower() if chat and chat.email else None
        self._chat_addresses[conversation_id] = (owner, email, now + CHAT_ADDRESS_SECONDS)
        self._chat_addresses.move_to_end(conversation_id)
        while len(self._chat_addresses) > CHAT_ADDRESSES:
            self._chat_addresses.popitem(last=False)
        return owner, email

    async def record(
        self, request: ActionRequest, view: ClaimView, kind: ResponseKind, text: str | None = None
    ) -> tuple[Response, bool]:
        actor = request.actor
        contact = contact_of(view.claim, actor)
        # One person, one answer, wherever they give it (Teams, Outlook, the web page): a contact is
        # known by their Entra object id when the claim has it, else by the contact's own id.
        if contact is not None:
            who = contact.aad_object_id or contact.id
        else:  # someone else in the customer's tenant, in Teams
            who = actor.aad_object_id or actor.user_id or "unknown"
        key = f"{view.claim.id}:{who}:{kind}"
        if text is not None:
            key += ":" + hashlib.sha256(text.encode()).hexdigest()[:32]
        response, new = await self._store.record_response(
            Response(
                id=str(uuid.uuid4()),
                claim_id=view.claim.id,
                kind=kind,
                tenant_id=actor.tenant_id or "",
                aad_object_id=actor.aad_object_id,
                user_id=actor.user_id,
                user_name=actor.name,
                contact_id=contact.id if contact else None,
                channel=actor.channel,
                text=text,
                dedupe_key=key,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        if new and self._on_response is not None:
            try:
                await self._on_response(response)
            except Exception:
                # The response is stored and shows in the API; telling the partner is best effort.
                log.exception("could not queue the partner notification for response %s", response.id)
        return response, new


def _known(verb: str) -> str:
    """A verb as the audit log and the log may keep it: the caller chose it, so only ours by name."""
    return verb if verb in VERBS else "an unknown verb"


def contact_of(claim: Claim, actor: Actor) -> Contact | None:
    """The claim's contact who is acting, or None: the one place that decides it, for the check that
    only contacts act in Outlook and on the web page, for the response's contact and for what the
    reader sees as their own. On the web page, only the contact its signed link names; elsewhere, the
    contact with the actor's Entra object id, else the one with the address the Outlook channel gives
    for the reader (Teams gives none)."""
    if actor.channel == "web" or actor.contact_id is not None:
        return next((c for c in claim.contacts if c.id == actor.contact_id), None)
    aad = actor.aad_object_id
    by_id = next((c for c in claim.contacts if aad and c.aad_object_id == aad), None)
    if by_id is not None or not actor.email:
        return by_id
    email = actor.email.lower()
    return next((c for c in claim.contacts if c.email.lower() == email), None)


def _is_contact(claim: Claim, actor: Actor) -> bool:
    return contact_of(claim, actor) is not None


async def show_claim(actions: Actions, request: ActionRequest, view: ClaimView) -> Outcome:
    return Outcome(view.claim_card())


async def show_access(actions: Actions, request: ActionRequest, view: ClaimView) -> Outcome:
    return Outcome(view.access_card())


async def acknowledge(actions: Actions, request: ActionRequest, view: ClaimView) -> Outcome:
    response, new = await actions.record(request, view, ResponseKind.ACKNOWLEDGED)
    view = _with(view, response)
    return Outcome(view.claim_card(), response, new)


async def not_recognised(actions: Actions, request: ActionRequest, view: ClaimView) -> Outcome:
    response, new = await actions.record(request, view, ResponseKind.NOT_RECOGNISED)
    view = _with(view, response)
    return Outcome(view.claim_card(), response, new)


async def ask(actions: Actions, request: ActionRequest, view: ClaimView) -> Outcome:
    raw = request.data.get("question")
    question = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not question:
        return Outcome(_notice(request, view.sender)("notice.question_empty", claim_id=view.claim.id))
    question = question[: verbs.QUESTION_MAX_LENGTH]
    response, new = await actions.record(request, view, ResponseKind.QUESTION, question)
    view = replace(_with(view, response), question_sent=True)
    return Outcome(view.claim_card(), response, new)


def _with(view: ClaimView, response: Response) -> ClaimView:
    if any(r.id == response.id for r in view.responses):
        return view
    return replace(view, responses=(*view.responses, response))


def _notice(request: ActionRequest, sent_by: str | None) -> Callable[..., dict[str, Any]]:
    locale = choose_locale(request.actor.locale, None, None)

    def build(key: str, **values: str) -> dict[str, Any]:
        return cards.notice_card(
            key, host=request.host, locale=locale, originator=request.originator, sender=sent_by, **values
        )

    return build


# The verbs a card can send (Action.Execute `verb`, or `verb` in an Action.Submit's data).
VERBS: dict[str, Verb] = {
    verbs.SHOW: show_claim,
    verbs.REFRESH: show_claim,
    verbs.ACCESS: show_access,
    verbs.ACKNOWLEDGE: acknowledge,
    verbs.NOT_RECOGNISED: not_recognised,
    verbs.ASK: ask,
}
