"""What one delivery sends: the card as its reader should see it now, their own link to the claim's
web page, and (for email) the message around the card. No I/O: the worker sends what these build."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from typing import Any

from bot.delivery.sending import SendFailure
from bot.mail.identity import MailIdentity
from bot.mail.message import build_message
from bot.store import DeliveryKind, LeasedDelivery
from bot.views import ClaimView, web_link
from bot.web.links import LinkSigner
from cards.common import NAME_LIMIT
from cards.i18n import choose_locale, text_for
from cards.markdown import plain
from cards.model import WebLink


def contact_link(
    links: LinkSigner | None, links_base: str, item: LeasedDelivery, now: dt.datetime
) -> WebLink | None:
    """The contact's own link to the claim's web page, made for this send: none without a signer,
    without a contact, or for a partner user's notice."""
    if links is None or item.contact is None or item.delivery.kind == DeliveryKind.PARTNER:
        return None
    return web_link(links, links_base, item.claim.id, item.contact.id, now)


def delivery_card(
    item: LeasedDelivery, *, host: str, mail: MailIdentity, link: WebLink | None = None
) -> dict[str, Any]:
    """The card as this contact should see it now (current status, their own state and link);
    SendFailure(400, "ResponseGone") for a partner notice whose response is gone."""
    responses = item.responses
    contact, reference = item.contact, item.reference
    viewer = (contact.aad_object_id if contact else None) or (reference.aad_object_id if reference else None)
    view = ClaimView(
        claim=item.claim,
        partner_name=item.partner_name,
        responses=responses,
        viewer_aad_object_id=viewer,
        viewer_contact_id=contact.id if contact else None,
        locale=choose_locale(None, contact.locale if contact else None, item.claim.locale),
        host=host,
        originator=mail.originator if host == "outlook" else None,
        sender=mail.organisation or None,
        refresh_user_ids=(reference.user_id,) if reference and reference.user_id else (),
        web_link=link,
    )
    if item.delivery.kind == DeliveryKind.PARTNER:
        response = next((r for r in responses if r.id == item.delivery.response_id), None)
        if response is None:
            raise SendFailure(400, "ResponseGone")
        return view.partner_notice_card(response)
    if item.delivery.kind == DeliveryKind.STATUS and item.old_status is not None:
        return view.status_changed_card(item.old_status)
    return view.claim_card()


def delivery_email(
    item: LeasedDelivery,
    card: dict[str, Any],
    *,
    mail: MailIdentity,
    link: WebLink | None,
    now: dt.datetime,
    to: str | None = None,
) -> tuple[EmailMessage, str]:
    """The email that carries `card` to the delivery's contact (at `to`, the address as sent, when
    given), and its Message-ID (one per delivery: a retry sends the same one)."""
    contact = item.contact
    if contact is None:
        raise ValueError(f"delivery {item.delivery.id} has no contact to email")
    locale = choose_locale(None, contact.locale, item.claim.locale)
    domain = mail.sender.rpartition("@")[2] or "localhost"
    message_id = f"{item.delivery.id}@{domain}"
    message = build_message(
        card,
        subject=email_subject(locale, item.partner_name, status=item.delivery.kind == DeliveryKind.STATUS),
        sender=mail.sender,
        sender_name=mail.from_name(item.partner_name),
        to=to or contact.email,
        to_name=contact.name,
        locale=locale,
        message_id=message_id,
        date=now,
        web_link=link,
    )
    return message, message_id


def email_subject(locale: str, partner_name: str, *, status: bool) -> str:
    """The subject of a claim's email (`status`: of its status change), naming the partner."""
    return text_for(locale)(
        "email.subject_status" if status else "email.subject_claim",
        partner=plain(partner_name, limit=NAME_LIMIT),
    )
