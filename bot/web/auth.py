"""Who is calling the API or the dashboard, and what they may do: tokens, scopes, sessions, rate limits."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from aiohttp import web

from bot.store import tokens
from bot.store.db import Database
from bot.store.installations import installation_of
from bot.store.models import ApiToken

SESSION_COOKIE = "toasty_session"
SESSION_HOURS = 12


@dataclass(frozen=True, slots=True)
class Principal:
    """A caller identified by a token: the operations and repositories it covers."""

    token_id: int
    name: str
    operations: frozenset[str]
    repositories: tuple[str, ...]
    installations: frozenset[int]
    rate_per_minute: int

    @classmethod
    def of(cls, row: ApiToken) -> Principal:
        return cls(
            token_id=row.id,
            name=row.name,
            operations=frozenset(filter(None, row.operations.split(","))),
            repositories=tuple(filter(None, row.repositories.split(","))) or ("*",),
            installations=frozenset(int(i) for i in row.installations.split(",") if i),
            rate_per_minute=row.rate_per_minute,
        )

    def may(self, operation: str) -> bool:
        """Whether the token allows an operation (admin allows all)."""
        return "admin" in self.operations or operation in self.operations

    def covers(self, repository: str) -> bool:
        """Whether the token's repository patterns include this repository."""
        name = repository.lower()
        return any(fnmatchcase(name, pattern.lower()) for pattern in self.repositories)


@dataclass
class RateLimiter:
    """A token bucket per API token (per replica): a burst of a minute's allowance, refilled steadily."""

    buckets: dict[int, tuple[float, float]] = field(default_factory=dict)

    def wait(self, principal: Principal, now: float | None = None) -> float:
        """Seconds to wait before this request is allowed (0 when it may go now; the request is counted)."""
        now = time.monotonic() if now is None else now
        capacity = float(principal.rate_per_minute)
        level, last = self.buckets.get(principal.token_id, (capacity, now))
        level = min(capacity, level + (now - last) * capacity / 60)
        if level < 1:
            self.buckets[principal.token_id] = (level, now)
            return (1 - level) * 60 / capacity
        self.buckets[principal.token_id] = (level - 1, now)
        return 0.0


def api_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.HTTPException:
    """An HTTP error with a JSON body that says what is wrong."""
    classes: dict[int, type[web.HTTPException]] = {
        400: web.HTTPBadRequest,
        401: web.HTTPUnauthorized,
        403: web.HTTPForbidden,
        404: web.HTTPNotFound,
        413: web.HTTPRequestEntityTooLarge,
        422: web.HTTPUnprocessableEntity,
        429: web.HTTPTooManyRequests,
    }
    body = json.dumps({"error": {"code": code, "message": message}})
    if status == 413:
        return web.HTTPRequestEntityTooLarge(max_size=0, actual_size=0, text=body, content_type="application/json")
    return classes[status](text=body, content_type="application/json", headers=headers)


@dataclass(frozen=True, slots=True)
class Sessions:
    """Signed session cookies for the dashboard: `v1.<token id>.<expiry>.<signature>`."""

    secret: bytes

    def issue(self, token_id: int, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + SESSION_HOURS * 3600)
        payload = f"v1.{token_id}.{expires}"
        return f"{payload}.{self._sign(payload)}"

    def token_id(self, cookie: str | None, now: float | None = None) -> int | None:
        """The token a valid, unexpired cookie stands for."""
        if not cookie:
            return None
        parts = cookie.split(".")
        if len(parts) != 4 or parts[0] != "v1" or not parts[1].isdigit() or not parts[2].isdigit():
            return None
        payload = ".".join(parts[:3])
        if not hmac.compare_digest(self._sign(payload), parts[3]):
            return None
        if int(parts[2]) < (time.time() if now is None else now):
            return None
        return int(parts[1])

    def _sign(self, payload: str) -> str:
        return hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()


@dataclass
class Gate:
    """Identifies callers and checks what they may do; one per App."""

    database: Database
    sessions: Sessions
    limiter: RateLimiter = field(default_factory=RateLimiter)

    async def identify(self, request: web.Request) -> Principal | None:
        """The caller: an `Authorization: Bearer` token, or the dashboard's session cookie."""
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return None
            row = await tokens.verify(self.database, secret.strip())
            return Principal.of(row) if row is not None else None
        token_id = self.sessions.token_id(request.cookies.get(SESSION_COOKIE))
        if token_id is None:
            return None
        row = await tokens.by_id(self.database, token_id)
        return Principal.of(row) if row is not None else None

    async def authorize(self, request: web.Request, operation: str, repository: str | None = None) -> Principal:
        """The caller if allowed to perform `operation` (on `repository`); otherwise a 401, 403 or 429 to raise."""
        principal = await self.identify(request)
        if principal is None:
            raise api_error(
                401, "unauthenticated", "send `Authorization: Bearer <token>` (create one with `toasty token create`)"
            )
        wait = self.limiter.wait(principal)
        if wait > 0:
            limit = f"token #{principal.token_id} is over {principal.rate_per_minute} requests a minute"
            raise api_error(429, "rate_limited", limit, headers={"Retry-After": str(max(1, round(wait + 0.5)))})
        if not principal.may(operation):
            scopes = ", ".join(sorted(principal.operations))
            raise api_error(403, "forbidden", f"this token may not '{operation}' (its scopes: {scopes})")
        if repository is not None:
            await self.check_repository(principal, repository)
        return principal

    async def check_repository(self, principal: Principal, repository: str) -> None:
        """403 unless the token's repositories (and installations, when limited) include this one."""
        if not principal.covers(repository):
            raise api_error(403, "forbidden", f"this token does not cover {repository}")
        if principal.installations:
            installation = await installation_of(self.database, repository)
            if installation not in principal.installations:
                raise api_error(403, "forbidden", f"{repository} is not in this token's installations")
