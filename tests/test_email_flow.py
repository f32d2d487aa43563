"""A claim notified by email, end to end: the service, its outbox and a real SMTP server (aiosmtpd
with STARTTLS and AUTH on loopback); then an Outlook-channel click on that card."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from bot.mail.sender import SmtpMailer
from bot.ops.config import Settings
from bot.ops.state import STORE, WORKER
from bot.web.links import LINKS, PATH_PREFIX, ContactLink
from cards.model import WebLink
from cards.render import RendererUnavailable, render
from tests.bot.mail.support import check_html, check_text, script_json
from tests.cards.conftest import INJECTION
from tests.cards.schema_check import validate_card
from tests.cards.walk import actions
from tests.smtp import SmtpServer, smtp_server
from tests.support import RecordingSender, load_fixture, make_key, quiet

ORIGINATOR = "6f1c2d3e-4b5a-4c7d-9e8f-0a1b2c3d4e5f"


@pytest.fixture
async def relay() -> AsyncIterator[SmtpServer]:
    async with smtp_server() as server:
        yield server


async def mail_service(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    relay: SmtpServer,
    **mail: str,
) -> TestClient[Any, Any]:
    """The service, sending mail through `relay`, with the mail settings given."""
    import dataclasses

    configured = dataclasses.replace(settings, outlook_originator=ORIGINATOR, **mail)
    mailer = SmtpMailer(
        relay.host,
        relay.port,
        username=relay.username,
        password=relay.password,
        tls_context=relay.client_tls_context,
    )
    return quiet(await aiohttp_client(create_app(configured, sender=RecordingSender(), mailer=mailer)))


@pytest.fixture
async def mail_client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], settings: Settings, relay: SmtpServer
) -> AsyncIterator[TestClient[Any, Any]]:
    client = await mail_service(
        aiohttp_client, settings, relay, mail_from="cpor@contoso.example", mail_from_name="Contoso Partners"
    )
    yield client
    await client.close()  # stop the service (and its sends in flight) before the relay stops


async def notify_by_email(
    client: TestClient[Any, Any], claim_body: dict[str, Any]
) -> tuple[dict[str, str], str]:
    auth = {"Authorization": f"Bearer {await make_key(client.app[STORE])}"}
    claim_body["message"] = INJECTION[:490]
    claim = await (await client.post("/api/claims", json=claim_body, headers=auth)).json()
    resp = await client.post(
        f"/api/claims/{claim['id']}/notifications", json={"channel": "email"}, headers=auth
    )
    assert resp.status == 202
    return auth, claim["id"]


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


_LINK = re.compile(r"https?://[^\s<>\"]+/c/[^\s<>\"]+")


def opened_link(client: TestClient[Any, Any], message: EmailMessage) -> tuple[WebLink, ContactLink]:
    """The one contact's link both parts and the Outlook card give, and what it opens to."""
    plain_part, html_part = (part.get_content() for part in message.iter_parts())
    (url,) = set(_LINK.findall(plain_part))
    assert set(_LINK.findall(html_part)) == {url}
    card_urls = [a["url"] for a in actions(script_json(html_part)) if a["type"] == "Action.OpenUrl"]
    assert url in card_urls  # the Outlook card's own "Open in a browser" button
    opened = client.app[LINKS].read(url.split(PATH_PREFIX, 1)[1], dt.datetime.now(dt.UTC))
    return WebLink(url, opened.expires_at), opened


def eml_files(folder: str) -> list[bytes]:
    """The messages the service wrote to MAIL_OUTBOX_DIR."""
    return [path.read_bytes() for path in sorted(Path(folder).glob("*.eml"))]


async def contact_ids(client: TestClient[Any, Any], auth: dict[str, str], claim_id: str) -> dict[str, str]:
    claim = await (await client.get(f"/api/claims/{claim_id}", headers=auth)).json()
    return {c["email"]: c["id"] for c in claim["contacts"]}


