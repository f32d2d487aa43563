"""Sending email: through an SMTP relay, or into a folder of .eml files when there is none.

`Mailer` is what the rest of the service depends on. `SmtpMailer` speaks SMTP with aiosmtplib
(STARTTLS, AUTH) and turns every failure into a `MailFailure` that says whether a retry can help.
`EmlOutbox` writes each message to a file, so `make run` works without a relay and a newcomer can
open what would have been sent. Neither logs a password or a message body.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import ssl
import tempfile
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

from bot.ops.config import Settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0


class MailFailure(Exception):
    """A message was not sent.

    `permanent` is True when the server refused it for good (a 5xx reply: an unknown recipient,
    wrong credentials, a rejected message) and False when a later attempt may succeed (a 4xx reply,
    no connection, a timeout). `reply` is the server's reply, e.g.
    "550 5.1.1 <x@y>: Recipient address rejected", or a short description when there was none.
    """

    def __init__(self, reply: str, *, permanent: bool) -> None:
        super().__init__(reply)
        self.reply = reply
        self.permanent = permanent

    def __repr__(self) -> str:
        return f"MailFailure({self.reply!r}, permanent={self.permanent})"


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Send `message` (envelope from its From/Sender, recipients from To/Cc/Bcc); MailFailure."""
        ...


def _reply(code: int, message: str) -> str:
    return f"{code} {' '.join(message.split())}".strip()


def _is_permanent(code: int) -> bool:
    return 500 <= code < 600


class SmtpMailer:
    """Connects, upgrades with STARTTLS (when enabled), authenticates (when a username is set),
    sends one message and closes, all within `timeout` seconds per step."""

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        username: str = "",
        password: str = "",
        starttls: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if bool(username) != bool(password):
            raise ValueError("username and password go together")
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.starttls = starttls
        self.timeout = timeout
        self._tls_context = tls_context

    def __repr__(self) -> str:
        return (
            f"SmtpMailer(host={self.host!r}, port={self.port}, username={self.username!r}, "
            f"password={'***' if self._password else ''!r}, starttls={self.starttls})"
        )

    async def send(self, message: EmailMessage) -> None:
        message_id = str(message.get("Message-ID", "")) or "(no Message-ID)"
        try:
            try:
                # aiosmtplib times out each step; this bounds the whole exchange as well.
                async with asyncio.timeout(self.timeout * 4):
                    await self._send(message)
            except TimeoutError as exc:
                raise MailFailure(f"timed out talking to {self.host}:{self.port}", permanent=False) from exc
        except MailFailure as failure:
            log.warning(
                "mail %s not sent (%s): %s",
                message_id,
                "permanent" if failure.permanent else "temporary",
                failure.reply,
            )
            raise
        log.info("mail %s handed to %s:%d", message_id, self.host, self.port)

    async def _send(self, message: EmailMessage) -> None:
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            start_tls=self.starttls,
            tls_context=self._tls_context,
        )
        try:
            await client.connect()
            if self.username:
                await client.login(self.username, self._password)
            errors, _ = await client.send_message(message)
            if errors:
                # Some recipients were refused, others accepted (all refused raises instead).
                # Callers send one recipient a message; report the refusal rather than hide it.
                codes = [response.code for response in errors.values()]
                first = next(iter(errors.values()))
                raise MailFailure(
                    _reply(first.code, first.message), permanent=all(_is_permanent(c) for c in codes)
                )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            reply = "; ".join(_reply(r.code, r.message) for r in exc.recipients) or "recipients refused"
            raise MailFailure(reply, permanent=bool(codes) and all(_is_permanent(c) for c in codes)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # Includes refused AUTH (535), sender (5xx/4xx), DATA, HELO and a bad greeting.
            raise MailFailure(_reply(exc.code, exc.message), permanent=_is_permanent(exc.code)) from exc
        except aiosmtplib.SMTPNotSupported as exc:
            # The relay lacks STARTTLS or AUTH: a configuration problem, not this message's fault.
            raise MailFailure(f"not supported by {self.host}: {exc.message}", permanent=False) from exc
        except (aiosmtplib.SMTPTimeoutError, TimeoutError) as exc:
            raise MailFailure(f"timed out talking to {self.host}:{self.port}", permanent=False) from exc
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError) as exc:
            raise MailFailure(
                f"connection to {self.host}:{self.port} failed: {exc.message}", permanent=False
            ) from exc
        except aiosmtplib.SMTPException as exc:
            raise MailFailure(f"SMTP error: {exc.message}", permanent=False) from exc
        except asyncio.CancelledError:
            client.close()  # no polite QUIT when cancelled or out of time
            raise
        except OSError as exc:  # includes ssl.SSLError (e.g. an untrusted certificate)
            raise MailFailure(
                f"connection to {self.host}:{self.port} failed: {type(exc).__name__}: {exc.strerror or exc}",
                permanent=False,
            ) from exc
        finally:
            await _close(client)


async def _close(client: aiosmtplib.SMTP) -> None:
    if not client.is_connected:
        return
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        client.close()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
PRIVATE_FILE_MODE = 0o600


def _file_name(message: EmailMessage, now: dt.datetime) -> str:
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    message_id = str(message.get("Message-ID", "")).strip().strip("<>")
    safe = _UNSAFE.sub("_", message_id).strip("._")[:100] or uuid.uuid4().hex
    return f"{stamp}-{safe}.eml"


class EmlOutbox:
    """Writes each message to `<folder>/<UTC timestamp>-<Message-ID>.eml` (the folder is created).

    For running without a relay: open the files with any mail client to see what would be sent.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"EmlOutbox({str(self.folder)!r})"

    async def send(self, message: EmailMessage) -> None:
        data = message.as_bytes()
        name = _file_name(message, dt.datetime.now(dt.UTC))
        try:
            path = await asyncio.to_thread(self._write, name, data)
        except OSError as exc:
            raise MailFailure(
                f"could not write to {self.folder}: {exc.strerror or exc}", permanent=False
            ) from exc
        log.info("mail written to %s (no SMTP_HOST set)", path)

    def _write(self, name: str, data: bytes) -> Path:
        # The messages hold customers' names and addresses: readable by the service's user only.
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Whole or not at all: the message is written and synced under a temporary name beside it (one
        # file system, so the rename is atomic; not *.eml, so nobody takes it for a message), then
        # renamed. A write that fails (a full disk) leaves nothing behind. mkstemp makes it 0600.
        handle, temporary = tempfile.mkstemp(prefix=".", suffix=".eml.tmp", dir=self.folder)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            path = self._reserve(name)
            try:
                os.replace(temporary, path)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            return path
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _reserve(self, name: str) -> Path:
        """A name no other message has: created empty, at once, for the written message to replace."""
        path = self.folder / name
        stem = path.stem
        for attempt in range(1, 100):
            try:
                # O_EXCL: never overwrite an earlier message that shares the timestamp and id.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
                return path
            except FileExistsError:
                path = self.folder / f"{stem}-{attempt}.eml"
        raise FileExistsError(f"too many files named {stem}*.eml")


def mailer_from_settings(settings: Settings, *, tls_context: ssl.SSLContext | None = None) -> Mailer:
    """The SMTP relay when SMTP_HOST is set, otherwise the .eml outbox in MAIL_OUTBOX_DIR."""
    if settings.smtp_host:
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            tls_context=tls_context,
        )
    return EmlOutbox(settings.mail_outbox_dir)
