"""Logging for the service and the command line: what is written, and what never is.

Secrets and customer addresses stay out of the log at every level: libraries whose debug output
carries statement parameters are held at INFO, and every field of every record (message, arguments,
extras such as the access line's path, traceback) is scrubbed of partner keys, webhook secrets,
bearer tokens, contacts' link tokens and email addresses before it is written, in either format."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import IO

from bot.ops.request_ids import REQUEST_ID

# aiosqlite logs each statement with its parameters at DEBUG: webhook secrets, contacts' emails.
_PARAMETER_LOGGERS = ("aiosqlite",)

# Beyond ASCII, anything but whitespace and controls: email-validator takes letters, marks and
# symbols alike (even "«x»@example.com"), and hiding a character too many is the safe side.
_NON_ASCII = r"[^\x00-\x9f\s]"
_ADDRESS_CHAR = rf"(?:[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]|{_NON_ASCII})"
_LABEL = rf"(?:[A-Za-z0-9-]|{_NON_ASCII})+"

_SECRETS = re.compile(
    r"(?P<key>cpor_[0-9a-f]{16}_)[A-Za-z0-9_-]+"  # partner keys: the id may show, the secret not
    r"|whsec_[A-Za-z0-9_-]+"  # webhook signing secrets
    r"|(?P<scheme>Bearer\s+)[A-Za-z0-9._~+/=-]+"  # tokens in headers quoted by a library
    # Email addresses, internationalised ones too (SMTPUTF8, as is_email allows: jörg@müller-test.de,
    # 用户@例子。广告): any character outside ASCII counts as a letter, and a match starts only where
    # no address character comes before it, so a long run without an "@" is read once.
    rf"|(?<!{_ADDRESS_CHAR}){_ADDRESS_CHAR}+@{_LABEL}(?:[.\u3002\uff0e\uff61]{_LABEL})+"
    # A contact's link token (bot.web.links: 1.<claim>.<contact>.<expiry>.<mac>) opens their claim
    # to whoever holds it: "/c/" may show, the token not. Any tail of it goes too.
    r"|(?P<link>/c/)?1\.[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{1,64}\.[0-9]{1,12}"
    r"\.[A-Za-z0-9_-]{22}[A-Za-z0-9_-]*"
)


# What every match of _SECRETS contains: "cpor_", "whsec_", "Bearer", the "@" of an address or the
# "1." that starts a link token.
_MARKS = ("@", "1.", "cpor_", "whsec_", "Bearer")


def _redact(match: re.Match[str]) -> str:
    return (match.group("key") or match.group("scheme") or match.group("link") or "") + "[redacted]"


def scrub(text: str) -> str:
    """`text` with every secret, link token and email address replaced by "[redacted]"."""
    # Each pattern holds one of these: text without any (most of a log's fields) is left as it is,
    # without running the address pattern over every character.
    if not any(mark in text for mark in _MARKS):
        return text
    return _SECRETS.sub(_redact, text)


# What every record holds of its own (and what formatters add to it): any other attribute came from
# `extra=` or from a filter, and may hold a path, an address or a header from outside.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# How deep into an extra's dicts and lists the scrub goes; below that, the rest is scrubbed as text.
_DEPTH = 8


def scrub_value(value: object, depth: int = _DEPTH) -> object:
    """`value` with every string in it scrubbed: dicts, lists, tuples and sets are rebuilt (the caller's
    own are left alone), numbers, booleans and None kept, anything else scrubbed as its text."""
    if isinstance(value, str):
        return scrub(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth > 0 and isinstance(value, dict):
        return {scrub_value(k, depth - 1): scrub_value(v, depth - 1) for k, v in value.items()}
    if depth > 0 and isinstance(value, list | tuple | set | frozenset):
        return [scrub_value(item, depth - 1) for item in value]
    return scrub(str(value))


class ScrubSecrets(logging.Filter):
    """Scrubs every field of each record a handler writes: the message with its arguments merged, the
    extras (the access line's `http`, anything a filter added before this one), the traceback and the
    stack. Add it last, so the fields other filters add are scrubbed too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - arguments that do not fit the format: still a line, scrubbed
            message = f"{record.msg} (arguments that do not fit it: {record.args!r})"
            record.msg, record.args = message, None
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _RECORD_FIELDS:
                setattr(record, name, scrub_value(value))
        record.scrubbed = True  # the formatters need not scrub the line again
        return True


# Characters that end a line, or that a terminal or log viewer acts on, in any of the text a record
# can carry from outside (a request's path or headers, a partner's typed values, an exception's message).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` on one line: every control character (line breaks, NUL, escape sequences' ESC, C1
    controls, Unicode line and paragraph separators) written as a visible \\xNN or \\uNNNN."""
    return _CONTROLS.sub(_escaped, text)


_LINE_BREAKS_OUTSIDE_ASCII = {ord(ch): f"\\u{ord(ch):04x}" for ch in "\x85\u2028\u2029"}


def _scrubbed(record: logging.LogRecord) -> bool:
    return getattr(record, "scrubbed", False) is True


class TextLines(logging.Formatter):
    """The text format: each record's line is one line, whatever its message holds, so a caller
    cannot forge a record (a path with "%0a", a NUL, a terminal escape). A traceback or stack keeps
    its own line breaks, each of its lines escaped the same way and indented by "  | ": no line but a
    record's own starts at the margin."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        text = escape_controls(line if _scrubbed(record) else scrub(line))
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(self.formatException(record.exc_info))
        for block in (record.exc_text, record.stack_info and self.formatStack(record.stack_info)):
            if block:
                text += "".join(f"\n  | {escape_controls(line)}" for line in block.split("\n"))
        return text


