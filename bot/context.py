"""The App's long-lived dependencies, built once at start and handed to handlers (never module globals)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from cachetools import LRUCache

from bot.github.auth import AppAuth
from bot.github.client import GitHubClient
from bot.settings import Settings
from bot.store.db import Database

ETAG_CACHE_SIZE = 2048


class MissingCredentials(RuntimeError):
    """The App was started without GITHUB_APP_ID and a private key, so it cannot act on GitHub."""


@dataclass
class AppContext:
    """Settings, database, GitHub access and the analysis pool: what every job needs."""

    settings: Settings
    database: Database
    session: aiohttp.ClientSession
    auth: AppAuth | None
    pool: Executor
    etag_cache: LRUCache[Any, Any] = field(default_factory=lambda: LRUCache(ETAG_CACHE_SIZE))
    pull_locks: defaultdict[tuple[str, int], asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))

    async def github(self, installation_id: int) -> GitHubClient:
        """An installation client (its token cached until a minute before it expires)."""
        if self.auth is None:
            raise MissingCredentials("GITHUB_APP_ID and GITHUB_PRIVATE_KEY(_PATH) are needed to act on GitHub")
        return await self.auth.installation_client(installation_id)


@dataclass(frozen=True, slots=True)
class Job:
    """The delivery a handler runs for, and whether this is its last attempt."""

    delivery_id: str
    attempt: int
    final: bool
