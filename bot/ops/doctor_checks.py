"""`cpor-bot doctor`: what a check reports, and the checks that need nothing but the settings.

Each check is a small function from `Settings` to one `Check`: a status, the check's name and a
message that says what to fix. Messages name settings and show addresses, never a secret.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from bot.ops.config import DEFAULT_MAIL_FROM, Settings
from bot.ops.manifest_inputs import url_problem
from bot.store.status import display_url
from bot.webhooks.address import is_loopback_name, is_public

MESSAGING_PATH = "/api/messages"
# Domains that are never anyone's mail domain (RFC 2606, RFC 6761, RFC 6762 for .local).
_RESERVED_SUFFIXES = (".localhost", ".local", ".example", ".test", ".invalid", ".internal")
_RESERVED_DOMAINS = frozenset(
    {"localhost", "local", "example", "test", "invalid", "example.com", "example.net", "example.org"}
)


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a check's status word, not a password
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    message: str


def registration(settings: Settings) -> Check:
    name = "registration"
    if not settings.app_id:
        return Check(
            name,
            Status.WARN,
            "MicrosoftAppId is not set: Bot Framework authentication is off (local use only)",
        )
    if settings.app_type == "MultiTenant":
        return Check(
            name,
            Status.WARN,
            f"app {settings.app_id} is MultiTenant: this works for a bot registered before 31 July 2025; "
            "new registrations are SingleTenant or UserAssignedMSI (set MicrosoftAppType and "
            "MicrosoftAppTenantId to match the registration)",
        )
    if settings.app_type == "UserAssignedMSI" and not settings.app_tenant_id:
        return Check(
            name,
            Status.FAIL,
            "MicrosoftAppTenantId is required with MicrosoftAppType=UserAssignedMSI: the Bot Framework SDK "
            "does not start without the managed identity's tenant",
        )
    return Check(
        name, Status.PASS, f"app {settings.app_id}, {settings.app_type} in tenant {settings.app_tenant_id}"
    )


def public_host_problem(url: str) -> str | None:
    """Why Teams could not reach `url` from the internet, or None."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "is not https"
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # localhost, an mDNS name or a single label (completed from the local search list).
        if is_loopback_name(host) or host.endswith(".local") or "." not in host:
            return f"names {host!r}, which is not a public host name"
        return None
    if not is_public(address):
        return f"names {host}, a loopback, private or link-local address"
    return None


def endpoint(settings: Settings) -> Check:
    name = "endpoint"
    url = settings.public_url
    if not url:
        if settings.app_id:
            return Check(
                name,
                Status.FAIL,
                "PUBLIC_URL is not set: set it to the bot's public https address (such as "
                f"https://cpor.partner.example) and register PUBLIC_URL{MESSAGING_PATH} as the "
                "messaging endpoint",
            )
        return Check(name, Status.WARN, "PUBLIC_URL is not set (fine for local use only)")
    # The same rules `cpor-bot manifest` applies to the app's valid domain (reserved names included).
    problem = public_host_problem(url) or url_problem(url, base_only=True)
    if problem:
        status = Status.FAIL if settings.app_id else Status.WARN
        return Check(
            name,
            status,
            f"PUBLIC_URL {url} {problem}: Teams and Outlook reach the bot only at a public https address"
            + ("" if settings.app_id else " (fine for local use only)"),
        )
    return Check(name, Status.PASS, f"register the messaging endpoint {url}{MESSAGING_PATH}")


def _reserved_domain(address: str) -> bool:
    domain = address.rpartition("@")[2].lower().rstrip(".")
    # A single label is a name on the local network, not a domain others can check the sender of.
    return domain in _RESERVED_DOMAINS or domain.endswith(_RESERVED_SUFFIXES) or "." not in domain


def email(settings: Settings) -> Check:
    name = "email"
    if not settings.smtp_enabled:
        outbox = Path(os.path.abspath(settings.mail_outbox_dir))
        problem = folder_problem(outbox)
        if problem:  # every email would fail, one delivery after another
            return Check(
                name, Status.FAIL, f"MAIL_OUTBOX_DIR ({outbox}): {problem}, so no email can be written"
            )
        return Check(
            name,
            Status.WARN,
            f"SMTP_HOST is not set: email is written as .eml files to {settings.mail_outbox_dir} "
            "and nobody receives it",
        )
    relay = f"{settings.smtp_host}:{settings.smtp_port}"
    if settings.mail_from == DEFAULT_MAIL_FROM or _reserved_domain(settings.mail_from):
        return Check(
            name,
            Status.FAIL,
            f"MAIL_FROM is {settings.mail_from}, which no mail server accepts as a sender: set MAIL_FROM to "
            "an address of your own domain (with SPF and DKIM)",
        )
    security = "STARTTLS" if settings.smtp_starttls else "no STARTTLS (unencrypted)"
    login = f", AUTH as {settings.smtp_username}" if settings.smtp_username else ""
    return Check(name, Status.PASS, f"from {settings.mail_from} through {relay}, {security}{login}")


