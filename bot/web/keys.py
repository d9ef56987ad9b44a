"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web

from bot.context import AppContext
from bot.jobs.runner import JobRunner
from bot.settings import Settings
from bot.store.db import Database
from bot.store.deliveries import Recorder
from bot.web.auth import Gate

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
RUNNER = web.AppKey("runner", JobRunner)
RECORDER = web.AppKey("recorder", Recorder)
CONTEXT = web.AppKey("context", AppContext)
GATE = web.AppKey("gate", Gate)
