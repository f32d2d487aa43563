"""Where a partner webhook may point: the URL's own rules, and which addresses count as public.

String and address checks only (nothing is resolved here). They run when a partner registers a
webhook and again before every POST; `resolver.py` resolves the host and checks each address it gets.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookUrlError(ValueError):
    """A URL the service will not POST customer data to. The message is shown to the partner."""


NOT_PUBLIC = "must not point at a private, loopback, link-local or otherwise non-public address"

# One DNS label: letters, digits and inner hyphens (after IDNA mapping, so internationalised names
# arrive here as xn-- labels).
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# A last label that URL parsers read as a number: the host is then an IPv4 address in some form.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
# Parsers disagree about these (a backslash ends the host for some, not for others).
_AMBIGUOUS = re.compile(r"[\x00-\x20\x7f\\]")
# IDNA 2003 (the standard library) maps these away, IDNA 2008 keeps them: straße.de would become
# strasse.de here and xn--strae-oqa.de in a browser, two different hosts.
_IDNA_DEVIATIONS = frozenset("\u00df\u1e9e\u03c2\u200c\u200d")

_THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the last 32 bits are an IPv4 address
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # a network's own translator: refused outright


@dataclass(frozen=True, slots=True)
class Destination:
    """A webhook URL that passed the string checks, taken apart."""

    scheme: str
    host: str  # ASCII, lower case, no trailing dot: a DNS name, or an address when `address` is set
    port: int
    address: IPAddress | None  # the host, when the URL names an address rather than a DNS name
    loopback: bool  # localhost, *.localhost or a loopback address: allowed only for development
    request_url: str  # rebuilt from the checked parts, so the HTTP client reads the host we checked


def check_url(url: str, *, allow_loopback: bool) -> str:
    """The URL if its text is acceptable for a webhook, else WebhookUrlError (nothing is resolved:
    `resolver.check_destination` also resolves the host and checks its addresses).

    https only, no credentials, no numeric host other than a dotted quad or a bracketed IPv6 address,
    no private or otherwise non-public address literal, and nothing on this machine (loopback,
    over http or https, only when the operator allows it, for local development and tests).
    """
    parse_destination(url, allow_loopback=allow_loopback)
    return url


def parse_destination(url: str, *, allow_loopback: bool) -> Destination:
    """The checked parts of a webhook URL, or WebhookUrlError saying what is wrong with it."""
    if _AMBIGUOUS.search(url):
        raise WebhookUrlError("must not contain spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
        explicit_port = parts.port
    except ValueError:
        raise WebhookUrlError("must be a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlError("must be an https:// URL")
    if "@" in parts.netloc:
        raise WebhookUrlError("must not carry credentials")
    if explicit_port == 0:
        raise WebhookUrlError("must name a port from 1 to 65535")

    address: IPAddress | None
    if parts.netloc.startswith("["):
        try:
            address = ipaddress.IPv6Address(parts.hostname)
        except ValueError:
            raise WebhookUrlError("must write an IPv6 address in full, in brackets") from None
        if address.scope_id is not None:
            raise WebhookUrlError("must not name a network interface")
        host = str(address)
    else:
        host = host_name(parts.hostname)
        address = ipaddress.IPv4Address(host) if _is_dotted_quad(host) else None

    loopback = is_loopback_address(address) if address is not None else is_loopback_name(host)
    if loopback:
        if not allow_loopback:
            raise WebhookUrlError("must not point at this machine")
    elif parts.scheme != "https":
        raise WebhookUrlError("must be an https:// URL")
    elif address is not None and not is_public(address):
        raise WebhookUrlError(NOT_PUBLIC)

    netloc = f"[{host}]" if isinstance(address, ipaddress.IPv6Address) else host
    if explicit_port is not None:
        netloc += f":{explicit_port}"
    request_url = f"{parts.scheme}://{netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    port = explicit_port or (443 if parts.scheme == "https" else 80)
    return Destination(parts.scheme, host, port, address, loopback, request_url)


def host_name(name: str) -> str:
    """A URL's host as DNS will see it: IDNA-mapped to ASCII (full-width letters become plain ones),
    lower case, one trailing dot dropped. Numeric hosts must be dotted quads; names need a dot,
    except localhost and *.localhost. Raises WebhookUrlError for anything else."""
    if not _IDNA_DEVIATIONS.isdisjoint(name):
        raise WebhookUrlError("has a host name that IDNA standards read differently: use its xn-- form")
    try:
        # The standard library's IDNA 2003 codec: nameprep maps compatibility forms (NFKC) and case.
        mapped = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise WebhookUrlError("has a host name that is not valid") from None
    if mapped.endswith("."):
        mapped = mapped[:-1]
    labels = mapped.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        # Hex, octal, a single integer or fewer than four parts all mean an IPv4 address to someone.
        if not _is_dotted_quad(mapped):
            raise WebhookUrlError("must write an IPv4 address as four decimal numbers, like 192.0.2.10")
        return mapped
    if len(mapped) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise WebhookUrlError("has a host name that is not valid")
    if len(labels) < 2 and not is_loopback_name(mapped):
        # A single label is completed from the resolver's search list: some internal name.
        raise WebhookUrlError("must name a fully qualified host, like hooks.example.com")
    return mapped


def is_loopback_name(name: str) -> bool:
    """localhost and every name under it (RFC 6761), given as `host_name` returns them."""
    return name == "localhost" or name.endswith(".localhost")


def is_loopback_address(address: IPAddress) -> bool:
    """127.0.0.0/8 and ::1, also written as IPv4-mapped IPv6 (NAT64 leaves the machine: not loopback)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def is_public(address: IPAddress) -> bool:
    """True for an address on the public internet: globally routable unicast, and for IPv6 forms that
    carry an IPv4 address (mapped, NAT64, 6to4, Teredo) the IPv4 addresses they lead to as well."""
    if isinstance(address, ipaddress.IPv4Address):
        return _is_public_ipv4(address)
    if address.scope_id is not None or address in _NAT64_LOCAL:
        return False
    carried = _as_ipv4(address)
    if carried is not None:  # IPv4-mapped or NAT64: the packet goes to the IPv4 address
        return _is_public_ipv4(carried)
    if address.sixtofour is not None and not _is_public_ipv4(address.sixtofour):
        return False
    if address.teredo is not None and not all(_is_public_ipv4(part) for part in address.teredo):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_site_local
        or address.is_private
    )


def allowed_address(address: IPAddress, *, loopback: bool) -> bool:
    """Whether a resolved address may be posted to: a host on this machine (allowed for development)
    must resolve to loopback addresses only, every other host to public addresses only."""
    return is_loopback_address(address) if loopback else is_public(address)


def _is_public_ipv4(address: ipaddress.IPv4Address) -> bool:
    # `is_global` alone lets multicast through, so each kind is refused by name.
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address in _THIS_NETWORK
        or address in _SHARED
    )


def _as_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped or NAT64), or None."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def _is_dotted_quad(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)  # four decimal parts, no leading zeros
    except ValueError:
        return False
    return True
