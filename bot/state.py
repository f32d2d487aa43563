"""Typed keys for what the running application holds."""

from __future__ import annotations

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter

from bot.config import Settings
from bot.delivery import DeliveryWorker
from bot.metrics import Metrics
from bot.store import Store
from bot.teams import CporTeamsBot
from bot.webhooks import WebhookWorker

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
ADAPTER = web.AppKey("adapter", CloudAdapter)
BOT = web.AppKey("bot", CporTeamsBot)
WORKER = web.AppKey("worker", DeliveryWorker)
WEBHOOKS = web.AppKey("webhooks", WebhookWorker)
METRICS = web.AppKey("metrics", Metrics)
