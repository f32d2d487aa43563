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

import base64
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
from cards.model import WebLink

__all__ = ["build_message", "render_html", "render_text"]

_MESSAGE_ID = re.compile(r"^<?([^<>@\s]+@[^<>@\s]+)>?$")

# --- headers -------------------------------------------------------------------------------------
#
# Names in the Subject, From and To headers are the partner's and the contact's. Python's email
# package (3.11) writes some of them wrongly when it is handed the text: it decodes anything that
# looks like an RFC 2047 encoded word ("=?utf-8?q?=E2=80=AE?=" becomes a right-to-left override
# again, after `one_line` dropped it); when it folds a long address header it can drop the quotes
# around the display name, so a "<", '"' or "\\" in a long name changes the address a mail client
# reads; and folding a subject in two scripts it doubles a space. A subject in plain ASCII, and an
# address in plain ASCII that fits on one line, go through Python as usual; any other is written
# here, encoded and folded, and stored as it is (`set_raw`, the way the parser stores the headers it
# reads).

_LINE = 78  # header lines stay within 78 characters (RFC 5322 2.1.1)
# UTF-8 bytes per encoded word: "=?utf-8?b?" + 56 base64 characters + "?=" is 68 characters, within
# RFC 2047's 75 and within one line after "Subject: ".
_ENCODED_WORD_BYTES = 42


def _encoded_words(text: str) -> list[str]:
    """`text` as RFC 2047 encoded words (UTF-8, base64), each holding whole characters."""
    chunks = [b""]
    for ch in text:
        data = ch.encode()
        if chunks[-1] and len(chunks[-1]) + len(data) > _ENCODED_WORD_BYTES:
            chunks.append(b"")
        chunks[-1] += data
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in chunks]


def _set_subject(msg: EmailMessage, subject: str) -> None:
    if subject.isascii() and "=?" not in subject:
        msg["Subject"] = subject
        return
    msg.set_raw("Subject", "\n ".join(_encoded_words(subject)))


def _set_address(msg: EmailMessage, header: str, name: str, addr_spec: str, what: str) -> None:
    """One address with its display name (already `one_line`), plain when it can be, else encoded."""
    try:
        address = Address(display_name=name, addr_spec=addr_spec.strip())
    except (ValueError, IndexError) as exc:  # the header parser raises both for bad addresses
        raise ValueError(f"{what} is not one email address: {addr_spec!r}") from exc
    if not name or (name.isascii() and "=?" not in name and len(f"{header}: {address}") <= _LINE):
        msg[header] = address  # quoted as needed, and on one line: nothing to fold
        return
    angle = f"<{address.addr_spec}>"
    lines = _encoded_words(name)
    room = _LINE - (len(header) + 2 if len(lines) == 1 else 1)  # after "To: ", or after the fold's space
    if len(lines[-1]) + 1 + len(angle) <= room:
        lines[-1] += " " + angle
    elif 1 + len(angle) <= _LINE:
        lines.append(angle)
    else:  # an address too long to share a line with anything: sent without the name
        msg[header] = Address(addr_spec=address.addr_spec)
        return
    msg.set_raw(header, "\n ".join(lines))


# --- the message -------------------------------------------------------------------------------


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
    web_link: WebLink | None = None,
) -> EmailMessage:
    """The card as an email to one recipient: ``multipart/alternative`` with a UTF-8
    ``text/plain`` part (`render_text`) and then a UTF-8 ``text/html`` part (`render_html`, the
    card embedded for Outlook). `message_id` is ``left@right``, with or without angle brackets;
    `date` must carry a time zone. `web_link` is the recipient's own link to the claim's web page:
    both parts give it, with when it stops working."""
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date needs a time zone (a naive datetime would be sent as -0000)")
    # Bidi controls and newlines in a partner's name must not reorder or split a header.
    subject = one_line(subject)
    lang = language(locale)
    msg = EmailMessage(policy=SMTP)
    _set_subject(msg, subject)
    _set_address(msg, "From", one_line(sender_name), sender, "sender")
    _set_address(msg, "To", one_line(to_name), to, "to")
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = _message_id(message_id)
    msg.set_content(
        render_text(card, web_link=web_link, locale=lang),
        subtype="plain",
        charset="utf-8",
        cte="quoted-printable",
    )
    msg.add_alternative(
        render_html(card, lang=lang, title=subject, web_link=web_link),
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
