"""Where a webhook may point, at registration: the URL's text (`check_url`), which addresses are
public, and the registration check that also resolves the name (`check_destination`)."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from bot.webhooks import resolver
from bot.webhooks.address import WebhookUrlError, check_url, is_public, parse_destination
from bot.webhooks.resolver import NO_PUBLIC_ADDRESS, check_destination
from tests.bot.webhooks.support import PUBLIC, ScriptedDns

# Each was accepted before, or is a variant of one that was: all point at this machine, the cloud's
# metadata service (169.254.169.254) or another non-public network.
REFUSED_BY_TEXT = [
    "https://ｌｏｃａｌｈｏｓｔ:8443/hook",  # full-width letters, IDNA-mapped to localhost
    "https://ＬＯＣＡＬＨＯＳＴ:8443/hook",
    "https://0x7f000001:8443/hook",  # 127.0.0.1 in hex
    "https://2852039166/hook",  # 169.254.169.254 as one integer
    "https://0xa9fea9fe/hook",  # 169.254.169.254 in hex
    "https://0251.0376.0251.0376/hook",  # 169.254.169.254 in octal
    "https://0177.0.0.1:8443/hook",
    "https://127.1:8443/hook",  # fewer than four parts
    "https://169.254.43518/hook",
    "https://localhost./hook",  # a trailing dot
    "https://localhost:8443/hook",
    "https://api.localhost/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/hook",
    "https://192.168.1.10/hook",
    "https://0.0.0.0:8443/hook",  # reaches this machine on Linux
    "https://0.1.2.3/hook",
    "https://224.0.0.251/hook",  # multicast: `is_global` alone lets it through
    "https://255.255.255.255/hook",
    "https://[::1]:8443/hook",
    "https://[::]:8443/hook",
    "https://[::ffff:127.0.0.1]:8443/hook",  # IPv4-mapped: the embedded address counts
    "https://[::ffff:169.254.169.254]/hook",
    "https://[64:ff9b::169.254.169.254]/hook",  # NAT64 to the metadata service
    "https://[64:ff9b:1::808:808]/hook",  # a network's own NAT64: refused outright
    "https://[2002:a9fe:a9fe::1]/hook",  # 6to4 around 169.254.169.254
    "https://[fe80::1]/hook",
    "https://[fe80::1%25eth0]/hook",
    "https://[fc00::1]/hook",
    "https://[fec0::1]/hook",  # site-local
    "https://[ff0e::1]/hook",  # global-scope multicast
    "https://metadata/computeMetadata/v1/",  # a single label is completed from the search list
    "https://%6cocalhost/hook",  # percent-encoding in the host
    "https://hooks.partner.example\\@127.0.0.1/hook",  # parsers disagree on the backslash
    "https://hooks.partner.example @127.0.0.1/hook",
    "https://user:pw@hooks.partner.example/hook",
    "https://@hooks.partner.example/hook",
    "http://hooks.partner.example/hook",
    "ftp://hooks.partner.example/hook",
    "https://hooks.partner.example:0/hook",
    "https://hooks.partner.example:99999/hook",
    "https://hooks..partner.example/hook",
    "https://hooks_1.partner.example/hook",
    "https://straße.example/hook",  # strasse.example to IDNA 2003, xn--strae-oqa.example to IDNA 2008
    "https://hooks\u200d.partner.example/hook",
    "https:///hook",
    "not a url",
]

ACCEPTED = [
    ("https://hooks.partner.example/cpor", "https://hooks.partner.example/cpor"),
    ("https://hooks.partner.example:8443/cpor?v=1#top", "https://hooks.partner.example:8443/cpor?v=1"),
    ("https://HOOKS.Partner.Example./cpor", "https://hooks.partner.example/cpor"),
    ("https://ｈｏｏｋｓ.partner.example/cpor", "https://hooks.partner.example/cpor"),
    ("https://bücher.example/cpor", "https://xn--bcher-kva.example/cpor"),
    ("https://93.184.215.14/cpor", "https://93.184.215.14/cpor"),
    ("https://[2606:4700:4700::1111]:8443/cpor", "https://[2606:4700:4700::1111]:8443/cpor"),
    ("https://[64:ff9b::93.184.215.14]/cpor", "https://[64:ff9b::5db8:d70e]/cpor"),
]


@pytest.mark.parametrize("url", REFUSED_BY_TEXT)
def test_refused_urls(url: str) -> None:
    with pytest.raises(WebhookUrlError):
        check_url(url, allow_loopback=False)


@pytest.mark.parametrize(("url", "request_url"), ACCEPTED)
def test_accepted_urls_are_posted_to_as_checked(url: str, request_url: str) -> None:
    assert check_url(url, allow_loopback=False) == url
    # What the HTTP client is given: ASCII host, no trailing dot, no fragment, nothing left to reparse.
    assert parse_destination(url, allow_loopback=False).request_url == request_url


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/x", "http://localhost:8080/x", "https://localhost./x", "http://[::1]:8080/x"],
)
def test_loopback_only_when_allowed_over_http_or_https(url: str) -> None:
    assert check_url(url, allow_loopback=True) == url
    with pytest.raises(WebhookUrlError, match="this machine"):
        check_url(url, allow_loopback=False)


def test_allowing_loopback_allows_nothing_else() -> None:
    for url in ("http://hooks.partner.example/x", "https://10.0.0.5/x", "https://0x7f000001/x"):
        with pytest.raises(WebhookUrlError):
            check_url(url, allow_loopback=True)


def test_the_messages_say_what_is_wrong() -> None:
    def message(url: str) -> str:
        with pytest.raises(WebhookUrlError) as refused:
            check_url(url, allow_loopback=False)
        return str(refused.value)

    assert (
        message("https://2852039166/")
        == "must write an IPv4 address as four decimal numbers, like 192.0.2.10"
    )
    assert message("https://ｌｏｃａｌｈｏｓｔ/") == "must not point at this machine"
    assert message("https://100.64.0.1/") == (
        "must not point at a private, loopback, link-local or otherwise non-public address"
    )
    assert message("https://u:p@hooks.partner.example/") == "must not carry credentials"
    assert message("http://hooks.partner.example/") == "must be an https:// URL"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:93.184.215.14", True),  # the embedded address decides
        ("64:ff9b::93.184.215.14", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("100.127.255.254", False),
        ("0.0.0.0", False),
        ("0.255.255.255", False),
        ("169.254.169.254", False),
        ("192.0.2.10", False),  # documentation
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("::", False),
        ("::1", False),
        ("::127.0.0.1", False),  # IPv4-compatible (deprecated)
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::10.0.0.1", False),
        ("64:ff9b:1::5db8:d70e", False),
        ("2002:c0a8:0101::1", False),  # 6to4 around 192.168.1.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("fd00::1", False),
        ("fe80::1", False),
        ("fec0::1", False),
        ("ff02::1", False),
        ("ff0e::1", False),
        ("2001:db8::1", False),  # documentation
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


# --- registration: the name is resolved and every address checked ---------------------------------


@pytest.mark.parametrize("url", REFUSED_BY_TEXT)
async def test_registration_refuses_what_the_text_rules_refuse(url: str) -> None:
    dns = ScriptedDns({})
    with pytest.raises(WebhookUrlError):
        await check_destination(url, allow_loopback=False, resolve=dns)


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["169.254.169.254"],
        ["10.0.0.7"],
        ["100.64.0.1"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["64:ff9b::a9fe:a9fe"],
        ["fe80::1%eth0"],
        [PUBLIC, "169.254.169.254"],  # one bad address is enough: the client could pick it
        ["2606:4700:4700::1111", "fd00::1"],
        [],
        ["not-an-address"],
    ],
)
async def test_registration_refuses_names_that_resolve_to_anything_not_public(answers: list[str]) -> None:
    dns = ScriptedDns({"hooks.partner.example": [answers]})
    with pytest.raises(WebhookUrlError) as refused:
        await check_destination("https://hooks.partner.example/cpor", allow_loopback=False, resolve=dns)
    assert str(refused.value) == NO_PUBLIC_ADDRESS  # which address, and whether it resolved, stay in our log
    assert dns.asked == ["hooks.partner.example"]


async def test_registration_refuses_names_that_do_not_resolve_or_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(WebhookUrlError, match="public addresses only"):
        await check_destination(
            "https://nowhere.partner.example/", allow_loopback=False, resolve=ScriptedDns({})
        )

    async def hanging(host: str, port: int) -> list[str]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    monkeypatch.setattr(resolver, "RESOLVE_TIMEOUT_SECONDS", 0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(WebhookUrlError, match="public addresses only"):
        await check_destination("https://slow.partner.example/", allow_loopback=False, resolve=hanging)
    assert loop.time() - started < 0.2 + 1.0  # the resolver's timeout, with room


async def test_registration_accepts_a_public_name_and_resolves_the_mapped_name() -> None:
    dns = ScriptedDns({"hooks.partner.example": [[PUBLIC, "2606:4700:4700::1111"]]})
    url = "https://ｈｏｏｋｓ.Partner.example.:8443/cpor"
    assert await check_destination(url, allow_loopback=False, resolve=dns) == url
    assert dns.asked == ["hooks.partner.example"]


async def test_registration_allows_loopback_only_for_loopback_hosts_when_allowed() -> None:
    dns = ScriptedDns({"localhost": [["127.0.0.1", "::1"]], "hooks.partner.example": [["127.0.0.1"]]})
    url = "http://localhost:8080/hook"
    assert await check_destination(url, allow_loopback=True, resolve=dns) == url
    with pytest.raises(WebhookUrlError):
        await check_destination(url, allow_loopback=False, resolve=dns)
    # A public name that resolves to this machine is refused even in development.
    with pytest.raises(WebhookUrlError):
        await check_destination("https://hooks.partner.example/", allow_loopback=True, resolve=dns)
    # And localhost must resolve to loopback addresses only.
    odd = ScriptedDns({"localhost": [["127.0.0.1", "10.0.0.7"]]})
    with pytest.raises(WebhookUrlError):
        await check_destination(url, allow_loopback=True, resolve=odd)


async def test_address_literals_are_not_resolved() -> None:
    dns = ScriptedDns({})
    assert await check_destination("https://93.184.215.14/x", allow_loopback=False, resolve=dns)
    assert await check_destination("http://127.0.0.1:8080/x", allow_loopback=True, resolve=dns)
    assert dns.asked == []
