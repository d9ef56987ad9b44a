"""The database tables. Metadata, scores and fingerprints only: source code is never stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """All tables share one metadata with predictable constraint names (for migrations)."""

    metadata = MetaData(naming_convention=NAMING)


class Delivery(Base):
    """A webhook delivery, recorded before it is acknowledged; the job queue of the in-process runner."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """X-GitHub-Delivery: the same on a redelivery, so it keys idempotency."""
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    repository: Mapped[str | None] = mapped_column(String(256))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    """queued, processing, retry, done, failed or ignored."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Attempts started (a claim counts one; a crash mid-attempt leaves it counted)."""
    waits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """How many of those attempts ended waiting out a rate limit: a budget apart from failures."""
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    """The replica working on it; with several replicas, a claim is what keeps work from being done twice."""
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the claim lapses (a crashed replica's work is taken over after this)."""
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    """The JSON body as GitHub sent it: what the job needs to run again after a restart."""

    __table_args__ = (Index("ix_deliveries_state", "state"),)


class Installation(Base):
    """An installation of the App on a user or organisation account."""

    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account: Mapped[str] = mapped_column(String(256))
    account_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    """active, suspended or deleted."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Repository(Base):
    """A repository an installation gives the App access to."""

    __tablename__ = "repositories"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    installation_id: Mapped[int] = mapped_column(BigInteger, index=True)
    full_name: Mapped[str] = mapped_column(String(256), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Grading(Base):
    """One grading of one head commit of a pull request, with its check run and its result."""

    __tablename__ = "gradings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str | None] = mapped_column(String(64), index=True)
    repository: Mapped[str] = mapped_column(String(256))
    pull_number: Mapped[int] = mapped_column(Integer)
    head_sha: Mapped[str] = mapped_column(String(64))
    base_sha: Mapped[str | None] = mapped_column(String(64))
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    author: Mapped[str | None] = mapped_column(String(256))
    author_association: Mapped[str | None] = mapped_column(String(32))
    check_run_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    """in_progress, completed or failed."""
    conclusion: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(1))
    findings: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    strategy_digest: Mapped[str | None] = mapped_column(String(32))
    review: Mapped[str | None] = mapped_column(Text)
    """The review the grading chose (JSON: its comments' findings and lines, never source code), so a retry after
    the review failed posts it without grading again."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_gradings_pull", "repository", "pull_number"),)


class TrackedFinding(Base):
    """A finding on a pull request across pushes: open while it is found, fixed once a push makes it go away."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    repository: Mapped[str] = mapped_column(String(256))
    pull_number: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(80))
    path: Mapped[str] = mapped_column(String(1024))
    line: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="open")
    """open or fixed."""
    first_seen_sha: Mapped[str] = mapped_column(String(64))
    last_seen_sha: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("repository", "pull_number", "fingerprint"),)


class ReviewComment(Base):
    """An inline comment Toasty posted (or is about to post): what learning reads reactions on."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    repository: Mapped[str] = mapped_column(String(256))
    pull_number: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(80))
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    path: Mapped[str] = mapped_column(String(1024))
    line: Mapped[int] = mapped_column(Integer)
    commit_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending (written before the review is sent), posted, or dropped (GitHub refused it)."""
    review_id: Mapped[int | None] = mapped_column(BigInteger)
    comment_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    """GitHub's id of the comment, learned from the pull request's comment list (matched by the hidden marker)."""
    rollup: Mapped[str | None] = mapped_column(String(200))
    """The comment's reaction counts when last polled; reactions are fetched only when this changes."""
    probe: Mapped[bool] = mapped_column(default=False)
    """An exploration comment: Toasty asking whether a rule it would stay quiet about is wanted."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When it was last written down to be sent: GitHub may still be posting it a few seconds later."""

    __table_args__ = (UniqueConstraint("repository", "pull_number", "fingerprint"),)


class Feedback(Base):
    """The append-only feedback log: every signal about a finding or a rule, as it happened. Never updated."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    repository: Mapped[str] = mapped_column(String(256))
    pull_number: Mapped[int | None] = mapped_column(Integer)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(80))
    value: Mapped[float | None] = mapped_column(Float)
    """The finding's measured value (for metric rules): what the team accepted or refused."""
    threshold: Mapped[float | None] = mapped_column(Float)
    path: Mapped[str | None] = mapped_column(String(1024))
    actor: Mapped[str] = mapped_column(String(256))
    association: Mapped[str] = mapped_column(String(32))
    """OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR, NONE or BOT."""
    signal: Mapped[str] = mapped_column(String(32))
    """reaction, reaction_removed, ignore, mute, unmute, resolved, unresolved, fixed, reset, external."""
    content: Mapped[str | None] = mapped_column(String(80))
    """The reaction (+1, -1, heart…), or the rule a reset applies to (rule ids run to 80 characters)."""
    source: Mapped[str] = mapped_column(String(16))
    """poll, webhook, grading, cli or api."""
    comment_id: Mapped[int | None] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_feedback_repository_rule", "repository", "rule"), Index("ix_feedback_rule", "rule"))


class CommentReaction(Base):
    """Reactions currently on a Toasty comment, as last polled: the feedback log records the differences."""

    __tablename__ = "comment_reactions"

    comment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    actor: Mapped[str] = mapped_column(String(256), primary_key=True)
    content: Mapped[str] = mapped_column(String(32), primary_key=True)


class PollState(Base):
    """Per pull request: the ETags of its review-comment pages, so unchanged pages cost a free 304."""

    __tablename__ = "poll_state"

    repository: Mapped[str] = mapped_column(String(256), primary_key=True)
    pull_number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    etags: Mapped[str] = mapped_column(Text, default="{}")
    polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StrategySnapshot(Base):
    """A repository's learned strategy each time it changed: the history of its thresholds."""

    __tablename__ = "strategy_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    repository: Mapped[str] = mapped_column(String(256), index=True)
    feedback_upto: Mapped[int] = mapped_column(Integer)
    """The last feedback log id the strategy was computed from."""
    document: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A token for the REST API and the dashboard: stored as a hash, shown once, limited by scopes."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the token (tokens are long random strings, so a plain hash is enough)."""
    prefix: Mapped[str] = mapped_column(String(16))
    """The first characters, to recognise a token in lists without revealing it."""
    operations: Mapped[str] = mapped_column(String(200))
    """Comma-separated: read, grade, feedback, admin."""
    repositories: Mapped[str] = mapped_column(Text, default="*")
    """Comma-separated OWNER/REPO patterns (`octo/*`, `*`) the token may touch."""
    installations: Mapped[str] = mapped_column(String(400), default="")
    """Comma-separated installation ids the token is limited to (empty: any)."""
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=120)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DashboardSession(Base):
    """A signed-in dashboard browser: the cookie's secret is stored only as a hash; signing out deletes the row."""

    __tablename__ = "dashboard_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the cookie's random secret."""
    token_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CollectivePrior(Base):
    """What teams across the deployment said of one rule: counts and a settled threshold, never code. Computed once
    across replicas on a timer and read by every process."""

    __tablename__ = "collective_priors"

    rule: Mapped[str] = mapped_column(String(80), primary_key=True)
    positive: Mapped[float] = mapped_column(Float)
    negative: Mapped[float] = mapped_column(Float)
    repositories: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
