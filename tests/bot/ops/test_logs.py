"""What the log never holds: partner keys, webhook secrets, bearer tokens, customers' addresses; at
DEBUG too, where the SQLite driver would write every statement's parameters."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ops.logs import hold_parameter_loggers, scrub, scrubbing_handler
from bot.partner_api.keys import new_key
from bot.store.sqlite import SqliteStore
from bot.web.links import LinkSigner, contact_url


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG while the test runs, through the service's own handler."""
    written = io.StringIO()
    handler = scrubbing_handler(written)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield written
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        logging.getLogger("aiosqlite").setLevel(logging.NOTSET)


def test_scrub_keeps_the_key_id_and_hides_the_rest() -> None:
    text = (
        "key cpor_7e02740119da4e30_dhgxDXndEdxIhQXOpQrzLq8xgkaXeN_ioQ2pluv9us8, secret whsec_abc-DEF_1, "
        "header Authorization: Bearer eyJhbGciOi.x.y, contact megan.bowen@fabrikam.example"
    )
    assert scrub(text) == (
        "key cpor_7e02740119da4e30_[redacted], secret [redacted], "
        "header Authorization: Bearer [redacted], contact [redacted]"
    )


async def test_nothing_secret_reaches_the_log_at_debug(debug_log: io.StringIO, tmp_path: Path) -> None:
    hold_parameter_loggers()
    store = await SqliteStore.open_file(str(tmp_path / "bot.db"))
    try:
        partner = await store.create_partner("Contoso Partners")
        plain, record = new_key(partner.id, "ci")
        await store.add_partner_key(record)
        await store.set_webhook(
            partner.id, "https://hooks.contoso.example/cpor", "whsec_s3cret", dt.datetime.now(dt.UTC)
        )
        log = logging.getLogger("cpor_bot.test")
        log.debug("a library quoting a request: Authorization: Bearer %s", plain)
        log.info("sending to %s", "megan.bowen@fabrikam.example")
        try:
            raise ValueError(f"refused by megan.bowen@fabrikam.example with {plain}")
        except ValueError:
            log.exception("a traceback")
    finally:
        await store.close()
    written = debug_log.getvalue()
    assert "a traceback" in written and "Traceback" in written
    assert "aiosqlite" not in written  # held at INFO: no statement traces at all
    for secret in ("whsec_s3cret", plain, plain.split("_", 2)[2], "megan.bowen@fabrikam.example"):
        assert secret not in written


async def test_without_the_hold_the_driver_would_log_parameters(
    debug_log: io.StringIO, tmp_path: Path
) -> None:
    # The reason for the hold: at DEBUG, aiosqlite writes each statement with its parameters.
    store = await SqliteStore.open_file(str(tmp_path / "bot.db"))
    try:
        partner = await store.create_partner("Contoso Partners")
        await store.set_webhook(
            partner.id, "https://hooks.contoso.example/cpor", "whsec_s3cret", dt.datetime.now(dt.UTC)
        )
    finally:
        await store.close()
    written = debug_log.getvalue()
    assert "aiosqlite" in written
    assert "whsec_s3cret" not in written  # scrubbed even so


def test_scrub_hides_a_contacts_link_token_and_keeps_the_route() -> None:
    signer = LinkSigner(["test-key"], dt.timedelta(days=90))
    now = dt.datetime(2026, 12, 5, 6, 30, tzinfo=dt.UTC)
    token = signer.token_for("clm_01HV6Q3W2K", "ctc-7f3a_9c21", now)
    mac = token.rsplit(".", 1)[1]
    url = contact_url("https://cpor.contoso.example", token)
    assert scrub(f"GET {url} 200") == "GET https://cpor.contoso.example/c/[redacted] 200"
    assert scrub(f"token {token}, then more") == "token [redacted], then more"
    assert scrub(f"/c/{token}/acknowledge") == "/c/[redacted]/acknowledge"
    for text in (scrub(url), scrub(token)):
        assert mac not in text and "clm_01HV6Q3W2K" not in text
    # What merely looks like a version number or an id stays readable.
    assert scrub("cpor-bot 1.4.2 on claim clm_01HV6Q3W2K") == "cpor-bot 1.4.2 on claim clm_01HV6Q3W2K"


def test_a_log_line_holding_a_link_shows_no_token(debug_log: io.StringIO) -> None:
    signer = LinkSigner(["test-key"], dt.timedelta(days=90))
    token = signer.token_for("clm_01HV6Q3W2K", "ctc-1", dt.datetime.now(dt.UTC))
    log = logging.getLogger("cpor_bot.test")
    log.info("mail for %s", contact_url("http://127.0.0.1:3978", token))
    try:
        raise ValueError(f"could not open {token}")
    except ValueError:
        log.exception("a traceback")
    written = debug_log.getvalue()
    assert "mail for http://127.0.0.1:3978/c/[redacted]" in written
    assert "could not open [redacted]" in written
    assert token.rsplit(".", 1)[1] not in written


RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


