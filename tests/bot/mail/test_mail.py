"""Mail: SmtpMailer against a real aiosmtpd (STARTTLS, AUTH, scripted failures), and the .eml outbox."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess  # noqa: S404 - runs this interpreter on a fixed script
import sys
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from bot.mail.sender import EmlOutbox, MailFailure, SmtpMailer, mailer_from_settings
from bot.ops.config import Settings
from tests.smtp import SmtpServer, free_port, smtp_server

RECIPIENT = "megan.bowen@fabrikam.example"
BODY = "Contoso Partners registered a CPOR association for Fabrikam. Nothing changes for you."


def make_message(subject: str = "Contoso Partners and your Microsoft 365: what CPOR means") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "CPOR explained <cpor@contoso-partners.example>"
    message["To"] = f"Megan Bowen <{RECIPIENT}>"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="contoso-partners.example")
    message.set_content(BODY)
    return message


@pytest.fixture
async def server() -> AsyncIterator[SmtpServer]:
    async with smtp_server() as running:
        yield running


def mailer_for(server: SmtpServer, password: str | None = None, timeout: float = 10.0) -> SmtpMailer:
    return SmtpMailer(
        server.host,
        server.port,
        username=server.username,
        password=server.password if password is None else password,
        tls_context=server.client_tls_context,
        timeout=timeout,
    )


async def test_delivers_through_starttls_and_auth(server: SmtpServer) -> None:
    message = make_message("Contoso Partners – Ihre CPOR-Zuordnung")  # a non-ASCII subject on purpose
    await mailer_for(server).send(message)

    [received] = server.messages
    assert received.tls and received.authenticated
    assert received.mail_from == "cpor@contoso-partners.example"
    assert received.rcpt_tos == [RECIPIENT]
    parsed = message_from_bytes(received.data, policy=policy.default)
    assert parsed["Subject"] == message["Subject"]
    assert parsed["To"] == message["To"]
    assert parsed["Message-ID"] == message["Message-ID"]


async def test_wrong_password_is_a_permanent_failure(server: SmtpServer) -> None:
    with pytest.raises(MailFailure) as failure:
        await mailer_for(server, password="not-the-password").send(make_message())
    assert failure.value.permanent
    assert failure.value.reply.startswith("535 ")
    assert server.messages == []


@pytest.mark.parametrize(
    ("script", "reply", "permanent"),
    [
        ("rcpt", "451 4.3.0 Mailbox temporarily unavailable", False),
        ("rcpt", f"550 5.1.1 <{RECIPIENT}>: Recipient address rejected", True),
        ("mail", "421 4.7.0 Too many connections, try again later", False),
        ("data", "452 4.3.1 Insufficient system storage", False),
        ("data", "554 5.7.1 Message rejected as spam", True),
    ],
)
async def test_server_refusals_keep_the_reply_and_say_whether_to_retry(
    server: SmtpServer, script: str, reply: str, permanent: bool
) -> None:
    getattr(server, f"fail_next_{script}")(reply)
    with pytest.raises(MailFailure) as failure:
        await mailer_for(server).send(make_message())
    assert failure.value.permanent is permanent
    assert failure.value.reply == reply
    assert server.messages == []
    # The failure was for that one attempt: the next message goes through.
    await mailer_for(server).send(make_message())
    assert len(server.messages) == 1


async def test_a_closed_port_is_a_temporary_failure() -> None:
    mailer = SmtpMailer("127.0.0.1", free_port(), username="u", password="p", timeout=5)
    with pytest.raises(MailFailure) as failure:
        await mailer.send(make_message())
    assert not failure.value.permanent
    assert "127.0.0.1" in failure.value.reply


async def test_a_server_that_never_answers_times_out_as_a_temporary_failure() -> None:
    release = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await release.wait()  # accepts the connection, never sends a greeting

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        with pytest.raises(MailFailure) as failure:
            await SmtpMailer("127.0.0.1", port, timeout=0.3).send(make_message())
    finally:
        release.set()
        for writer in writers:
            writer.close()
            await writer.wait_closed()
        listener.close()
        await listener.wait_closed()
    assert not failure.value.permanent
    assert "timed out" in failure.value.reply


async def test_an_untrusted_certificate_is_refused(server: SmtpServer) -> None:
    mailer = SmtpMailer(server.host, server.port, username=server.username, password=server.password)
    with pytest.raises(MailFailure) as failure:
        await mailer.send(make_message())  # the system trust store does not know the test certificate
    assert not failure.value.permanent
    assert server.messages == []


async def test_neither_the_password_nor_the_body_reaches_the_log(
    server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await mailer_for(server).send(make_message())
    with pytest.raises(MailFailure):
        await mailer_for(server, password="wrong-password-value").send(make_message())
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("bot", "aiosmtplib")))
    assert "mail" in ours
    for secret in (server.password, "wrong-password-value", BODY):
        assert secret not in ours
    assert server.password not in repr(mailer_for(server))


async def test_the_outbox_writes_eml_files_that_parse_back(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "outbox"
    outbox = EmlOutbox(folder)
    message = make_message()
    await outbox.send(message)
    await outbox.send(message)  # the same Message-ID twice: two files, nothing overwritten

    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    safe_id = re.sub(r"[^A-Za-z0-9._-]+", "_", message["Message-ID"].strip("<>"))
    assert re.fullmatch(rf"\d{{8}}T\d{{12}}Z-{re.escape(safe_id)}(-1)?\.eml", files[0].name)
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Subject"] == message["Subject"]
    assert parsed["To"] == message["To"]
    body = parsed.get_body()
    assert body is not None and body.get_content().strip() == BODY


async def test_the_outbox_keeps_messages_private_to_the_service(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    await EmlOutbox(folder).send(make_message())
    [written] = folder.glob("*.eml")
    assert written.stat().st_mode & 0o777 == 0o600  # customers' names and addresses
    assert folder.stat().st_mode & 0o077 == 0


async def test_the_outbox_names_a_message_without_message_id(tmp_path: Path) -> None:
    message = make_message()
    del message["Message-ID"]
    await EmlOutbox(tmp_path / "out").send(message)
    [written] = (tmp_path / "out").glob("*.eml")
    assert written.name.endswith(".eml")


def test_mailer_from_settings_picks_smtp_only_with_a_host(tmp_path: Path) -> None:
    local = mailer_from_settings(Settings.from_env({"MAIL_OUTBOX_DIR": str(tmp_path / "outbox")}))
    assert isinstance(local, EmlOutbox)
    assert local.folder == tmp_path / "outbox"

    relay = mailer_from_settings(
        Settings.from_env(
            {
                "SMTP_HOST": "smtp.contoso-partners.example",
                "SMTP_PORT": "2525",
                "SMTP_USERNAME": "cpor",
                "SMTP_PASSWORD": "relay-secret",
                "MAIL_FROM": "cpor@contoso-partners.example",
            }
        )
    )
    assert isinstance(relay, SmtpMailer)
    assert (relay.host, relay.port, relay.username, relay.starttls) == (
        "smtp.contoso-partners.example",
        2525,
        "cpor",
        True,
    )
    assert "relay-secret" not in repr(relay)


# Sends one message four times into the outbox named by argv[1]: three times with the process allowed
# files of 16 KiB at most (the kernel refuses the rest of the write, as a full disk does), then once
# with the limit lifted. Prints each outcome.
_FULL_DISK = """
import asyncio, resource, signal, sys
from email.message import EmailMessage
from bot.mail.sender import EmlOutbox, MailFailure