async def test_each_contact_gets_a_well_formed_actionable_message(
    mail_client: TestClient[Any, Any], relay: SmtpServer, claim_body: dict[str, Any]
) -> None:
    auth, claim_id = await notify_by_email(mail_client, claim_body)
    await mail_client.app[WORKER].run_once()

    recipients = sorted(m.rcpt_tos for m in relay.messages)
    assert recipients == [["lee.gu@fabrikam.example"], ["megan.bowen@fabrikam.example"]]
    assert all(m.tls and m.authenticated for m in relay.messages)
    megan = next(m for m in relay.messages if m.rcpt_tos == ["megan.bowen@fabrikam.example"])
    message = parsed(megan.data)
    assert message["From"] == "Contoso Partners <cpor@contoso.example>"
    assert message["To"] == "Megan Bowen <megan.bowen@fabrikam.example>"
    assert "Contoso Partners" in message["Subject"]
    assert message["Content-Language"] == "en-GB" or message["Content-Language"].startswith("en")
    assert message["Date"] and message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    plain_part, html_part = (part.get_content() for part in message.iter_parts())

    card = script_json(html_part)
    assert card["originator"] == ORIGINATOR and card["hideOriginalBody"] is True
    assert card["version"] == "1.4"
    validate_card(card, "1.4")
    link, _ = opened_link(mail_client, message)
    check_html({k: v for k, v in card.items() if k != "hideOriginalBody"}, html_part, link=link)
    check_text({k: v for k, v in card.items() if k != "hideOriginalBody"}, plain_part, link=link)
    assert html_part.count("<script") == 1 and "evil.example" not in html_part.replace(
        "evil\u2024example", ""
    )
    assert "<b>html</b>" not in html_part

    claim = await (await mail_client.get(f"/api/claims/{claim_id}", headers=auth)).json()
    assert [(d["channel"], d["status"]) for d in claim["deliveries"]] == [
        ("email", "sent"),
        ("email", "sent"),
    ]
    assert message["Message-ID"] in {d["activity_id"] for d in claim["deliveries"]}


async def test_each_contact_gets_their_own_link_through_the_relay(
    mail_client: TestClient[Any, Any], relay: SmtpServer, claim_body: dict[str, Any]
) -> None:
    auth, claim_id = await notify_by_email(mail_client, claim_body)
    await mail_client.app[WORKER].run_once()
    ids = await contact_ids(mail_client, auth, claim_id)
    urls = set()
    for received in relay.messages:
        link, opened = opened_link(mail_client, parsed(received.data))
        (recipient,) = received.rcpt_tos
        assert (opened.claim_id, opened.contact_id) == (claim_id, ids[recipient])
        # No PUBLIC_URL here: the address the service listens on; LINK_DAYS (90) from now.
        assert link.url.startswith("http://127.0.0.1:3978/c/1.")
        assert dt.timedelta(days=89) < opened.expires_at - dt.datetime.now(dt.UTC) <= dt.timedelta(days=90)
        urls.add(link.url)
    assert len(urls) == len(relay.messages) == 2


async def test_the_eml_outbox_carries_each_contacts_link(
    client: TestClient[Any, Any], settings: Settings, claim_body: dict[str, Any]
) -> None:
    # No SMTP_HOST: the service writes each message to MAIL_OUTBOX_DIR.
    auth, claim_id = await notify_by_email(client, claim_body)
    await client.app[WORKER].run_once()
    ids = await contact_ids(client, auth, claim_id)
    files = eml_files(settings.mail_outbox_dir)
    assert len(files) == 2
    opened_for = {}
    for data in files:
        message = parsed(data)
        link, opened = opened_link(client, message)
        assert opened.claim_id == claim_id
        opened_for[message["To"].addresses[0].addr_spec] = opened.contact_id
        plain_part = next(message.iter_parts()).get_content()
        assert "Open this in a browser:" in plain_part and "This link is yours alone" in plain_part
    assert opened_for == ids


async def test_the_card_in_the_email_passes_the_official_renderer_with_the_outlook_host_config(
    mail_client: TestClient[Any, Any], relay: SmtpServer, claim_body: dict[str, Any]
) -> None:
    await notify_by_email(mail_client, claim_body)
    await mail_client.app[WORKER].run_once()
    html_part = list(parsed(relay.messages[0].data).iter_parts())[1].get_content()
    card = script_json(html_part)
    try:
        (report,) = render([("email-claim", "outlook", card)])
    except RendererUnavailable as exc:
        import os

        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    assert report.events == [] and report.rendered


