"""API tokens: created once (shown once), stored only as a hash, limited to operations and repositories."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from bot.store.db import Database
from bot.store.models import ApiToken, DashboardSession, utcnow

OPERATIONS = ("read", "grade", "feedback", "admin")
"""read: strategies, feedback, analytics; grade: POST /api/grade; feedback: record signals; admin: everything."""
TOKEN_PREFIX = "toasty_"  # noqa: S105  (the public prefix of every token, not a secret)
_TOUCH_EVERY = timedelta(minutes=1)
_SECRET = re.compile(r"[A-Za-z0-9_-]{20,100}", re.ASCII)
"""What a token or session secret looks like (`secrets.token_urlsafe`); anything else is unknown without a lookup."""


def digest(token: str) -> str:
    """The stored form of a token. Tokens carry 256 random bits, so a fast hash cannot be reversed by guessing."""
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(secret: str) -> bool:
    """Whether a presented secret could be one Toasty issued (bytes that are not even ASCII never are)."""
    return _SECRET.fullmatch(secret) is not None


@dataclass(frozen=True, slots=True)
class NewToken:
    """What a token may do."""

    name: str
    operations: tuple[str, ...]
    repositories: tuple[str, ...] = ("*",)
    installations: tuple[int, ...] = ()
    rate_per_minute: int = 120


async def create(database: Database, spec: NewToken) -> tuple[str, ApiToken]:
    """A new token: the secret (to show once) and its stored record."""
    unknown = set(spec.operations) - set(OPERATIONS)
    if unknown or not spec.operations:
        raise ValueError(
            f"operations must be among {', '.join(OPERATIONS)} (got {', '.join(sorted(unknown)) or 'none'})"
        )
    if spec.rate_per_minute < 1:
        raise ValueError(f"the rate must be at least 1 request a minute (got {spec.rate_per_minute})")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=spec.name,
        digest=digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
        operations=",".join(sorted(set(spec.operations))),
        repositories=",".join(spec.repositories) or "*",
        installations=",".join(str(i) for i in spec.installations),
        rate_per_minute=spec.rate_per_minute,
        created_at=utcnow(),
    )
    async with database.session() as session:
        session.add(row)
    return secret, row


async def verify(database: Database, secret: str) -> ApiToken | None:
    """The live token with this secret, or None; notes when it was last used (at most once a minute)."""
    if not secret.startswith(TOKEN_PREFIX) or not well_formed(secret):
        return None
    async with database.session() as session:
        row = await session.scalar(select(ApiToken).where(ApiToken.digest == digest(secret)))
        if row is None or row.revoked_at is not None:
            return None
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
            row.last_used_at = now
        return row


async def listing(database: Database) -> list[ApiToken]:
    """Every token, newest first (secrets are not stored, so none is shown)."""
    async with database.session() as session:
        return list(await session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


async def revoke(database: Database, token_ids: Iterable[int]) -> int:
    """Revoke tokens; returns how many were live."""
    ids = list(token_ids)
    async with database.session() as session:
        result = await session.execute(
            update(ApiToken).where(ApiToken.id.in_(ids), ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def open_session(database: Database, token_id: int, lifetime: timedelta) -> str:
    """A new dashboard session for a token: the cookie's secret (stored only as a hash). Expired ones are dropped."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    async with database.session() as session:
        await session.execute(delete(DashboardSession).where(DashboardSession.expires_at < now))
        session.add(
            DashboardSession(digest=digest(secret), token_id=token_id, created_at=now, expires_at=now + lifetime)
        )
    return secret


async def session_token(database: Database, secret: str) -> ApiToken | None:
    """The live token an unexpired, open session stands for."""
    if not well_formed(secret):
        return None
    async with database.session() as session:
        row = await session.get(DashboardSession, digest(secret))
        if row is None or row.expires_at < utcnow():
            return None
        token = await session.get(ApiToken, row.token_id)
        return token if token is not None and token.revoked_at is None else None


async def close_session(database: Database, secret: str) -> None:
    """End a session (signing out): its cookie stops working on every replica at once."""
    if not well_formed(secret):
        return
    async with database.session() as session:
        await session.execute(delete(DashboardSession).where(DashboardSession.digest == digest(secret)))