message = EmailMessage()
message["From"] = "cpor@contoso-partners.example"
message["To"] = "megan.bowen@fabrikam.example"
message["Subject"] = "A long message"
message["Message-ID"] = "<full-disk@contoso-partners.example>"
message.set_content("Nothing changes for you.\\n" * 4000)
outbox = EmlOutbox(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (16384, hard))
for _ in range(3):
    try:
        asyncio.run(outbox.send(message))
        print("sent")
    except MailFailure as failure:
        print("failed:", failure.reply, "permanent" if failure.permanent else "temporary")
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
asyncio.run(outbox.send(message))
print("sent")
sys.stdout.buffer.write(message.as_bytes())
"""


def test_a_write_that_fails_leaves_no_file_and_a_later_one_writes_the_whole_message(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    ran = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _FULL_DISK, str(folder)], capture_output=True, check=True, timeout=60
    )
    outcomes, _, sent = ran.stdout.partition(b"sent\n")
    assert (
        outcomes.decode().splitlines()
        == [f"failed: could not write to {folder}: File too large temporary"] * 3
    )
    [written] = folder.iterdir()  # no empty or cut-off message, no temporary file
    assert written.suffix == ".eml" and written.stat().st_mode & 0o777 == 0o600
    assert written.read_bytes() == sent and len(sent) > 16384
