"""A contact's claim page, `/c/{token}`, and the public explainer, `/cpor`."""

from __future__ import annotations

from aiohttp import web


def routes() -> list[web.RouteDef]:
    """GET /c/{token} (and its forms), GET /cpor."""
    return []
