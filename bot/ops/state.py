"""Typed keys for what the running application holds (the Teams adapter and handler keys live
in app.py, so that nothing here imports the Bot Framework SDK)."""

from __future__ import annotations

from aiohttp import web

from bot.actions import Actions
from bot.delivery.worker import DeliveryWorker
from bot.ops.config import Settings
from bot.ops.metrics import Metrics
from bot.store import Store
from bot.webhooks.worker import WebhookWorker

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
WORKER = web.AppKey("worker", DeliveryWorker)
WEBHOOKS = web.AppKey("webhooks", WebhookWorker)
METRICS = web.AppKey("metrics", Metrics)
ACTIONS = web.AppKey("actions", Actions)