def outlook(settings: Settings) -> Check | None:
    """Whether Outlook shows the card; nothing to say when mail goes to files."""
    if not settings.smtp_enabled:
        return None
    if settings.outlook_originator_is_placeholder:
        return Check(
            "outlook",
            Status.WARN,
            "OUTLOOK_ORIGINATOR is the placeholder: Outlook shows no card, only the HTML part; register an "
            "Actionable Messages provider and set OUTLOOK_ORIGINATOR to its id",
        )
    return Check("outlook", Status.PASS, f"Actionable Messages provider {settings.outlook_originator}")


def storage(settings: Settings) -> Check:
    name = "storage"
    shown = display_url(settings.database_url)
    if not settings.database_url.startswith("sqlite:///"):
        return Check(name, Status.PASS, f"{shown}: PostgreSQL, shared by every instance")
    path = settings.sqlite_path()
    if str(path) == ":memory:":
        return Check(name, Status.WARN, f"{shown}: in memory, lost whenever the service stops")
    absolute = Path(os.path.abspath(path))
    problem = sqlite_file_problem(absolute)
    if problem:
        # The service would stop at start (SQLite: "unable to open database file", "attempt to write a
        # readonly database"): a fail, not a warning.
        return Check(name, Status.FAIL, f"{shown} ({absolute}): {problem}")
    return Check(
        name, Status.PASS, f"{shown}: one instance only; keep the file on a persistent volume ({absolute})"
    )


def sqlite_file_problem(path: Path) -> str | None:
    """Why the service could not open, create or write the SQLite database at `path`, or None. In WAL
    mode SQLite writes two files beside the database (-wal, -shm): its folder must be writable too."""
    if path.exists():
        if not path.is_file():
            return "is not a file"
        if not os.access(path, os.R_OK | os.W_OK):
            return "the file is not writable"
        if not os.access(path.parent, os.W_OK | os.X_OK):
            return f"{path.parent} is not writable (SQLite keeps its -wal and -shm files beside the database)"
        return None
    problem = _cannot_create(path)
    return f"cannot create the database: {problem}" if problem else None


def folder_problem(folder: Path) -> str | None:
    """Why files could not be written into `folder` (made if missing), or None."""
    if folder.exists():
        if not folder.is_dir():
            return "is not a folder"
        return None if os.access(folder, os.W_OK | os.X_OK) else "is not writable"
    return _cannot_create(folder / "probe")


def _cannot_create(path: Path) -> str | None:
    """Why a file could not be created at `path`, with the folders it needs, or None."""
    folder = path.parent
    while not folder.exists() and not folder.is_symlink():
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder} is not writable"
    return None


def pages(settings: Settings) -> Check:
    pages = (
        ("PRIVACY_URL", settings.privacy_page_url),
        ("TERMS_URL", settings.terms_page_url),
        ("WEBSITE_URL", settings.website_page_url),
    )
    missing = [variable for variable, url in pages if not url]
    if missing:
        return Check(
            "pages",
            Status.WARN,
            f"{', '.join(missing)} not set (nor PUBLIC_URL): the Teams app package cannot be built "
            "without them",
        )
    # The same rules `cpor-bot manifest` applies: a page Teams links must be a public https address.
    unfit = [f"{variable} {url} {reason}" for variable, url in pages if (reason := url_problem(url))]
    if unfit:
        return Check(
            "pages",
            Status.FAIL if settings.auth_enabled else Status.WARN,
            "; ".join(unfit) + ": the Teams app package cannot link them",
        )
    return Check(
        "pages",
        Status.PASS,
        f"privacy {settings.privacy_page_url}, terms {settings.terms_page_url}, "
        f"website {settings.website_page_url}",
    )


def links(settings: Settings) -> Check:
    """Contacts' web links are signed by LINK_KEYS; without it, by a key file on this machine only."""
    days = f"valid {settings.link_days} days"
    if settings.link_keys:
        count = len(settings.link_keys)
        return Check("links", Status.PASS, f"signed with LINK_KEYS ({count} key{'s' * (count > 1)}), {days}")
    path = Path(settings.link_key_file)
    problem = key_file_problem(path)
    if problem:
        return Check(
            "links",
            Status.FAIL,
            f"LINK_KEYS is not set and LINK_KEY_FILE {path} {problem}: the service cannot sign contacts' "
            "links and does not start. Fix the file, or set LINK_KEYS (openssl rand -hex 32)",
        )
    message = (
        f"LINK_KEYS is not set: contacts' links are signed with the key in {settings.link_key_file}, "
        f"{days}. Every instance needs the same key: set LINK_KEYS (openssl rand -hex 32)"
    )
    return Check(
        "links", Status.WARN, message if settings.auth_enabled else message + " (fine for local use)"
    )


def key_file_problem(path: Path) -> str | None:
    """Why the service could not read the link key kept at `path`, or make one there, or None."""
    if path.is_dir():
        return "is a folder, not a file"
    if not path.exists():
        problem = _cannot_create(path)
        return f"cannot be created: {problem}" if problem else None
    # Checked before it is opened: reading a FIFO would block the doctor (and the service) for ever.
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return "is not a regular file (a FIFO or a device)"
        key = path.read_text(encoding="ascii").strip()
    except UnicodeDecodeError:
        return "does not hold a key (it is not ASCII text)"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    if not key:
        return "is empty: delete it (the service makes a new key at start) or write the key in it"
    return None
