"""What the claim page and the explainer share: the Jinja2 templates (autoescaped), the one style
sheet (inlined, allowed by its hash), the page text, the languages and the headers.

Templates get plain text and escape it themselves; the only markup they take ready-made is built
here or by `bot.web.markup`, from escaped parts.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup

from bot.web.languages import load_catalogue, page_text
from cards import SUPPORTED_LOCALES

# The explainer changes only with a new version: a cache may keep it for an hour.
PUBLIC_CACHE = "public, max-age=3600"


@functools.cache
def style_sheet() -> str:
    return files("bot.web").joinpath("static", "pages.css").read_text(encoding="utf-8")


@functools.cache
def content_security_policy() -> str:
    """Nothing loads or runs but the inline style sheet (by its hash); forms post to this site only;
    no frame may show the page."""
    digest = base64.b64encode(hashlib.sha256(style_sheet().encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


def page_headers(locale: str, *, public: bool = False) -> dict[str, str]:
    """A page's headers: its language, what it varies on, what it may load, and who may keep it. A
    contact's page is nobody's to keep or index; the public explainer may be cached and indexed."""
    headers = {
        "Content-Language": locale,
        "Vary": "Accept-Language",
        "Cache-Control": PUBLIC_CACHE if public else "no-store",
        "Content-Security-Policy": content_security_policy(),
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
    if not public:
        headers["X-Robots-Tag"] = "noindex"
    return headers


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,  # every template, whatever its name: all of them are HTML
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **values: Any) -> str:
    return _environment().get_template(template).render(style=Markup(style_sheet()), **values)  # noqa: S704 - our own file


@functools.cache
def claim_page_text(locale: str) -> Mapping[str, str]:
    """The words of the claim page and the explainer that no other catalogue has."""
    return load_catalogue("claim_text", locale)


def languages(path: str, locale: str) -> list[dict[str, Any]]:
    """The switcher: this page (its path keeps the link's token) in each language, named in its own."""
    return [
        {
            "href": f"{path}?lang={other}",
            "locale": other,
            "name": page_text(other)["language_name"],
            "current": other == locale,
        }
        for other in SUPPORTED_LOCALES
    ]


def frame(locale: str, path: str) -> dict[str, Any]:
    """What every page's frame shows: the site's name, the footer's links and the switcher."""
    legal = page_text(locale)
    return {
        "lang": locale,
        "site": legal["service_name"],
        "other_languages": legal["other_languages"],
        "languages": languages(path, locale),
        "footer_links": [
            {"href": f"/cpor?lang={locale}", "text": claim_page_text(locale)["page.explainer_link"]},
            {"href": f"/privacy?lang={locale}", "text": legal["privacy.title"]},
            {"href": f"/terms?lang={locale}", "text": legal["terms.title"]},
        ],
    }
