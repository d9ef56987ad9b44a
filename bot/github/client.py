"""gidgethub over aiohttp, made safe to use at scale: retries, rate limits, serialised writes, ETag caching.

Every request, REST or GraphQL, goes through `_request`, so the policy lives in one place:
- 5xx answers and network errors are retried with exponential backoff, but only for requests that are safe to
  send twice (reads, PATCH/PUT/DELETE, GraphQL queries): a POST that may have reached GitHub raises
  GitHubUnavailable instead, so the caller checks what GitHub has before creating anything again;
- primary and secondary rate limits (403/429 with Retry-After or x-ratelimit-remaining: 0) are waited out in
  place when the wait is short, and otherwise raise RetryLater so the job runner resumes the work later;
- writes of one installation go one at a time (GitHub's secondary limits punish concurrent content creation).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import aiohttp
from gidgethub import sansio
from gidgethub.aiohttp import GitHubAPI

log = logging.getLogger(__name__)

USER_AGENT = "toasty"
MAX_ATTEMPTS = 4
BACKOFF_BASE = 0.5
SECONDARY_LIMIT_WAIT = 60.0
"""GitHub: without Retry-After, wait at least a minute after a secondary rate limit."""
WRITE_METHODS = frozenset(("POST", "PATCH", "PUT", "DELETE"))
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PATCH", "PUT", "DELETE"))
"""Sending these twice leaves GitHub as sending them once (Toasty's PATCHes set a check run's state), except a
PATCH carrying annotations: GitHub appends those to the ones already there."""
ResponseObserver = Callable[[str, str, int, Mapping[str, str]], None]
InstallationToken = Callable[[str | None], Awaitable[str]]
"""An installation's token, asked for at each request (cached by whoever gives it); given the token GitHub refused,
one other than that (requests refused at once renew it once between them)."""


class RetryLater(Exception):
    """GitHub asked us to wait longer than is worth waiting in place; resume the work after `seconds`."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(f"{reason}; retry in {seconds:.0f} s")
        self.seconds = seconds
        self.reason = reason


class GitHubUnavailable(Exception):
    """GitHub kept failing (5xx or network errors) after every retry."""


@dataclass(frozen=True, slots=True)
class ConditionalPage:
    """One page of a conditional GET: unchanged (a 304, free of rate limit) or its data and new ETag."""

    not_modified: bool
    etag: str | None
    data: Any = None


