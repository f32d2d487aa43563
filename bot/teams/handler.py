"""The Teams side: installs, uninstalls and the commands a customer can type."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationReference,
    InvokeResponse,
)

import cards
from bot.actions import ActionRequest, Actions, Actor
from bot.store import LimitKind, NotifyAllowance, Store, StoredReference
from bot.teams.adapter import card_activity, card_invoke_response, invoke_answer, invoke_error_response
from bot.teams.channels import ONLY_IN_TEAMS_OR_OUTLOOK, is_command, refusal_entry, tenant_of, vouched_for
from bot.teams.partner_desk import PartnerDesk
from bot.views import claim_summary
from cards.i18n import choose_locale
from cards.partner import COMPOSE_SEND
from cards.verbs import VERB_KEY

log = logging.getLogger(__name__)

Command = Callable[["CporTeamsBot", TurnContext], Awaitable[None]]


def actor_of(activity: Any) -> Actor:
    sender = activity.from_property
    sender_id = str(getattr(sender, "id", "") or "")
    return Actor(
        tenant_id=tenant_of(activity),
        aad_object_id=(getattr(sender, "aad_object_id", None) or "").lower() or None,
        user_id=getattr(sender, "id", None),
        name=getattr(sender, "name", None),
        channel=activity.channel_id or "",
        locale=activity.locale,
        # The Outlook channel identifies the reader by email address.
        email=sender_id.lower() if "@" in sender_id else None,
        conversation_id=getattr(activity.conversation, "id", None),
    )


def reader_locale(turn_context: TurnContext) -> str:
    """The language of the bot's own cards for whoever wrote: their Teams locale, else English."""
    return choose_locale(turn_context.activity.locale, None, None)


