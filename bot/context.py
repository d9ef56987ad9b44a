"""The App's long-lived dependencies, built once at start and handed to handlers (never module globals)."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field

import aiohttp

from bot.github.auth import AppAuth
from bot.github.client import GitHubClient
from bot.github.trust import Trust
from bot.github.webhooks import Envelope
from bot.learning.service import LearningService
from bot.metrics import Metrics
from bot.settings import Settings
from bot.store.db import Database
from bot.store.pull_locks import PullRequestLocks


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
    learning: LearningService
    pull_locks: PullRequestLocks
    trust: Trust
    metrics: Metrics = field(default_factory=Metrics)
    _bot_login: str | None = None

    async def github(self, installation_id: int) -> GitHubClient:
        """An installation client (its token, asked for at its first request, cached until a minute before it
        expires)."""
        if self.auth is None:
            raise MissingCredentials("GITHUB_APP_ID and GITHUB_PRIVATE_KEY(_PATH) are needed to act on GitHub")
        return self.auth.installation_client(installation_id)

    async def bot_login(self) -> str:
        """The App's own account (`slug[bot]`): its comments are Toasty's, its reactions never count."""
        if self._bot_login is None:
            if self.settings.bot_login:
                self._bot_login = self.settings.bot_login
            else:
                if self.auth is None:
                    raise MissingCredentials("the App's login is unknown without its credentials (or TOASTY_BOT_LOGIN)")
                app = await self.auth.app_client().getitem("/app")
                self._bot_login = f"{app['slug']}[bot]"
            self.learning.ignored_actors = frozenset({self._bot_login})
        return self._bot_login


@dataclass(frozen=True, slots=True)
class Job:
    """The delivery a handler runs for, its shared fields typed, and which attempt this is (a retry checks what an
    earlier one left).

    Whether to try again is not the handler's call: it raises, and the runner's retry policy decides."""

    delivery_id: str
    attempt: int
    envelope: Envelope