async def test_temporary_and_permanent_smtp_errors(
    mail_client: TestClient[Any, Any], relay: SmtpServer, claim_body: dict[str, Any]
) -> None:
    auth, claim_id = await notify_by_email(mail_client, claim_body)
    relay.fail_next_rcpt("451 4.3.0 Mailbox busy, try again later")
    await mail_client.app[WORKER].run_once()
    claim = await (await mail_client.get(f"/api/claims/{claim_id}", headers=auth)).json()
    statuses = {d["status"]: d for d in claim["deliveries"]}
    assert set(statuses) == {"queued", "sent"}
    assert "451" in statuses["queued"]["last_error"] and "will retry" in statuses["queued"]["last_error"]

    relay.fail_next_rcpt("550 5.1.1 <lee.gu@fabrikam.example>: Recipient address rejected")
    auth2, claim2 = await notify_by_email(mail_client, {**claim_body, "contacts": claim_body["contacts"][1:]})
    await mail_client.app[WORKER].run_once()
    claim = await (await mail_client.get(f"/api/claims/{claim2}", headers=auth2)).json()
    (delivery,) = claim["deliveries"]
    assert delivery["status"] == "failed" and "550 5.1.1" in delivery["last_error"]


async def test_a_domain_in_another_script_is_addressed_in_its_ascii_form(
    mail_client: TestClient[Any, Any], relay: SmtpServer, claim_body: dict[str, Any]
) -> None:
    contact = {**claim_body["contacts"][0], "email": "megan@bücher.example"}
    auth, claim_id = await notify_by_email(mail_client, {**claim_body, "contacts": [contact]})
    await mail_client.app[WORKER].run_once()
    claim = await (await mail_client.get(f"/api/claims/{claim_id}", headers=auth)).json()
    assert [d["status"] for d in claim["deliveries"]] == ["sent"]
    (received,) = relay.messages
    assert received.rcpt_tos == ["megan@xn--bcher-kva.example"]
    assert "megan@xn--bcher-kva.example" in parsed(received.data)["To"]


async def test_an_address_stored_before_the_rules_fails_plainly_not_as_a_fault(
    mail_client: TestClient[Any, Any], relay: SmtpServer, claim_body: dict[str, Any]
) -> None:
    auth, claim_id = await notify_by_email(
        mail_client, {**claim_body, "contacts": claim_body["contacts"][:1]}
    )
    store = mail_client.app[STORE]
    async with store._tx() as db:  # test-only: a contact an older version let in
        await db.execute(
            "UPDATE contacts SET email = ? WHERE claim_id = ?", ("jos\u00e9@fabrikam.example", claim_id)
        )
    await mail_client.app[WORKER].run_once()
    claim = await (await mail_client.get(f"/api/claims/{claim_id}", headers=auth)).json()
    (delivery,) = claim["deliveries"]
    assert delivery["status"] == "failed"
    assert "no mail can be sent to this address" in delivery["last_error"]
    assert "internal error" not in delivery["last_error"] and relay.messages == []


async def test_a_greylisting_relay_gets_the_mail_in_the_end(
    mail_client: TestClient[Any, Any], relay: SmtpServer, claim_body: dict[str, Any]
) -> None:
    """A relay that defers a new sender with 451 (greylisting, for minutes) gets more tries than Teams
    gives a send: the mail goes out on the seventh, where it once gave up after the fifth."""
    one = {**claim_body, "contacts": claim_body["contacts"][:1]}
    for _ in range(6):
        relay.fail_next_rcpt("451 4.7.1 Greylisted, please try again later")
    auth, claim_id = await notify_by_email(mail_client, one)
    store = mail_client.app[STORE]
    for attempt in range(1, 8):
        await mail_client.app[WORKER].run_once()
        claim = await (await mail_client.get(f"/api/claims/{claim_id}", headers=auth)).json()
        (delivery,) = claim["deliveries"]
        if attempt < 7:
            assert delivery["status"] == "queued", (attempt, delivery["last_error"])
            async with store._tx() as db:  # test-only: the backoff's wait, passed at once
                await db.execute(
                    "UPDATE deliveries SET next_attempt_at = ?", ("2000-01-01T00:00:00.000000+00:00",)
                )
    assert delivery["status"] == "sent"
    assert [m.rcpt_tos for m in relay.messages] == [[one["contacts"][0]["email"]]]


