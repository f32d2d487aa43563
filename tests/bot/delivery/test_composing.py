"""What one delivery sends, built without the worker: the reader's own link, the card for the
delivery's kind, and the email around it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bot.delivery.composing import contact_link, delivery_card, delivery_email
from bot.delivery.sending import SendFailure
from bot.domain.claims import Status
from bot.mail.identity import MailIdentity
from bot.store import Channel, Delivery, DeliveryKind, DeliveryStatus, LeasedDelivery
from bot.web.links import LinkSigner
from tests.bot.store.support import make_claim

NOW = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
MAIL = MailIdentity("cpor@contoso.example", "", "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f")
SIGNER = LinkSigner(["0" * 64], dt.timedelta(days=90))
BASE = "https://cpor.contoso.example"


def leased(kind: DeliveryKind = DeliveryKind.CLAIM, channel: Channel = Channel.EMAIL) -> LeasedDelivery:
    claim = make_claim("partner-1")
    delivery = Delivery(
        id="delivery-7",
        notification_id="n1",
        claim_id=claim.id,
        contact_id=claim.contacts[0].id,
        channel=channel,
        kind=kind,
        target_activity_id=None,
        response_id="gone" if kind == DeliveryKind.PARTNER else None,
        status=DeliveryStatus.SENDING,
        conversation_id=None,
        activity_id=None,
        attempts=1,
        next_attempt_at=NOW,
        last_error=None,
        created_at=NOW,
        updated_at=NOW,
        sent_at=None,
    )
    return LeasedDelivery(delivery, claim, claim.contacts[0], None, partner_name="Contoso Partners")


def test_a_contact_gets_their_own_link_and_a_partner_notice_or_a_service_without_keys_none() -> None:
    item = leased()
    link = contact_link(SIGNER, BASE, item, NOW)
    assert link is not None and link.url.startswith(BASE + "/c/")
    assert item.contact is not None
    assert SIGNER.read(link.url.rsplit("/", 1)[1], NOW).contact_id == item.contact.id
    assert contact_link(None, BASE, item, NOW) is None
    assert contact_link(SIGNER, BASE, replace(item, contact=None), NOW) is None
    assert contact_link(SIGNER, BASE, leased(DeliveryKind.PARTNER), NOW) is None


def test_the_card_follows_the_delivery_kind_and_carries_the_link() -> None:
    link = contact_link(SIGNER, BASE, leased(), NOW)
    claim_card = delivery_card(leased(), host="teams", mail=MAIL, link=link)
    assert claim_card["type"] == "AdaptiveCard" and link is not None and link.url in str(claim_card)
    status_item = replace(
        leased(DeliveryKind.STATUS),
        old_status=Status.DRAFT,
        claim=replace(leased().claim, status=Status.SUBMITTED),
    )
    assert delivery_card(status_item, host="teams", mail=MAIL) != delivery_card(
        leased(), host="teams", mail=MAIL
    )
    outlook = delivery_card(leased(), host="outlook", mail=MAIL)
    assert outlook["originator"] == MAIL.originator


def test_a_partner_notice_whose_response_is_gone_is_a_send_failure() -> None:
    with pytest.raises(SendFailure) as failure:
        delivery_card(leased(DeliveryKind.PARTNER), host="teams", mail=MAIL)
    assert failure.value.status == 400


def test_the_email_has_one_message_id_per_delivery_and_names_the_partner() -> None:
    item = leased()
    card = delivery_card(item, host="outlook", mail=MAIL)
    message, message_id = delivery_email(item, card, mail=MAIL, link=None, now=NOW)
    again, again_id = delivery_email(item, card, mail=MAIL, link=None, now=NOW + dt.timedelta(hours=1))
    assert message_id == again_id == "delivery-7@contoso.example"
    assert message["Message-ID"].strip("<>") == message_id
    assert "Contoso Partners" in message["Subject"]
    assert item.contact is not None
    assert message["To"].addresses[0].addr_spec == item.contact.email
    with pytest.raises(ValueError, match="no contact"):
        delivery_email(replace(item, contact=None), card, mail=MAIL, link=None, now=NOW)