class GitHubClient(GitHubAPI):
    """One installation's (or the App's) view of the GitHub API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        graphql_url: str,
        oauth_token: str | None = None,
        jwt: str | None = None,
        cache: MutableMapping[Any, Any] | None = None,
        write_lock: asyncio.Lock | None = None,
        inline_wait: float = 10.0,
        observe: ResponseObserver | None = None,
        installation_token: InstallationToken | None = None,
    ) -> None:
        super().__init__(session, USER_AGENT, oauth_token=oauth_token, cache=cache, base_url=base_url)
        self.graphql_url = graphql_url
        self._jwt = jwt
        self._installation_token = installation_token
        self._write_lock = write_lock
        self._inline_wait = inline_wait
        self._observe = observe

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        request_headers = dict(headers)
        token = None
        if self._jwt is not None:
            request_headers["authorization"] = f"Bearer {self._jwt}"
        elif self._installation_token is not None:
            token = await self._installation_token(None)
            request_headers["authorization"] = f"token {token}"
        refreshed = False
        repeatable = self._repeatable(method, url, body)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            last = attempt == MAX_ATTEMPTS
            try:
                async with self._serialised(method):
                    status, response_headers, data = await super()._request(method, url, request_headers, body)
            except (aiohttp.ClientError, TimeoutError) as error:
                unsent = isinstance(error, aiohttp.ClientConnectorError)  # never connected: GitHub saw nothing
                if last or not (repeatable or unsent):
                    raise GitHubUnavailable(f"{method} {url}: {type(error).__name__}") from error
                await self._backoff(attempt, f"{type(error).__name__} on {method} {url}")
                continue
            if self._observe is not None:
                self._observe(method, url, status, response_headers)
            if status == 401 and self._installation_token is not None and token is not None and not refreshed:
                # An installation token revoked before its time: fetch a new one and try once more.
                request_headers["authorization"] = f"token {await self._installation_token(token)}"
                refreshed = True
                continue
            if status >= 500:
                if not repeatable:  # GitHub may have done it anyway (large reviews are created, then answer 502)
                    raise GitHubUnavailable(f"{method} {url}: {status}; not sent again, it may have been applied")
                if last:
                    raise GitHubUnavailable(f"{method} {url}: {status} after {MAX_ATTEMPTS} attempts")
                await self._backoff(attempt, f"{status} on {method} {url}")
                continue
            wait = rate_limit_wait(status, response_headers, data)
            if wait is not None:
                if wait <= self._inline_wait and not last:
                    log.warning("rate limited on %s %s; waiting %.1f s", method, url, wait)
                    await asyncio.sleep(wait)
                    continue
                raise RetryLater(wait, f"GitHub rate limit on {method} {url}")
            return status, response_headers, data
        raise AssertionError("unreachable: the last attempt always returns or raises")  # pragma: no cover

    def _repeatable(self, method: str, url: str, body: bytes) -> bool:
        """Whether sending the request again cannot create anything twice: Toasty's GraphQL is queries only, and a
        second installation token is as good as the first."""
        if method == "PATCH" and b'"annotations"' in body:
            return False
        if method == "POST":
            return url == self.graphql_url or url.endswith("/access_tokens")
        return method in IDEMPOTENT_METHODS

    def _serialised(self, method: str) -> AbstractAsyncContextManager[object]:
        if method in WRITE_METHODS and self._write_lock is not None:
            return self._write_lock
        return nullcontext()

    async def _backoff(self, attempt: int, what: str) -> None:
        delay = BACKOFF_BASE * 2 ** (attempt - 1) * (1 + random.random() / 2)  # noqa: S311  (jitter, not crypto)
        log.warning("%s; retrying in %.1f s (attempt %d of %d)", what, delay, attempt, MAX_ATTEMPTS)
        await asyncio.sleep(delay)

    async def get_if_changed(self, url: str, etag: str | None) -> ConditionalPage:
        """GET with If-None-Match: GitHub answers 304 (costing no rate limit) when nothing changed."""
        headers = sansio.create_headers(self.requester, accept=sansio.accept_format(), oauth_token=self.oauth_token)
        if etag:
            headers["if-none-match"] = etag
        full_url = sansio.format_url(url, {}, base_url=self.base_url)
        status, response_headers, body = await self._request("GET", full_url, headers)
        if status == 304:
            return ConditionalPage(True, etag)
        data, _, _ = sansio.decipher_response(status, response_headers, body)
        return ConditionalPage(False, response_headers.get("etag"), data)

    async def query(self, query: str, **variables: Any) -> Any:
        """A GraphQL query against this client's endpoint (api.github.com/graphql or HOST/api/graphql)."""
        return await self.graphql(query, endpoint=self.graphql_url, **variables)


def rate_limit_wait(status: int, headers: Mapping[str, str], body: bytes) -> float | None:
    """Seconds GitHub asks us to wait, or None when the answer is not a rate limit."""
    if status not in (403, 429):
        return None
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return SECONDARY_LIMIT_WAIT
    if headers.get("x-ratelimit-remaining") == "0":
        reset = headers.get("x-ratelimit-reset")
        if reset is not None and reset.isdigit():
            return max(1.0, float(reset) - time.time() + 1)
        return SECONDARY_LIMIT_WAIT
    if status == 429 or b"rate limit" in _message(body).lower():
        return SECONDARY_LIMIT_WAIT
    return None


def _message(body: bytes) -> bytes:
    try:
        message = json.loads(body).get("message", "")
    except (ValueError, AttributeError):
        return b""
    return str(message).encode()
