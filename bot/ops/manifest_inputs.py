"""What the Teams app manifest is filled with, and the refusals that keep placeholders out of it.

Each value comes from a command-line flag when one is given, else from its setting (bot.ops.config);
the privacy, terms and website pages fall back to the service's own pages under the public address.
Every value remembers where it came from, so a refusal names the setting or flag to change.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.domain.formats import is_guid
from bot.ops.config import Settings

DEFAULT_VERSION = "0.1.0"
# The schema's limit for developer.name: Teams shows it as the app's publisher.
DEVELOPER_NAME_MAX = 32
ZERO_GUID = "00000000-0000-0000-0000-000000000000"

FLAGS = {
    "bot_id": "--bot-id",
    "developer_name": "--developer-name",
    "public_url": "--public-url",
    "website_url": "--website-url",
    "privacy_url": "--privacy-url",
    "terms_url": "--terms-url",
    "version": "--version",
}
SETTINGS = {
    "bot_id": "MicrosoftAppId",
    "developer_name": "SENDER_NAME",
    "public_url": "PUBLIC_URL",
    "website_url": "WEBSITE_URL",
    "privacy_url": "PRIVACY_URL",
    "terms_url": "TERMS_URL",
}
PAGES = ("website_url", "privacy_url", "terms_url")
# The Settings property that gives each page's default under the public address.
_PAGE_DEFAULTS = {
    "website_url": "website_page_url",
    "privacy_url": "privacy_page_url",
    "terms_url": "terms_page_url",
}

_SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
LEFTOVER = re.compile(r"\$\{[^}]*\}")
# Names that are never a public address (RFC 2606, RFC 6761, mDNS, ICANN's .internal).
_EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
_NON_PUBLIC_TLDS = ("example", "test", "invalid", "localhost", "local", "internal")


class ManifestError(ValueError):
    """The manifest cannot be rendered, or the rendered manifest is not valid."""

    def __init__(self, message: str, problems: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class ManifestRefused(ManifestError):
    """A value the package needs is missing or a placeholder; `problems` name the setting or flag."""


@dataclass(frozen=True, slots=True)
class AppDetails:
    """The values the manifest template is filled with, and where each came from.

    `sources` maps a field to the flag or setting it came from (default: the flag, for callers
    that pass values themselves); a page filled from the public address is marked as derived.
    """

    bot_id: str
    developer_name: str
    public_url: str
    website_url: str = ""
    privacy_url: str = ""
    terms_url: str = ""
    version: str = DEFAULT_VERSION
    sources: Mapping[str, str] = field(default_factory=lambda: dict(FLAGS))
    derived: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Pages not given are the service's own under the public address, as Settings defines them.
        defaults = Settings(public_url=self.public_url.rstrip("/"))
        for page in PAGES:
            if not getattr(self, page) and defaults.public_url:
                object.__setattr__(self, page, getattr(defaults, _PAGE_DEFAULTS[page]))
                object.__setattr__(self, "derived", self.derived | {page})

    def source(self, name: str) -> str:
        return self.sources.get(name, FLAGS[name])

    @property
    def public_host(self) -> str:
        return (urlsplit(self.public_url).hostname or "").rstrip(".")

    def template_values(self) -> dict[str, str]:
        """What each ${NAME} in manifest/manifest.template.json becomes."""
        return {
            "BOT_ID": self.bot_id,
            "DEVELOPER_NAME": self.developer_name,
            "WEBSITE_URL": self.website_url,
            "PRIVACY_URL": self.privacy_url,
            "TERMS_URL": self.terms_url,
            "PUBLIC_HOST": self.public_host,
        }


def details_from(settings: Settings, flags: Mapping[str, str | None]) -> AppDetails:
    """The manifest's values: each flag given wins over its setting; pages default to PUBLIC_URL's."""
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    from_settings = {
        "bot_id": settings.app_id,
        "developer_name": settings.sender_name,
        "public_url": settings.public_url,
        "website_url": settings.website_url,
        "privacy_url": settings.privacy_url,
        "terms_url": settings.terms_url,
    }
    for name, setting_value in from_settings.items():
        flag_value = (flags.get(name) or "").strip()
        values[name] = flag_value or setting_value
        sources[name] = FLAGS[name] if flag_value else SETTINGS[name]
    for page in PAGES:
        if not values[page]:
            sources[page] = sources["public_url"]
    version = (flags.get("version") or "").strip() or DEFAULT_VERSION
    return AppDetails(
        bot_id=values["bot_id"],
        developer_name=" ".join(values["developer_name"].split()),
        public_url=values["public_url"],
        website_url=values["website_url"],
        privacy_url=values["privacy_url"],
        terms_url=values["terms_url"],
        version=version,
        sources=sources,
    )


# --- refusals ---------------------------------------------------------------------------------------


def _how_to_set(details: AppDetails, name: str, what: str) -> str:
    source = details.source(name)
    if source.startswith("--"):
        return f"pass {what} to {source}"
    return f"set {source} to {what}, or pass {FLAGS[name]}"


def host_problem(host: str) -> str | None:
    """Why `host` cannot be a public address of the service, or None."""
    host = host.lower().rstrip(".")
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None:
        return None if ip.is_global else "is a loopback, private or reserved IP address"
    labels = host.split(".")
    if labels[-1] in _NON_PUBLIC_TLDS:
        return f"uses .{labels[-1]}, a name reserved for examples, tests or local networks"
    for domain in _EXAMPLE_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return f"uses {domain}, a domain reserved for examples"
    if len(labels) < 2:
        return "is not a public host name (it has no domain)"
    return None


def url_problem(url: str, *, base_only: bool = False) -> str | None:
    """Why `url` cannot be a public https address (a bare origin if `base_only`), or None."""
    if LEFTOVER.search(url):
        return "holds an unexpanded ${...} placeholder"
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "has spaces or control characters"
    parts = urlsplit(url)
    if parts.scheme.lower() == "http":
        return "is http://; Teams needs https://"
    if parts.scheme.lower() != "https" or not parts.hostname:
        return "is not an https:// address"
    if parts.username is not None:
        return "carries a user name or password"
    if base_only and (parts.path not in ("", "/") or parts.query or parts.fragment):
        return "must be the service's address alone (https://host, no path)"
    reason = host_problem(parts.hostname)
    return f"is not a public address: its host {parts.hostname} {reason}" if reason else None


def _bot_id_problems(details: AppDetails) -> list[str]:
    source, value = details.source("bot_id"), details.bot_id
    how = _how_to_set(details, "bot_id", "the bot's Microsoft App ID (a GUID)")
    if not value:
        return [f"no bot id: {how}"]
    if not is_guid(value):
        return [f"{source}: {value!r} is not a GUID; {how}"]
    if value == ZERO_GUID:
        return [f"{source} is the all-zero placeholder GUID; {how}"]
    return []


def _developer_problems(details: AppDetails) -> list[str]:
    source, value = details.source("developer_name"), details.developer_name
    how = _how_to_set(details, "developer_name", "the name of the organisation that runs the service")
    if not value:
        return [f"no developer name (Teams shows it as the app's publisher): {how}"]
    if LEFTOVER.search(value):
        return [f"{source}: {value!r} holds an unexpanded ${{...}} placeholder; {how}"]
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return [f"{source} has control characters; {how}"]
    if len(value) > DEVELOPER_NAME_MAX:
        return [
            f"{source}: {value!r} is {len(value)} characters; Teams shows at most "
            f"{DEVELOPER_NAME_MAX} as the developer name: pass a shorter name to {FLAGS['developer_name']}"
        ]
    return []


def _address_problems(details: AppDetails) -> list[str]:
    problems: list[str] = []
    public_source = details.source("public_url")
    if not details.public_url:
        how = _how_to_set(details, "public_url", "the service's https:// address")
        problems.append(
            f"no public address (its host is the app's valid domain, and the privacy and terms "
            f"pages default to pages under it): {how}"
        )
    elif reason := url_problem(details.public_url, base_only=True):
        how = _how_to_set(details, "public_url", "the address Teams and customers reach the service at")
        problems.append(f"{public_source}: {details.public_url!r} {reason}; {how}")
    for page in PAGES:
        url = getattr(details, page)
        if page in details.derived or not url:
            continue  # a page under the public address has the public address's problems, named above
        if reason := url_problem(url):
            how = _how_to_set(details, page, "the real page's https:// address")
            problems.append(f"{details.source(page)}: {url!r} {reason}; {how}")
    return problems


def refusals(details: AppDetails) -> list[str]:
    """Why a package must not be built from `details` (each names its setting or flag); empty if none."""
    problems = [*_bot_id_problems(details), *_developer_problems(details), *_address_problems(details)]
    if not _SEMVER.fullmatch(details.version):
        problems.append(
            f"{FLAGS['version']}: {details.version!r} is not MAJOR.MINOR.PATCH "
            "(Teams needs semver, like 0.1.0)"
        )
    return problems
