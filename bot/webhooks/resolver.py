"""Resolving a webhook's host, checking every address it resolves to, and pinning the POST to them.

At registration `check_destination` resolves the host once and checks what it gets. Before every
POST the HTTP client resolves it again through `PinningResolver`, which hands the connection only
addresses that passed the checks: the connection goes to an address that was checked, with no
second lookup that an attacker's DNS could answer differently (DNS rebinding). TLS still verifies
the certificate for the host name, which stays the server name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence

from aiohttp.abc import AbstractResolver, ResolveResult

from bot.webhooks.address import (
    IPAddress,
    WebhookUrlError,
    allowed_address,
    host_name,
    is_loopback_name,
    parse_destination,
)

log = logging.getLogger(__name__)

# (host, port) -> the addresses it resolves to, as text. Tests pass their own; the service uses DNS.
Resolve = Callable[[str, int], Awaitable[Sequence[str]]]

RESOLVE_TIMEOUT_SECONDS = 3.0
NO_PUBLIC_ADDRESS = "must name a host that resolves to public addresses only"


class NoPublicAddress(OSError):
    """The host did not resolve, or not only to addresses a webhook may reach. The message, for the
    operator's log, says which; the partner is told less (whether an internal name exists is not
    theirs to learn)."""


async def system_resolve(host: str, port: int) -> list[str]:
    """The host's addresses from the system's resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def checked_addresses(host: str, port: int, *, loopback: bool, resolve: Resolve) -> list[IPAddress]:
    """Every address `host` resolves to, if each may be posted to (see `allowed_address`), else
    NoPublicAddress: one bad address refuses the host, since the client could pick any of them."""
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            answers = await resolve(host, port)
    except TimeoutError:
        raise NoPublicAddress(f"{host}: the resolver did not answer in {RESOLVE_TIMEOUT_SECONDS} s") from None
    except OSError as exc:
        raise NoPublicAddress(f"{host} does not resolve ({exc})") from None
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            address = ipaddress.ip_address(answer)
        except ValueError:
            raise NoPublicAddress(f"{host} resolved to {answer!r}, which is not an address") from None
        if not allowed_address(address, loopback=loopback):
            raise NoPublicAddress(f"{host} resolved to {address}, which it may not reach")
        addresses.append(address)
    if not addresses:
        raise NoPublicAddress(f"{host} resolved to no address")
    return addresses


async def check_destination(url: str, *, allow_loopback: bool, resolve: Resolve | None = None) -> str:
    """The URL if a webhook may point there, else WebhookUrlError with a message for the partner.

    `check_url`'s rules, then the host is resolved and every address checked: public addresses only
    (loopback only for localhost or a loopback address, and only when `allow_loopback`).
    """
    destination = parse_destination(url, allow_loopback=allow_loopback)
    if destination.address is None:
        try:
            await checked_addresses(
                destination.host,
                destination.port,
                loopback=destination.loopback,
                resolve=resolve or system_resolve,
            )
        except NoPublicAddress as exc:
            log.info("webhook URL refused at registration: %s", exc)
            raise WebhookUrlError(NO_PUBLIC_ADDRESS) from None
    return url


class PinningResolver(AbstractResolver):
    """The webhook client's resolver: the host's name checked again, then resolved, and only the
    addresses that passed `checked_addresses` returned (so they are the ones connected to)."""

    def __init__(self, *, allow_loopback: bool, resolve: Resolve | None = None) -> None:
        self._allow_loopback = allow_loopback
        self._resolve = resolve or system_resolve

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            name = host_name(host)
        except WebhookUrlError as exc:
            raise NoPublicAddress(f"{host!r} {exc}") from None
        loopback = is_loopback_name(name)
        if loopback and not self._allow_loopback:
            raise NoPublicAddress(f"{name} is this machine")
        addresses = await checked_addresses(name, port, loopback=loopback, resolve=self._resolve)
        results: list[ResolveResult] = []
        for address in addresses:
            address_family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
            if family in (socket.AF_UNSPEC, address_family):
                results.append(
                    ResolveResult(
                        hostname=host,
                        host=str(address),
                        port=port,
                        family=address_family,
                        proto=0,
                        flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                    )
                )
        if not results:
            raise NoPublicAddress(f"{name} has no address of family {family!r}")
        return results

    async def close(self) -> None:
        """Nothing to release: lookups go through `resolve` each time."""
