"""The formats every part of the service checks the same way."""

from __future__ import annotations

import pytest

from bot.domain.formats import is_email, is_guid, sendable_address


@pytest.mark.parametrize(
    "address",
    ["megan.bowen@fabrikam.example", "o'brien+cpor@fabrikam.co.uk", "anna@bücher.example", "a@b.c"],
)
def test_addresses_people_have_are_accepted(address: str) -> None:
    assert is_email(address)


@pytest.mark.parametrize("address", ["josé@fabrikam.example", "\uff41@fabrikam.example", "用户@例子.广告"])
def test_a_mailbox_name_outside_ascii_is_refused(address: str) -> None:
    # It needs SMTPUTF8 from every relay on the way, and Python's email package cannot write it.
    assert not is_email(address)
    with pytest.raises(ValueError, match="no mail can be sent to this address"):
        sendable_address(address)


def test_a_domain_in_any_script_is_sent_in_its_ascii_form() -> None:
    assert sendable_address("anna@bücher.example") == "anna@xn--bcher-kva.example"
    assert sendable_address("Megan.Bowen@Fabrikam.example") == "Megan.Bowen@fabrikam.example"


@pytest.mark.parametrize(
    "address",
    [
        "",
        "megan",
        "@fabrikam.example",
        "megan@",
        "megan@localhost",
        "megan@fabrikam.",
        "megan@.example",
        "megan bowen@fabrikam.example",
        "megan@fabrikam.example\n",
        "a@b@fabrikam.example",
        "Megan <megan@fabrikam.example>".replace(" ", ""),
        "m" * 250 + "@fabrikam.example",
    ],
)
def test_anything_else_is_refused(address: str) -> None:
    assert not is_email(address)


def test_a_relay_sender_may_use_a_dotless_host() -> None:
    assert is_email("cpor-bot@localhost", dotless_domain=True)
    assert not is_email("cpor-bot@localhost")


def test_guids() -> None:
    assert is_guid("72f988bf-86f1-41af-91ab-2d7cd011db47")
    assert is_guid("72F988BF-86F1-41AF-91AB-2D7CD011DB47")
    for text in ("", "72f988bf86f141af91ab2d7cd011db47", " 72f988bf-86f1-41af-91ab-2d7cd011db47", "x" * 36):
        assert not is_guid(text)
