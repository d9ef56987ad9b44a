"""App authentication: a JWT signed with the App's key, exchanged for installation tokens that are cached."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import aiohttp
from cachetools import TLRUCache
from gidgethub import apps

from bot.github.client import GitHubClient

InstallationObserver = Callable[[str, str, str, int, Mapping[str, str]], None]
"""(installation, method, url, status, headers) of every GitHub answer."""

TOKEN_MARGIN = 60.0
"""Installation tokens live an hour; stop using one a minute before it expires."""


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_monotonic: float


class AppAuth:
    """Turns the App's identity into clients: one for the App itself, one per installation (token cached)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        app_id: str,
        private_key: str,
        base_url: str,
        graphql_url: str,
        cache: MutableMapping[Any, Any] | None = None,
        inline_wait: float = 10.0,
        observe: InstallationObserver | None = None,
    ) -> None:
        self.session = session
        self.app_id = app_id
        self.private_key = private_key
        self.base_url = base_url
        self.graphql_url = graphql_url
        self.cache = cache
        self.inline_wait = inline_wait
        self.observe = observe
        self.tokens: TLRUCache[int, _Token] = TLRUCache(maxsize=4096, ttu=_token_expiry)
        self._token_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._write_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    def jwt(self) -> str:
        """A fresh JWT for the App's own endpoints (valid ten minutes)."""
        return apps.get_jwt(app_id=self.app_id, private_key=self.private_key)

    def app_client(self) -> GitHubClient:
        """A client acting as the App (for /app and token endpoints)."""
        return GitHubClient(
            self.session,
            base_url=self.base_url,
            graphql_url=self.graphql_url,
            jwt=self.jwt(),
            inline_wait=self.inline_wait,
            observe=partial(self.observe, "app") if self.observe else None,
        )

    async def installation_token(self, installation_id: int) -> str:
        """A valid token for the installation, fetched only when the cached one is near expiry."""
        cached = self.tokens.get(installation_id)
        if cached is not None:
            return cached.value
        async with self._token_locks[installation_id]:
            cached = self.tokens.get(installation_id)
            if cached is None:
                answer = await self.app_client().post(
                    "/app/installations/{installation_id}/access_tokens",
                    url_vars={"installation_id": str(installation_id)},
                    data={},
                )
                expires_at = datetime.fromisoformat(answer["expires_at"].replace("Z", "+00:00")).timestamp()
                cached = _Token(answer["token"], time.monotonic() + (expires_at - time.time()))
                self.tokens[installation_id] = cached
        return cached.value

    def forget(self, installation_id: int) -> None:
        """Drop a cached token (GitHub said it is no longer valid)."""
        self.tokens.pop(installation_id, None)

    def installation_client(self, installation_id: int) -> GitHubClient:
        """A client for one installation, asking nothing of GitHub until its first request (its token cached for
        every client of the installation); its writes are serialised with every other client of that installation."""
        return GitHubClient(
            self.session,
            base_url=self.base_url,
            graphql_url=self.graphql_url,
            cache=self.cache,
            write_lock=self._write_locks[installation_id],
            inline_wait=self.inline_wait,
            observe=partial(self.observe, str(installation_id)) if self.observe else None,
            installation_token=partial(self.token, installation_id),
        )

    async def token(self, installation_id: int, refused: str | None = None) -> str:
        """The installation's token; given one GitHub refused, another (renewed only if that one is still cached:
        requests refused at once for the same revoked token renew it once between them)."""
        cached = self.tokens.get(installation_id)
        if refused is not None and cached is not None and cached.value == refused:
            self.forget(installation_id)  # not when another request already renewed it
        return await self.installation_token(installation_id)


class GitHubApp:
    """The App as GitHub knows it: the credentials it acts with, and its own account (`slug[bot]`), the author of
    its comments, whose reactions never count (TOASTY_BOT_LOGIN, or asked of GitHub once, when first needed)."""

    def __init__(self, auth: AppAuth, login: str | None = None) -> None:
        self.auth = auth
        self._login = login
        self._asking = asyncio.Lock()

    @property
    def known_login(self) -> str | None:
        """The account, if it is known yet."""
        return self._login

    async def login(self) -> str:
        """The account: GET /app the first time it is needed, never again."""
        if self._login is None:
            async with self._asking:
                if self._login is None:
                    app = await self.auth.app_client().getitem("/app")
                    self._login = f"{app['slug']}[bot]"
        return self._login


def _token_expiry(_key: int, token: _Token, _now: float) -> float:
    return token.expires_monotonic - TOKEN_MARGIN
