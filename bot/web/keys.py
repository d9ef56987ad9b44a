"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.context import Services
from bot.jobs.queues import DeliveryQueue
from bot.settings import Settings
from bot.store.db import Database
from bot.store.deliveries import Recorder
from bot.web.auth import Gate


@dataclass(frozen=True, slots=True)
class Role:
    """What a process does: serve webhooks, the API and the dashboard; work on deliveries; or both."""

    serves: bool
    works: bool


WEB_AND_WORKERS = Role(serves=True, works=True)
WEB_ONLY = Role(serves=True, works=False)
WORKER = Role(serves=False, works=True)

SETTINGS = web.AppKey("settings", Settings)
ROLE = web.AppKey("role", Role)
DATABASE = web.AppKey("database", Database)
RUNNER = web.AppKey("runner", DeliveryQueue)
RECORDER = web.AppKey("recorder", Recorder)
SERVICES = web.AppKey("services", Services)
GATE = web.AppKey("gate", Gate)