class CporTeamsBot(TeamsActivityHandler):  # type: ignore[misc]  # botbuilder ships no type information
    """Stores where each user can be reached, welcomes them, and answers help / about / claims."""

    def __init__(
        self,
        store: Store,
        wake_delivery: Callable[[], None],
        actions: Actions | None = None,
        *,
        outlook_originator: str | None = None,
        sent_by: str | None = None,
        notify_allowance: NotifyAllowance,
        on_notify_refused: Callable[[LimitKind], None] = lambda kind: None,
    ) -> None:
        super().__init__()
        self._outlook_originator = outlook_originator
        self._sent_by = sent_by or None  # SENDER_NAME, named on every card
        self._store = store
        self._wake_delivery = wake_delivery
        self._actions = actions or Actions(store)
        self._desk = PartnerDesk(
            store, wake_delivery, allowance=notify_allowance, on_refused=on_notify_refused
        )

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if is_command(activity) and not vouched_for(activity):
            await self._refuse_channel(turn_context)
            return
        await super().on_turn(turn_context)

    async def _refuse_channel(self, turn_context: TurnContext) -> None:
        """A card verb or command on a channel whose end users write channelData (see channels.py):
        nothing is read or done for the tenant it names; the attempt is audited, the sender told."""
        activity = turn_context.activity
        actor, action, subject, detail = refusal_entry(activity, COMMANDS)
        await self._store.audit(actor, action, subject, detail, dt.datetime.now(dt.UTC))
        log.warning("%s %s on channel %r refused", activity.type, detail["verb"], detail["channel"])
        if activity.type == ActivityTypes.invoke:
            card = cards.message_card(ONLY_IN_TEAMS_OR_OUTLOOK, sender=self._sent_by)
            answer = Activity(type=ActivityTypes.invoke_response, value=card_invoke_response(card))
            await turn_context.send_activity(answer)
        else:
            await turn_context.send_activity(ONLY_IN_TEAMS_OR_OUTLOOK)

    # --- card actions ----------------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        response = await self._card_action(turn_context)
        # Sent here as ActivityHandler.on_turn would send it (it sends nothing once one is sent),
        # in an activity that is cheaper to copy on its way to the adapter.
        await turn_context.send_activity(invoke_answer(response))
        return response

    async def _card_action(self, turn_context: TurnContext) -> InvokeResponse:
        value = turn_context.activity.value
        action = value.get("action") if isinstance(value, dict) else None
        if not isinstance(action, dict) or action.get("type") != "Action.Execute":
            return invoke_error_response(400, "BadRequest", "Expected an Action.Execute with a verb.")
        verb, data = action.get("verb"), action.get("data")
        if not isinstance(verb, str):
            return invoke_error_response(400, "BadRequest", "Expected an Action.Execute with a verb.")
        data = data if isinstance(data, dict) else {}
        if verb == COMPOSE_SEND:
            card = await self._desk.send(
                actor_of(turn_context.activity), turn_context.activity.conversation.id, data
            )
            return card_invoke_response(card)
        actor = actor_of(turn_context.activity)
        outlook = actor.channel == "outlook"  # an actionable message, through the Outlook channel
        outcome = await self._actions.handle(
            ActionRequest(
                verb=verb,
                data=data,
                actor=actor,
                host="outlook" if outlook else "teams",
                originator=self._outlook_originator if outlook else None,
            )
        )
        return card_invoke_response(outcome.card)

    async def _submitted_action(self, turn_context: TurnContext, value: dict[str, Any]) -> None:
        """The Action.Submit fallback of older clients: same verbs, answered by updating the card."""
        data = {k: v for k, v in value.items() if k != VERB_KEY}
        outcome = await self._actions.handle(
            ActionRequest(verb=str(value[VERB_KEY]), data=data, actor=actor_of(turn_context.activity))
        )
        reply = card_activity(outcome.card)
        reply_to = turn_context.activity.reply_to_id
        if reply_to:
            reply.id = reply_to
            try:
                await turn_context.update_activity(reply)
                return
            except Exception as exc:  # noqa: BLE001 - some clients cannot update; send it instead
                log.info("could not update the card in place (%s); sending it", type(exc).__name__)
                reply.id = None
        await turn_context.send_activity(reply)

    # --- install and uninstall -----------------------------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context)
        await turn_context.send_activity(
            card_activity(cards.welcome_card(sender=self._sent_by, locale=reader_locale(turn_context)))
        )

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self._forget(turn_context)

    async def on_teams_members_added_dispatch(
        self, members_added: list[Any], team_info: Any, turn_context: TurnContext
    ) -> None:
        # botbuilder's own dispatch asks the roster about every added member, one after another, for
        # details this bot never reads: all it needs to know is whether it was added itself.
        bot_id = turn_context.activity.recipient.id
        bot = [m for m in members_added or () if m is not None and getattr(m, "id", None) == bot_id]
        await self.on_teams_members_added(bot, team_info, turn_context)

    async def on_teams_members_added(
        self, teams_members_added: list[Any], team_info: Any, turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id
        if any(member.id == bot_id for member in teams_members_added):
            is_new = await self._remember(turn_context)
            # Clients that send installationUpdate have welcomed the user already; this is for
            # the ones that only send conversationUpdate.
            if is_new:
                await turn_context.send_activity(
                    card_activity(
                        cards.welcome_card(sender=self._sent_by, locale=reader_locale(turn_context))
                    )
                )

    async def on_teams_members_removed(
        self, teams_members_removed: list[Any], team_info: Any, turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id
        if any(member.id == bot_id for member in teams_members_removed):
            await self._forget(turn_context)

    # --- messages ------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context)
        value = turn_context.activity.value
        if isinstance(value, dict) and isinstance(value.get(VERB_KEY), str):
            await self._submitted_action(turn_context, value)
            return
        TurnContext.remove_recipient_mention(turn_context.activity)
        text = (turn_context.activity.text or "").strip().lower()
        command = COMMANDS.get(text.split()[0] if text else "", CporTeamsBot.help)
        await command(self, turn_context)

    async def help(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(
            card_activity(cards.help_card(sender=self._sent_by, locale=reader_locale(turn_context)))
        )

    async def about(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(
            card_activity(cards.about_card(sender=self._sent_by, locale=reader_locale(turn_context)))
        )

    # For partner users: link this chat to a partner account, and the claim form.

    async def link(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        words = (activity.text or "").split()
        card = await self._desk.link(
            actor_of(activity),
            activity.conversation.id,
            activity.conversation.conversation_type or "personal",
            words[1] if len(words) > 1 else "",
        )
        await turn_context.send_activity(card_activity(card))

    async def unlink(self, turn_context: TurnContext) -> None:
        card = await self._desk.unlink(turn_context.activity.conversation.id)
        await turn_context.send_activity(card_activity(card))

    async def new_claim(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        card = await self._desk.form(actor_of(activity), activity.conversation.id)
        await turn_context.send_activity(card_activity(card))

    async def claims(self, turn_context: TurnContext) -> None:
        tenant = tenant_of(turn_context.activity)
        found = await self._store.claims_for_tenant(tenant, limit=50) if tenant else []
        names: dict[str, str] = {}
        summaries = []
        for claim in found:
            if claim.partner_id not in names:
                partner = await self._store.get_partner(claim.partner_id)
                names[claim.partner_id] = partner.name if partner else "Unknown partner"
            summaries.append(claim_summary(claim, names[claim.partner_id]))
        card = cards.claims_list_card(summaries, sender=self._sent_by, locale=reader_locale(turn_context))
        await turn_context.send_activity(card_activity(card))

    # --- references ----------------------------------------------------------------------------

    async def _remember(self, turn_context: TurnContext) -> bool:
        """Store (or refresh) this conversation's reference; True if it was new."""
        activity = turn_context.activity
        tenant = tenant_of(activity)
        if not tenant or not activity.conversation:
            log.warning("activity without a tenant id; not storing a reference")
            return False
        reference: ConversationReference = TurnContext.get_conversation_reference(activity)
        conversation_type = activity.conversation.conversation_type or "personal"
        sender: ChannelAccount | None = activity.from_property
        personal = conversation_type == "personal"
        existing = await self._store.get_reference(activity.conversation.id)
        email = existing.email if existing else None
        if personal and sender is not None and email is None:
            email = await self._member_email(turn_context, sender.id)
        is_new, released = await self._store.save_reference(
            StoredReference(
                conversation_id=activity.conversation.id,
                tenant_id=tenant,
                aad_object_id=(sender.aad_object_id or "").lower() or None if personal and sender else None,
                user_id=sender.id if personal and sender else None,
                email=email,
                conversation_type=conversation_type,
                channel_id=activity.channel_id,
                service_url=activity.service_url,
                reference=reference.serialize(),
                updated_at=dt.datetime.now(dt.UTC),
            )
        )
        if released:
            log.info("%d waiting deliveries released by a new install", released)
            self._wake_delivery()
        return is_new

    async def _forget(self, turn_context: TurnContext) -> None:
        conversation = turn_context.activity.conversation
        if conversation and await self._store.delete_reference(conversation.id):
            log.info("reference removed after uninstall")

    @staticmethod
    async def _member_email(turn_context: TurnContext, member_id: str) -> str | None:
        """The user's email or UPN from the Teams roster, so contacts can be matched by email."""
        try:
            member = await TeamsInfo.get_member(turn_context, member_id)
        except Exception as exc:  # noqa: BLE001 - the roster is a nicety; matching by id still works
            log.info("could not read the member's email from the roster: %s", type(exc).__name__)
            return None
        email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
        return str(email).lower() if email else None


# The commands a user can type, by their first word. Anything else gets help.
COMMANDS: dict[str, Command] = {
    "help": CporTeamsBot.help,
    "about": CporTeamsBot.about,
    "claims": CporTeamsBot.claims,
    "link": CporTeamsBot.link,
    "unlink": CporTeamsBot.unlink,
    "new": CporTeamsBot.new_claim,
}
