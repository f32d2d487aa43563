"""HTML for the service's pages, built from escaped parts: `Html` is text that is safe to put in a
page as it is, and the only way to make it from other text is to escape it.

A page is one document with one inline style sheet (allowed by its hash in the
Content-Security-Policy), no scripts, no images, and semantic elements that read well without CSS.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
from collections.abc import Iterable
from typing import NewType
from urllib.parse import quote, urlsplit

from bot.domain.formats import is_email

Html = NewType("Html", str)

STYLE = (
    ":root{color-scheme:light dark}"
    'body{font:1rem/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;'
    "max-width:42rem;padding:1.25rem 1rem 3rem;overflow-wrap:break-word}"
    "h1{font-size:1.6rem;line-height:1.25}"
    "h2{font-size:1.15rem;margin-top:1.75rem}"
    "li{margin:.3rem 0}"
    "footer{border-top:1px solid #8886;margin-top:2.5rem;font-size:.95rem}"
    "nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}"
)


@functools.cache
def style_source() -> str:
    """The Content-Security-Policy source that allows STYLE, and no other inline style."""
    digest = hashlib.sha256(STYLE.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy() -> str:
    """Nothing may load or run but the page's own style sheet; no frame may show the page."""
    return (
        f"default-src 'none'; style-src {style_source()}; img-src 'none'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def text(value: str) -> Html:
    """Text as element content: <, > and & escaped."""
    return Html(html.escape(value, quote=False))


def attribute(value: str) -> Html:
    """Text as a quoted attribute value: quotes escaped too."""
    return Html(html.escape(value, quote=True))


def fill(template: str, **values: Html) -> Html:
    """A catalogue sentence, escaped, with its {placeholders} filled by HTML built here."""
    return Html(text(template).format_map(values))


def link(href: str, label: str, *, lang: str | None = None) -> Html:
    """An <a> element; `lang` and `hreflang` when it leads to a page in another language."""
    languages = f' hreflang="{attribute(lang)}" lang="{attribute(lang)}"' if lang else ""
    return Html(f'<a href="{attribute(href)}"{languages}>{text(label)}</a>')


def contact_href(contact: str) -> str | None:
    """Where a contact link may lead: mailto: for an email address, the address itself for an
    https:// page; None for anything else (no javascript:, data: or plain http:)."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in contact):
        return None
    if is_email(contact, dotless_domain=True):
        return "mailto:" + quote(contact, safe="@")
    parts = urlsplit(contact)
    if parts.scheme == "https" and parts.hostname and not parts.username:
        return contact
    return None


def joined(blocks: Iterable[Html]) -> Html:
    """Blocks one after the other, a line each."""
    return Html("\n".join(blocks))


def paragraph(content: Html) -> Html:
    return Html(f"<p>{content}</p>")


def bullet_list(items: Iterable[Html]) -> Html:
    return Html("<ul>\n" + "\n".join(f"<li>{item}</li>" for item in items) + "\n</ul>")


def section(heading: str, *blocks: Html) -> Html:
    return Html(f"<section>\n<h2>{text(heading)}</h2>\n" + "\n".join(blocks) + "\n</section>")


def document(*, lang: str, title: str, site: str, main: Html, footer: Html) -> str:
    """A whole page: `title` as its heading and in the tab with the `site` name."""
    return (
        "<!doctype html>\n"
        f'<html lang="{attribute(lang)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{text(title)} · {text(site)}</title>\n"
        f"<style>{STYLE}</style>\n"
        "</head>\n"
        "<body>\n"
        f"<main>\n<h1>{text(title)}</h1>\n{main}\n</main>\n"
        f"<footer>\n{footer}\n</footer>\n"
        "</body>\n"
        "</html>\n"
    )
