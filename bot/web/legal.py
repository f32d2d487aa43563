"""The privacy notice and the terms of use, from settings, in the cards' languages."""

from __future__ import annotations

from aiohttp import web


def routes() -> list[web.RouteDef]:
    """GET /privacy and GET /terms."""
    return []