@pytest.fixture
def own_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of the test's own, through the service's text handler, and what it wrote (nothing
    else in the process, a library's DEBUG line at teardown say, writes there)."""
    written = io.StringIO()
    log = logging.getLogger("cpor_bot.test.own")
    handler = scrubbing_handler(written)
    log.addHandler(handler)
    log.propagate = False
    try:
        yield log, written
    finally:
        log.removeHandler(handler)
        log.propagate = True


def test_no_text_from_outside_can_start_a_line_or_write_a_control_character(
    own_log: tuple[logging.Logger, io.StringIO],
) -> None:
    log, debug_log = own_log
    forged = "2026-11-20 09:00:00,000 INFO aiohttp.access: GET /admin 200"
    # A user agent, a value a partner typed, a header: whatever the message's arguments hold.
    log.warning("user agent %s", f"curl\n{forged}")
    log.warning("customer %s typed", f"Fabrikam\r\n{forged}\x00\x1b[2J\x85\u2028\u2029\x7f")
    try:
        raise ValueError(f"bad value\n{forged}")
    except ValueError:
        log.exception("could not parse")
    log.warning("a stack", stack_info=True)
    written = debug_log.getvalue()
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]", written)
    for line in written.splitlines():
        assert RECORD_START.match(line) or line.startswith("  | "), line
    starts = [line for line in written.splitlines() if RECORD_START.match(line)]
    assert len(starts) == 4  # the four records, no forged fifth
    assert "user agent curl\\x0a2026-11-20 09:00:00,000 INFO aiohttp.access" in starts[0]
    assert "\\x00\\x1b[2J\\x85\\u2028\\u2029\\x7f" in starts[1]
    assert "  | ValueError: bad value" in written and "  | 2026-11-20 09:00:00,000 INFO" in written


# Addresses a log line may quote (a relay's reply can name any, whatever the partner API takes), in
# the text around them.
INTERNATIONAL = (
    "jörg@müller-test.de",
    "用户@例子.广告",
    "用户@例子。广告",
    "Δοκιμή@παράδειγμα.δοκιμή",
    "«x»@example.com",
    "jo\u0308rg@example.com",
    "🙂@example.com",
    "josé.o'neil@xn--mller-test-9db.de",
)


@pytest.mark.parametrize("address", INTERNATIONAL)
def test_internationalised_addresses_are_scrubbed_whole(debug_log: io.StringIO, address: str) -> None:
    logging.getLogger("cpor_bot.test").warning(
        "mail <%s> not sent (permanent): 550 5.1.1 ‹%s>: no such user", address, address
    )
    written = debug_log.getvalue()
    assert "mail <[redacted]> not sent (permanent): 550 5.1.1 [redacted]>: no such user" in written
    for part in address.replace("@", " ").replace(".", " ").replace("。", " ").split():
        if part not in ("com", "de", "example"):
            assert part not in written, part


def test_a_long_line_without_an_address_is_scrubbed_as_it_is() -> None:
    text = "日本語のメッセージ" * 5000 + " 1.4.2 clm_01HV6Q3W2K"
    assert scrub(text) == text


class Addressee:
    """An object an extra may carry: written as its text."""

    def __str__(self) -> str:
        return "Addressee(megan.bowen@fabrikam.example)"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_every_field_of_a_record_is_scrubbed_extras_too(fmt: str) -> None:
    written = io.StringIO()
    handler = scrubbing_handler(written, fmt=fmt)
    if fmt == "text":  # a format that writes the extras themselves
        handler.setFormatter(logging.Formatter("%(message)s | %(http)s | %(contact)s | %(who)s"))
    log = logging.getLogger("cpor_bot.test.extras")
    log.addHandler(handler)
    log.propagate = False
    http = {"path": "/api/claims/alice@contoso.com", "status": 404, "headers": [("From", "bob@contoso.com")]}
    try:
        log.warning(
            "looked up",
            extra={"http": http, "contact": ["lee.gu@fabrikam.example", 3, None], "who": Addressee()},
        )
    finally:
        log.removeHandler(handler)
        log.propagate = True
    text = written.getvalue()
    for secret in ("alice", "contoso.com", "lee.gu", "megan.bowen", "fabrikam"):
        assert secret not in text, secret
    assert http["path"] == "/api/claims/alice@contoso.com"  # the caller's own dict is left alone
    if fmt == "json":
        entry = json.loads(text)
        assert entry["http"] == {"path": "[redacted]", "status": 404, "headers": [["From", "[redacted]"]]}
    else:
        assert "Addressee([redacted])" in text and "404" in text


def test_a_stack_is_scrubbed_like_a_traceback(own_log: tuple[logging.Logger, io.StringIO]) -> None:
    log, written = own_log
    log.warning("where we are, writing to %s", "megan.bowen@fabrikam.example", stack_info=True)  # this line
    text = written.getvalue()
    assert "  | Stack (most recent call last):" in text and "writing to %s" in text
    assert "megan.bowen" not in text


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_arguments_that_do_not_fit_the_message_are_written_scrubbed_and_raise_nothing(fmt: str) -> None:
    written = io.StringIO()
    log = logging.getLogger("cpor_bot.test.misfit")
    handler = scrubbing_handler(written, fmt=fmt)
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("sent %s to %s", "megan.bowen@fabrikam.example")  # one argument short
    finally:
        log.removeHandler(handler)
        log.propagate = True
    text = written.getvalue()
    assert "sent %s to %s (arguments that do not fit it: ([redacted]" in text  # the quote is an address's
    assert "megan.bowen" not in text


def test_a_json_record_is_one_line_for_any_reader() -> None:
    written = io.StringIO()
    handler = scrubbing_handler(written, fmt="json")
    logger = logging.getLogger("cpor_bot.test.json_lines")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("typed %s", "one\u2028two\x85three\u2029four")
    finally:
        logger.removeHandler(handler)
    text = written.getvalue()
    assert len(text.splitlines()) == 1  # str.splitlines also breaks at U+0085, U+2028 and U+2029
    assert json.loads(text)["message"] == "typed one\u2028two\x85three\u2029four"
