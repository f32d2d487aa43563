"""The privacy notice and the terms of use, from settings, in the cards' languages.

GET (and HEAD) /privacy and /terms: the pages the Teams app manifest links by default
(`Settings.privacy_page_url`, `terms_page_url`). `?lang=de` picks a language, else Accept-Language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.ops.state import SETTINGS
from bot.web.languages import choose_page_locale
from bot.web.legal_pages import PRIVACY_PATH, TERMS_PATH, PageRenderer, privacy_page, terms_page
from bot.web.markup import content_security_policy

# The text changes only with the settings, that is with a restart.
CACHE_CONTROL = "public, max-age=3600"


def page_headers(locale: str) -> dict[str, str]:
    """The headers of a page in `locale`: its language, what it varies on, and what it may load."""
    return {
        "Content-Language": locale,
        "Vary": "Accept-Language",
        "Cache-Control": CACHE_CONTROL,
        "Content-Security-Policy": content_security_policy(),
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }


def _handler(render: PageRenderer) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def page(request: web.Request) -> web.Response:
        locale = choose_page_locale(request.query.get("lang"), request.headers.get("Accept-Language"))
        body = render(request.app[SETTINGS], locale)
        return web.Response(
            text=body, content_type="text/html", charset="utf-8", headers=page_headers(locale)
        )

    return page


def routes() -> list[web.RouteDef]:
    """GET /privacy and GET /terms (HEAD too)."""
    return [
        web.get(PRIVACY_PATH, _handler(privacy_page), name="privacy"),
        web.get(TERMS_PATH, _handler(terms_page), name="terms"),
    ]
