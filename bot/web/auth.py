"""Who is calling the API or the dashboard, and what they may do: one check that every route and page goes through.

API routes take `Authorization: Bearer` tokens only; dashboard pages take the session cookie only (pages never
write: signing in and out are the dashboard's only POSTs, and they need a same-origin form with a CSRF token).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from aiohttp import web

from bot.store import tokens
from bot.store.db import Database
from bot.store.installations import installation_of, installations_by_repository
from bot.store.models import ApiToken
from bot.web.errors import api_error

SESSION_COOKIE = "toasty_session"
CSRF_COOKIE = "toasty_csrf"
SESSION_LIFETIME = timedelta(hours=12)
NAME_PART = r"^[A-Za-z0-9_.-]{1,100}$"
"""An owner or repository name as GitHub allows it; anything else names no repository Toasty could know."""
_NAME_PART = re.compile(NAME_PART.replace("$", r"\Z"), re.ASCII)


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

    def reaches(self, repository: str, installation: int | None) -> bool:
        """Whether the token's repository patterns, and its installations when it is limited to some, include this
        repository (of that installation): the one rule for single repositories and for lists alike."""
        name = repository.lower()
        if not any(fnmatchcase(name, pattern.lower()) for pattern in self.repositories):
            return False
        return not self.installations or installation in self.installations


@dataclass(frozen=True, slots=True)
class Access:
    """An authorised caller, and the repositories among some that it may see."""

    principal: Principal
    gate: Gate

    async def visible(self, repositories: list[str]) -> list[str]:
        """Those of `repositories` this caller reaches, by the same rule `Gate.authorize` checks one by."""
        installs: dict[str, int | None] = {}
        if self.principal.installations and len(repositories) == 1:  # one repository: one indexed lookup
            installs[repositories[0].lower()] = await installation_of(self.gate.database, repositories[0])
        elif self.principal.installations:
            installs.update(await installations_by_repository(self.gate.database))
        return [name for name in repositories if self.principal.reaches(name, installs.get(name.lower()))]


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


@dataclass(frozen=True, slots=True)
class CsrfTokens:
    """CSRF tokens for the dashboard's forms, derived from the session with the deployment's secret."""

    secret: bytes

    def issue(self, session: str) -> str:
        """The token the sign-out form carries for this session (another site cannot read it off the page)."""
        return hmac.new(self.secret, f"csrf:{session}".encode(), hashlib.sha256).hexdigest()

    def matches(self, session: str, presented: str) -> bool:
        """Whether a form's token is this session's."""
        return session.isascii() and presented.isascii() and hmac.compare_digest(self.issue(session), presented)


def same_origin(request: web.Request) -> bool:
    """Whether a browser sent this request from Toasty's own pages: by its Fetch Metadata when it sends them, else by
    its Origin against the host it asked for (behind a proxy, the forwarded host: no form can set that header)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not sent by a browser that could be made to send it elsewhere; the CSRF token still counts
    hosts = {request.host.lower(), request.headers.get("X-Forwarded-Host", "").lower()} - {""}
    try:
        return origin.isascii() and urlsplit(origin).netloc.lower() in hosts
    except ValueError:
        return False


def repository_of(request: web.Request) -> str:
    """`owner/repo` from the route, or a 400 when it cannot name a repository."""
    owner, repo = request.match_info["owner"], request.match_info["repo"]
    if not (_NAME_PART.match(owner) and _NAME_PART.match(repo)):
        raise api_error(400, "bad_parameter", "owner and repo must be GitHub names (letters, digits, . _ -)")
    return f"{owner}/{repo}"


@dataclass
class Gate:
    """Identifies callers and checks what they may do; one per App."""

    database: Database
    csrf: CsrfTokens
    limiter: RateLimiter = field(default_factory=RateLimiter)

    async def authorize(
        self, request: web.Request, operation: str, repository: str | None = None, *, page: bool = False
    ) -> Access:
        """The caller if allowed to perform `operation` (on `repository`): API routes by bearer token, dashboard
        pages (`page`) by session cookie; otherwise a 401 (or the sign-in page), 403, 404 or 429 to raise."""
        principal = await (self._session(request) if page else self._bearer(request))
        if principal is None:
            if page:
                raise web.HTTPSeeOther("/login")
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
        access = Access(principal, self)
        if repository is not None and not await access.visible([repository]):
            if page:
                raise web.HTTPNotFound(text="This token does not cover that repository.")
            raise api_error(403, "forbidden", f"this token does not cover {repository}")
        return access

    async def _bearer(self, request: web.Request) -> Principal | None:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        row = await tokens.verify(self.database, secret.strip())
        return Principal.of(row) if row is not None else None

    async def _session(self, request: web.Request) -> Principal | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        row = await tokens.session_token(self.database, cookie) if cookie else None
        return Principal.of(row) if row is not None else None