class AddRequestId(logging.Filter):
    """Gives each record the id of the request it was written for (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        record.request_id = request_id
        record.request_tag = f" [{request_id}]" if request_id else ""
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line, for a log collector (Azure Monitor, Loki, …): time (UTC), level,
    logger, message, request_id, and the access log's `http` fields or a traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            entry["http"] = http
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exception"] = record.exc_text
        # Scrubbed here unless ScrubSecrets did it: a handler without the filter leaks nothing either.
        line = json.dumps(entry if _scrubbed(record) else scrub_value(entry), ensure_ascii=False, default=str)
        # JSON leaves these raw, but a reader splitting lines the Unicode way (str.splitlines) would cut
        # the record in two at them: escaped, the line stays one line for every reader.
        return line.translate(_LINE_BREAKS_OUTSIDE_ASCII)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"


def scrubbing_handler(stream: IO[str] | None = None, fmt: str = "text") -> logging.Handler:
    """A handler writing to `stream` (standard error by default), every record scrubbed and tagged
    with its request id; `fmt` is "text" (one readable line) or "json" (one JSON object)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines() if fmt == "json" else TextLines(TEXT_FORMAT))
    handler.addFilter(AddRequestId())
    handler.addFilter(ScrubSecrets())  # last: it scrubs what the filters before it added
    return handler


def hold_parameter_loggers() -> None:
    """Keep the libraries that log statement parameters at INFO, whatever the root level."""
    for name in _PARAMETER_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)


def configure_logging(level: str, fmt: str = "text") -> None:
    """The process's logging at `level` in `fmt` ("text" or "json"), scrubbed (a host that set up
    logging already keeps its own handlers; the libraries are held at INFO either way)."""
    logging.basicConfig(level=level, handlers=[scrubbing_handler(fmt=fmt)])
    hold_parameter_loggers()


def report_cannot_start(problem: Exception, log_format: str) -> None:
    """Why the service or a command cannot start, as one line: with LOG_FORMAT=json a log record like
    every other line it writes, else a plain line on standard error."""
    if log_format == "json":
        logging.getLogger("cpor_bot").error("cannot start: %s", problem)
    else:
        print(f"cpor-bot: cannot start: {problem}", file=sys.stderr, flush=True)
