"""An Outlook claim card as an email: a plain-text part, an HTML part readable on its own, and the
card itself for Outlook's Actionable Messages. Pure: no network, no store, no clock.

Outlook shows the Adaptive Card found in the HTML's ``<script type="application/adaptivecard+json">``
and hides the HTML body (``hideOriginalBody``); every other client shows the HTML or the plain text,
so both carry everything the card says, including what sits behind its ``Action.ShowCard`` buttons.
Buttons that talk to the bot (``Action.Execute``, ``Action.Submit``) and inputs are left out: they
work only inside the card; so is text the card marks as speaking of them (an id starting with
``card-only-``).

Card text is treated as untrusted throughout. TextBlock, Fact and TextRun text is markdown escaped
by the card builders; the backslash escapes are undone, then every string is HTML-escaped, so text a
partner typed (``<script>``, ``[x](https://…)``) comes out as the same inert characters the card
shows. The word joiners and one-dot leaders the builders put into partner text to stop clients
turning it into links are kept. Only ``Action.OpenUrl`` with an http(s) URL becomes a link.
"""

from __future__ import annotations

import datetime
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from bot.mail.html import language, render_html
from bot.mail.text import render_text
from cards.markdown import one_line

__all__ = ["build_message", "render_html", "render_text"]

_MESSAGE_ID = re.compile(r"^<?([^<>@\s]+@[^<>@\s]+)>?$")

# --- the message -------------------------------------------------------------------------------


def _address(name: str, addr_spec: str, what: str) -> Address:
    try:
        return Address(display_name=one_line(name), addr_spec=addr_spec.strip())
    except (ValueError, IndexError) as exc:  # the header parser raises both for bad addresses
        raise ValueError(f"{what} is not one email address: {addr_spec!r}") from exc


def _message_id(message_id: str) -> str:
    match = _MESSAGE_ID.match(message_id.strip())
    if not match:
        raise ValueError(f"not a Message-ID (left@right, no spaces or angle brackets): {message_id!r}")
    return f"<{match.group(1)}>"


def build_message(
    card: dict[str, Any],
    *,
    subject: str,
    sender: str,
    sender_name: str,
    to: str,
    to_name: str,
    locale: str,
    message_id: str,
    date: datetime.datetime,
) -> EmailMessage:
    """The card as an email to one recipient: ``multipart/alternative`` with a UTF-8
    ``text/plain`` part (`render_text`) and then a UTF-8 ``text/html`` part (`render_html`, the
    card embedded for Outlook). `message_id` is ``left@right``, with or without angle brackets;
    `date` must carry a time zone."""
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date needs a time zone (a naive datetime would be sent as -0000)")
    # Bidi controls and newlines in a partner's name must not reorder or split a header.
    subject = one_line(subject)
    lang = language(locale)
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = subject
    msg["From"] = _address(sender_name, sender, "sender")
    msg["To"] = _address(to_name, to, "to")
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = _message_id(message_id)
    msg.set_content(render_text(card), subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(
        render_html(card, lang=lang, title=subject),
        subtype="html",
        charset="utf-8",
        cte="quoted-printable",
    )
    # set_content and add_alternative move Content-* headers into the parts, so the language goes
    # on last: on the message and on each part.
    for part in (msg, *msg.iter_parts()):
        part["Content-Language"] = lang
    if "MIME-Version" not in msg:
        msg["MIME-Version"] = "1.0"
    return msg
