"""What the log never holds: partner keys, webhook secrets, bearer tokens, customers' addresses; at
DEBUG too, where the SQLite driver would write every statement's parameters."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ops.logs import hold_parameter_loggers, scrub, scrubbing_handler
from bot.partner_api.keys import new_key
from bot.store.sqlite import SqliteStore


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
