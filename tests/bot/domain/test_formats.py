"""The formats every part of the service checks the same way."""

from __future__ import annotations

import pytest

from bot.domain.formats import is_email, is_guid


@pytest.mark.parametrize(
    "address",
    ["megan.bowen@fabrikam.example", "o'brien+cpor@fabrikam.co.uk", "josé@fabrikam.example", "a@b.c"],
)
def test_addresses_people_have_are_accepted(address: str) -> None:
    assert is_email(address)


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
