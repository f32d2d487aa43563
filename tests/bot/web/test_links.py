"""Contacts' link tokens: signed, bound to one contact of one claim, expiring, rotatable."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.ops.config import Settings, SetupError
from bot.web.links import LinkExpired, LinkSigner, LinkUnknown, contact_url, public_base

NOW = dt.datetime(2026, 12, 5, 6, 0, tzinfo=dt.UTC)
CLAIM, CONTACT = "0b8f6a52-6c1e-4d7e-9a51-3f2d1c0b9a87", "5d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a"
KEY, OLD_KEY = "k" * 64, "o" * 64


def signer(*keys: str, days: int = 90) -> LinkSigner:
    return LinkSigner(keys or (KEY,), dt.timedelta(days=days))


def test_a_token_opens_its_contact_of_its_claim_until_it_expires() -> None:
    token = signer().token_for(CLAIM, CONTACT, NOW)
    link = signer().read(token, NOW + dt.timedelta(days=89))
    assert (link.claim_id, link.contact_id) == (CLAIM, CONTACT)
    assert link.expires_at == NOW + dt.timedelta(days=90)
    with pytest.raises(LinkExpired):
        signer().read(token, NOW + dt.timedelta(days=90))
    assert len(token) < 120 and token.isascii() and "/" not in token


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(CONTACT, "5d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0b"),  # another contact
        lambda t: t.replace(CLAIM, "0b8f6a52-6c1e-4d7e-9a51-3f2d1c0b9a88"),  # another claim
        lambda t: (
            t.rsplit(".", 2)[0] + f".{int(NOW.timestamp()) + 10**8}." + t.rsplit(".", 1)[1]
        ),  # later expiry
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # another signature
        lambda t: "2" + t[1:],  # another version
        lambda t: t + ".x",
        lambda t: "",
        lambda t: "é" * 10,
        lambda t: "1.a.b.c.d" * 40,  # too long to read
    ],
)
def test_a_changed_or_made_up_token_opens_nothing(tamper: object) -> None:
    token = signer().token_for(CLAIM, CONTACT, NOW)
    with pytest.raises(LinkUnknown):
        signer().read(tamper(token), NOW)  # type: ignore[operator]  # the lambdas above


def test_a_new_key_signs_and_the_old_one_still_opens_its_links() -> None:
    old_link = signer(OLD_KEY).token_for(CLAIM, CONTACT, NOW)
    rotated = signer(KEY, OLD_KEY)
    assert rotated.read(old_link, NOW).contact_id == CONTACT
    new_link = rotated.token_for(CLAIM, CONTACT, NOW)
    assert signer(KEY).read(new_link, NOW).claim_id == CLAIM  # signed by the new key
    with pytest.raises(LinkUnknown):
        signer(OLD_KEY).read(new_link, NOW)
    with pytest.raises(LinkUnknown):
        signer(KEY).read(old_link, NOW)  # the old key dropped: its links stop


def test_form_tokens_are_bound_to_their_link() -> None:
    one, other = signer().token_for(CLAIM, CONTACT, NOW), signer().token_for(CLAIM, "another-contact", NOW)
    form = signer().form_token(one)
    assert signer().check_form_token(one, form)
    assert not signer().check_form_token(other, form)
    assert not signer().check_form_token(one, "")
    # A page made before a rotation still posts: every key checks.
    assert signer(KEY, OLD_KEY).check_form_token(one, signer(OLD_KEY).form_token(one))


def test_ids_outside_the_token_alphabet_are_refused() -> None:
    with pytest.raises(ValueError):
        signer().token_for("claim.1", CONTACT, NOW)


def test_without_link_keys_a_key_file_is_made_once_private_and_kept(tmp_path: Path) -> None:
    settings = Settings(link_key_file=str(tmp_path / "keys" / "link-key"))
    first = LinkSigner.from_settings(settings)
    key_file = tmp_path / "keys" / "link-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = first.token_for(CLAIM, CONTACT, NOW)
    again = LinkSigner.from_settings(settings)  # a restart, or a second process on the machine
    assert again.read(token, NOW).claim_id == CLAIM
    configured = LinkSigner.from_settings(dataclasses.replace(settings, link_keys=(KEY,)))
    with pytest.raises(LinkUnknown):
        configured.read(token, NOW)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda path: path.mkdir(), "is not a regular file"),
        (lambda path: path.write_bytes(b""), "is empty"),
        (lambda path: path.write_bytes("clé".encode()), "is not ASCII text"),
        (lambda path: path.parent.rmdir() or path.parent.write_text("a file"), "Not a directory"),
    ],
    ids=["folder", "empty", "not-ascii", "below-a-file"],
)
def test_a_key_file_that_can_be_neither_read_nor_made_names_link_key_file(
    tmp_path: Path, make: Any, problem: str
) -> None:
    path = tmp_path / "var" / "link-key"
    path.parent.mkdir()
    make(path)

    with pytest.raises(SetupError, match=f"^LINK_KEY_FILE {path} .*{problem}"):
        LinkSigner.from_settings(Settings(link_key_file=str(path)))


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A FIFO as LINK_KEY_FILE; afterwards a writer opens and closes it, so that a reader blocked on it
    (the old code) ends, and the test fails instead of hanging the run."""
    path = tmp_path / "link-key"
    os.mkfifo(path)
    yield path
    with contextlib.suppress(OSError):  # ENXIO: no reader waits, nothing to release
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def test_a_fifo_as_key_file_is_refused_at_once(fifo: Path) -> None:
    # Before: open() blocked until a writer came, for ever at start.
    outcome: list[BaseException | None] = []

    def make() -> None:
        try:
            LinkSigner.from_settings(Settings(link_key_file=str(fifo)))
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            outcome.append(exc)

    thread = threading.Thread(target=make, daemon=True)
    thread.start()
    thread.join(timeout=5)
    assert outcome, "reading the key file blocked"
    assert isinstance(outcome[0], SetupError)
    assert str(outcome[0]).startswith(f"LINK_KEY_FILE {fifo} is not a regular file")


def test_a_device_as_key_file_is_refused_not_called_empty() -> None:
    # Before: /dev/null read as an empty file: "delete it (a new key is made at start)".
    with pytest.raises(SetupError, match="^LINK_KEY_FILE /dev/null is not a regular file") as caught:
        LinkSigner.from_settings(Settings(link_key_file="/dev/null"))
    assert "delete it" not in str(caught.value)


def test_links_point_at_the_public_address_or_the_local_one() -> None:
    assert contact_url(public_base(Settings(public_url="https://cpor.litware.com")), "t") == (
        "https://cpor.litware.com/c/t"
    )
    assert contact_url(public_base(Settings(port=3978)), "t") == "http://127.0.0.1:3978/c/t"
