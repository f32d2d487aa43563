"""The claim email as a message: text then HTML in UTF-8, its headers, encoded and safe from injection."""

from __future__ import annotations

import datetime
import email
import email.policy
import re
from typing import Any

import pytest

from bot.mail.message import build_message, render_html, render_text
from tests.bot.mail.support import DATE, SUBJECT, check_html, check_text, claim, message, parts


def test_message_is_multipart_alternative_text_then_html_in_utf8() -> None:
    msg = message(claim())
    assert msg.get_content_type() == "multipart/alternative"
    plain, rich = list(msg.iter_parts())
    assert plain.get_content_type() == "text/plain"
    assert rich.get_content_type() == "text/html"
    assert plain.get_content_charset() == "utf-8"
    assert rich.get_content_charset() == "utf-8"
    assert not any(p.is_multipart() for p in (plain, rich))


def test_message_headers() -> None:
    msg = message(claim())
    assert msg["Subject"] == SUBJECT
    sender = msg["From"].addresses
    assert len(sender) == 1
    assert sender[0].display_name == "CPOR erklärt — Benachrichtigung"
    assert sender[0].addr_spec == "notifications@cpor.example"
    (to,) = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Anna Schmidt", "anna.schmidt@fabrikam.example")
    assert msg["Date"].datetime == DATE
    assert msg["Message-ID"] == "<dlv_01HV6Q3W2K@cpor.example>"
    assert msg["Content-Language"] == "en"
    assert msg["MIME-Version"] == "1.0"


def test_raw_headers_are_encoded_for_the_wire() -> None:
    card = claim()
    raw = build_message(
        card,
        subject="Jürgen’s partner — Ärger?",
        sender="notifications@cpor.example",
        sender_name="CPOR erklärt",
        to="anna@fabrikam.example",
        to_name="Zoë Müller",
        locale="de",
        message_id="<abc@cpor.example>",
        date=DATE,
    ).as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # RFC 2047 encoded words, no raw UTF-8 in headers
    assert b"\r\nMessage-ID: <abc@cpor.example>\r\n" in head
    assert b"Date: Thu, 12 Mar 2026 09:30:00 +0100" in head
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))  # folded and quoted-printable
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "Jürgen’s partner — Ärger?"
    assert parsed["To"].addresses[0].display_name == "Zoë Müller"


def test_parts_are_the_renderings() -> None:
    card = claim()
    plain, rich = parts(message(card))
    assert plain.replace("\r\n", "\n") == render_text(card)
    assert rich.replace("\r\n", "\n") == render_html(card, lang="en", title=SUBJECT)


def test_german_card_sets_lang_and_content_language() -> None:
    card = claim(locale="de")
    assert card["lang"] == "de"
    msg = message(card, locale="de")
    assert msg["Content-Language"] == "de"
    assert all(part["Content-Language"] == "de" for part in msg.iter_parts())
    plain, rich = parts(msg)
    assert re.search(r'<html lang="de">', rich)
    check_html(card, rich)
    check_text(card, plain)


def test_header_injection_is_flattened() -> None:
    msg = message(
        claim(),
        subject="Hello\r\nBcc: victim@evil.example\r\n\r\n<b>body</b>",
        to_name='Anna "A" <anna@evil.example>, bob@evil.example\r\nBcc: x@evil.example',
        sender_name="Bot\nX-Evil: 1",
    )
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert msg["Subject"] == "Hello Bcc: victim@evil.example <b>body</b>"
    (to,) = msg["To"].addresses
    assert to.addr_spec == "anna.schmidt@fabrikam.example"
    assert "evil.example" in to.display_name  # kept as a name, quoted, not as an address


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"to": "a@fabrikam.example, b@fabrikam.example"}, "one email address"),
        ({"to": "not an address"}, "one email address"),
        ({"sender": "Bot <bot@cpor.example>"}, "one email address"),
        ({"message_id": "no-at-sign"}, "Message-ID"),
        ({"message_id": "a b@c"}, "Message-ID"),
        ({"date": datetime.datetime(2026, 3, 12, 9, 30)}, "time zone"),
        ({"locale": 'en" onload="x'}, "language tag"),
    ],
)
def test_bad_arguments_are_refused(change: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        message(claim(), **change)


def test_bidi_controls_in_names_reach_no_header_and_no_title() -> None:
    from email import message_from_bytes, policy

    override = "\u202eLtd Partners\u202c \u2066Contoso\u2069"
    message = build_message(
        claim(),
        subject=f"{override} tells you about its claim",
        sender="notifications@cpor.example",
        sender_name=f"{override}\u200f",
        to="anna@fabrikam.example",
        to_name="Anna\u202e Müller",
        locale="en",
        message_id="<bidi@cpor.example>",
        date=DATE,
    )
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    for header in ("Subject", "From", "To"):
        value = str(parsed[header])
        assert not any(
            ch in value for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
        )
    assert str(parsed["Subject"]) == "Ltd Partners Contoso tells you about its claim"
    html_part = parsed.get_body(("html",))
    assert html_part is not None
    title = html_part.get_content().split("<title>", 1)[1].split("</title>", 1)[0]
    assert "\u202e" not in title and "\u2066" not in title


@pytest.mark.parametrize(
    "name",
    [
        "Contoso Consulting Services (Europe, Middle East & Africa) Ltd. <sales@contoso.example>",
        '"' * 50,
        "\\" * 50,
        "<" * 100,
        "x" * 80 + " <",
    ],
)
def test_long_names_with_special_characters_keep_the_address(name: str) -> None:
    msg = message(claim(), sender_name=name, to_name=name)
    for header, address in (("From", "notifications@cpor.example"), ("To", "anna.schmidt@fabrikam.example")):
        (parsed,) = msg[header].addresses
        assert parsed.addr_spec == address
        # Python's reader puts a space between the encoded words a long name is folded into (RFC 2047
        # says to join them); the name is the same name.
        assert parsed.display_name.replace(" ", "") == name.replace(" ", "")


def test_text_that_looks_like_an_encoded_word_stays_text() -> None:
    word = "=?utf-8?q?=E2=80=AE?="  # an encoded right-to-left override, as a partner could type it
    msg = message(
        claim(), subject=f"{word}Contoso tells you", sender_name=f"{word}Contoso", to_name=f"Anna {word}"
    )
    assert msg["Subject"] == f"{word}Contoso tells you"
    assert msg["From"].addresses[0].display_name == f"{word}Contoso"
    assert msg["To"].addresses[0].display_name == f"Anna {word}"


def test_a_long_subject_with_accents_keeps_single_spaces() -> None:
    subject = "1 5- 51 5- 51 5- 51 5- 51 5- 5 informa um novo status da solicitação"
    assert message(claim(), subject=subject)["Subject"] == subject