async def test_an_outlook_click_reaches_the_same_verbs(
    mail_client: TestClient[Any, Any], relay: SmtpServer, claim_body: dict[str, Any]
) -> None:
    auth, claim_id = await notify_by_email(mail_client, claim_body)
    invoke = load_fixture("outlook_invoke.json")
    invoke["value"]["action"]["data"] = {"claim_id": claim_id}
    resp = await mail_client.post("/api/messages", json=invoke)
    assert resp.status == 200
    body = await resp.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    card = body["value"]
    assert card["version"] == "1.4" and card["originator"] == ORIGINATOR
    assert "Action.Submit" not in str(card) and "userIds" not in str(card.get("refresh", {}))
    validate_card(card, "1.4")
    claim = await (await mail_client.get(f"/api/claims/{claim_id}", headers=auth)).json()
    (response,) = claim["responses"]
    assert (response["kind"], response["channel"], response["user_name"]) == (
        "acknowledged",
        "outlook",
        "Megan Bowen",
    )


@pytest.mark.parametrize(
    ("who", "notice"),
    [
        (
            {
                "id": "someone.else@fabrikam.example",
                "name": "Someone Else",
                "aadObjectId": "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a",
            },
            "sent to someone else",
        ),
        (
            {
                "id": "megan.bowen@tailspin.example",
                "name": "Megan Bowen",
                "aadObjectId": "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
            },
            "another organisation",
        ),
    ],
)
async def test_a_forwarded_email_gives_nothing_to_others(
    mail_client: TestClient[Any, Any], claim_body: dict[str, Any], who: dict[str, str], notice: str
) -> None:
    auth, claim_id = await notify_by_email(mail_client, claim_body)
    invoke = load_fixture("outlook_invoke.json")
    invoke["value"]["action"]["data"] = {"claim_id": claim_id}
    invoke["from"] = who
    if "tailspin" in who["id"]:
        invoke["channelData"] = {"tenant": {"id": "0b6d3c41-5e2f-4a8b-9c7d-1e2f3a4b5c6d"}}
    body = await (await mail_client.post("/api/messages", json=invoke)).json()
    assert notice in str(body["value"])
    claim = await (await mail_client.get(f"/api/claims/{claim_id}", headers=auth)).json()
    assert claim["responses"] == []


async def test_the_email_says_who_sent_it_for_whom_and_not_microsoft(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    relay: SmtpServer,
    claim_body: dict[str, Any],
) -> None:
    # No MAIL_FROM_NAME: the From name comes from the partner and the organisation that runs the app.
    client = await mail_service(
        aiohttp_client,
        settings,
        relay,
        mail_from="cpor@litware.example",
        sender_name="Litware Managed Services",
    )
    try:
        await notify_by_email(client, claim_body)
        await client.app[WORKER].run_once()
    finally:
        await client.close()
    message = parsed(relay.messages[0].data)
    assert message["From"] == "Contoso Partners via Litware Managed Services <cpor@litware.example>"
    assert message["Subject"] == "Contoso Partners tells you about its claim to Microsoft"
    plain_part, html_part = (part.get_content() for part in message.iter_parts())
    first_line = plain_part.splitlines()[0]
    assert first_line == "Sent by Litware Managed Services for Contoso Partners, not by Microsoft."
    assert first_line in html_part.split("<body", 1)[1].split("</p>", 1)[0]  # the first paragraph
    # The buttons' note speaks of buttons only the card has: not in the text and HTML parts.
    assert "These buttons" not in plain_part
    assert "These buttons" not in html_part.split("</script>", 1)[1]
    assert "https://aka.ms/about-cpor" in plain_part
    assert plain_part.index("https://aka.ms/about-cpor") < plain_part.index("learn.microsoft.com")
