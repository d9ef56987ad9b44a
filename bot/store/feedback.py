"""The feedback log (append-only), the reaction state it is diffed against, poll ETags and strategy snapshots."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.db import Database
from bot.store.installations import installed
from bot.store.models import (
    CommentReaction,
    Feedback,
    Grading,
    PollState,
    ReviewComment,
    StrategySnapshot,
    TrackedFinding,
    utcnow,
)


@dataclass(frozen=True, slots=True)
class NewSignal:
    """A signal to append to the log."""

    repository: str
    rule: str
    actor: str
    association: str
    signal: str
    source: str
    occurred_at: datetime
    pull_number: int | None = None
    fingerprint: str | None = None
    value: float | None = None
    threshold: float | None = None
    path: str | None = None
    content: str | None = None
    comment_id: int | None = None

    @classmethod
    def on_finding(
        cls,
        finding: ReviewComment | TrackedFinding,
        *,
        actor: str,
        association: str,
        signal: str,
        source: str,
        occurred_at: datetime | None = None,
        content: str | None = None,
    ) -> NewSignal:
        """A signal about one finding, carrying its measurement (a reaction, `ignore`, a resolved thread, a fix)."""
        return cls(
            repository=finding.repository,
            pull_number=finding.pull_number,
            fingerprint=finding.fingerprint,
            rule=finding.rule,
            value=finding.value,
            threshold=finding.threshold,
            path=finding.path,
            actor=actor,
            association=association,
            signal=signal,
            source=source,
            occurred_at=occurred_at or utcnow(),
            content=content,
            comment_id=finding.comment_id if isinstance(finding, ReviewComment) else None,
        )

    @classmethod
    def on_rule(
        cls,
        repository: str,
        rule: str,
        *,
        actor: str,
        association: str,
        signal: str,
        source: str,
        pull_number: int | None = None,
        comment_id: int | None = None,
        content: str | None = None,
    ) -> NewSignal:
        """A signal about a rule as a whole, happening now (`mute`, `unmute`, `explain`, a reset)."""
        return cls(
            repository=repository,
            rule=rule,
            actor=actor,
            association=association,
            signal=signal,
            source=source,
            occurred_at=utcnow(),
            pull_number=pull_number,
            comment_id=comment_id,
            content=content,
        )

    @classmethod
    def reset(cls, repository: str, rule: str | None, *, actor: str, source: str) -> NewSignal:
        """Learning starts again from now for one rule or every rule; the log keeps all earlier entries."""
        return cls.on_rule(
            repository, rule or "*", content=rule, actor=actor, association="OWNER", signal="reset", source=source
        )


@dataclass(frozen=True, slots=True)
class ReactionState:
    """A comment's reactions as a poll found them: what the next poll diffs against."""

    comment_id: int
    present: frozenset[tuple[str, str]]
    """(login, content) of every reaction."""
    rollup: str


async def append(database: Database, signals: Iterable[NewSignal], reactions: ReactionState | None = None) -> int:
    """Append signals to the log (never updated, never deleted), with the reaction state they describe the change
    to, in one transaction; returns how many."""
    signals = list(signals)
    if not signals and reactions is None:
        return 0
    async with database.session() as session:
        if reactions is not None:
            await _replace_reactions(session, reactions)
        add_signals(session, signals)
    return len(signals)


def add_signals(session: AsyncSession, signals: Iterable[NewSignal]) -> None:
    """Append signals to the log in a transaction of the caller's (with what they record)."""
    now = utcnow()
    session.add_all(Feedback(**_fields(signal), recorded_at=now) for signal in signals)


async def _replace_reactions(session: AsyncSession, state: ReactionState) -> None:
    await session.execute(delete(CommentReaction).where(CommentReaction.comment_id == state.comment_id))
    session.add_all(CommentReaction(comment_id=state.comment_id, actor=a, content=c) for a, c in state.present)
    comment = await session.scalar(select(ReviewComment).where(ReviewComment.comment_id == state.comment_id))
    if comment is not None:
        comment.rollup = state.rollup


def _fields(signal: NewSignal) -> dict[str, object]:
    return {name: getattr(signal, name) for name in NewSignal.__dataclass_fields__}


LEARNED_COLUMNS = (
    Feedback.id,
    Feedback.repository,
    Feedback.rule,
    Feedback.fingerprint,
    Feedback.value,
    Feedback.actor,
    Feedback.association,
    Feedback.signal,
    Feedback.content,
    Feedback.occurred_at,
)
"""What learning reads of a log entry."""


async def log_page(database: Database, repository: str | None, after: int, limit: int) -> list[Any]:
    """Up to `limit` log entries after entry `after` (one repository's, or everyone's), oldest first, as plain rows
    of LEARNED_COLUMNS: learning folds the log in pages, without building an object per entry."""
    query = select(*LEARNED_COLUMNS).where(Feedback.id > after).order_by(Feedback.id).limit(limit)
    if repository is not None:
        query = query.where(Feedback.repository == repository)
    async with database.session() as session:
        return list(await session.execute(query))


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Filters for reading the log back (CLI and API)."""

    repository: str
    rule: str | None = None
    signal: str | None = None
    actor: str | None = None
    since: datetime | None = None
    limit: int = 100
    offset: int = 0


async def entries(database: Database, query: LogQuery) -> tuple[list[Feedback], int]:
    """A page of the log, newest first, and how many entries match in all."""
    conditions = [Feedback.repository == query.repository]
    if query.rule:
        conditions.append(Feedback.rule == query.rule)
    if query.signal:
        conditions.append(Feedback.signal == query.signal)
    if query.actor:
        conditions.append(Feedback.actor == query.actor)
    if query.since is not None:
        conditions.append(Feedback.occurred_at >= query.since)
    async with database.session() as session:
        total = await session.scalar(select(func.count()).select_from(Feedback).where(*conditions))
        rows = await session.scalars(
            select(Feedback).where(*conditions).order_by(Feedback.id.desc()).limit(query.limit).offset(query.offset)
        )
        return list(rows), int(total or 0)


async def latest_id(database: Database, repository: str | None = None) -> int:
    """The newest log entry's id (0 when empty): a cheap way to know whether anything was learned since."""
    query = select(func.max(Feedback.id))
    if repository is not None:
        query = query.where(Feedback.repository == repository)
    async with database.session() as session:
        return int(await session.scalar(query) or 0)


async def has_signal(database: Database, comment: ReviewComment, comment_id: int, signal: str) -> bool:
    """Whether the log holds this signal about a comment (an `@toasty explain` already answered)."""
    async with database.session() as session:
        found = await session.scalar(
            select(Feedback.id)
            .where(
                Feedback.repository == comment.repository,  # the (repository, rule) index narrows the search
                Feedback.rule == comment.rule,
                Feedback.comment_id == comment_id,
                Feedback.signal == signal,
            )
            .limit(1)
        )
        return found is not None


async def reactions(database: Database, comment_id: int) -> set[tuple[str, str]]:
    """(actor, content) of every reaction on a comment as last polled."""
    async with database.session() as session:
        rows = await session.execute(
            select(CommentReaction.actor, CommentReaction.content).where(CommentReaction.comment_id == comment_id)
        )
        return {(row.actor, row.content) for row in rows}


@dataclass(frozen=True, slots=True)
class PollTarget:
    """A pull request whose Toasty comments are watched for reactions."""

    repository: str
    pull_number: int
    installation_id: int


async def poll_targets(database: Database, since: datetime) -> list[PollTarget]:
    """Pull requests graded since `since` that carry posted Toasty comments."""
    async with database.session() as session:
        rows = await session.execute(
            select(Grading.repository, Grading.pull_number, func.max(Grading.installation_id))
            .join(
                ReviewComment,
                (ReviewComment.repository == Grading.repository) & (ReviewComment.pull_number == Grading.pull_number),
            )
            .where(Grading.started_at >= since, ReviewComment.status == "posted", Grading.installation_id.is_not(None))
            .group_by(Grading.repository, Grading.pull_number)
            .order_by(Grading.repository, Grading.pull_number)
        )
        return [PollTarget(row[0], int(row[1]), int(row[2] or 0)) for row in rows]


async def comments_by_fingerprint(database: Database, repository: str, pull_number: int) -> dict[str, ReviewComment]:
    """Toasty's posted comments on a pull request, by finding fingerprint."""
    async with database.session() as session:
        rows = await session.scalars(
            select(ReviewComment).where(
                ReviewComment.repository == repository,
                ReviewComment.pull_number == pull_number,
                ReviewComment.status == "posted",
            )
        )
        return {row.fingerprint: row for row in rows}


async def set_comment_id(database: Database, comment_row_id: int, comment_id: int) -> None:
    """Remember GitHub's id for a comment Toasty posted (found through its hidden marker)."""
    async with database.session() as session:
        row = await session.get(ReviewComment, comment_row_id)
        if row is not None and row.comment_id is None:
            row.comment_id = comment_id


async def comment_by_id(database: Database, comment_id: int) -> ReviewComment | None:
    """A Toasty comment by GitHub's comment id."""
    async with database.session() as session:
        return await session.scalar(select(ReviewComment).where(ReviewComment.comment_id == comment_id))


async def comment_by_fingerprint(database: Database, repository: str, fingerprint: str) -> ReviewComment | None:
    """A Toasty comment by the fingerprint of its finding (its marker)."""
    async with database.session() as session:
        return await session.scalar(
            select(ReviewComment)
            .where(ReviewComment.repository == repository, ReviewComment.fingerprint == fingerprint)
            .order_by(ReviewComment.id.desc())
            .limit(1)
        )


async def etags(database: Database, repository: str, pull_number: int) -> dict[str, list[Any]]:
    """The ETag and size of each of the pull request's review-comment pages, by page URL."""
    async with database.session() as session:
        row = await session.get(PollState, (repository, pull_number))
        return dict(json.loads(row.etags)) if row is not None else {}


async def save_etags(database: Database, repository: str, pull_number: int, page_etags: dict[str, list[Any]]) -> None:
    """Keep the pages' ETags for the next poll."""
    async with database.session() as session:
        row = await session.get(PollState, (repository, pull_number))
        if row is None:
            session.add(
                PollState(
                    repository=repository, pull_number=pull_number, etags=json.dumps(page_etags), polled_at=utcnow()
                )
            )
        else:
            row.etags, row.polled_at = json.dumps(page_etags), utcnow()


async def latest_snapshot(database: Database, repository: str) -> StrategySnapshot | None:
    """The repository's most recent learned strategy."""
    async with database.session() as session:
        return await session.scalar(
            select(StrategySnapshot)
            .where(StrategySnapshot.repository == repository)
            .order_by(StrategySnapshot.id.desc())
            .limit(1)
        )


async def save_snapshot(database: Database, repository: str, feedback_upto: int, document: str) -> bool:
    """Keep a learned strategy when it differs from the last one (its history is the thresholds' history)."""
    previous = await latest_snapshot(database, repository)
    if previous is not None and previous.document == document:
        return False
    async with database.session() as session:
        session.add(StrategySnapshot(repository=repository, feedback_upto=feedback_upto, document=document))
    return True


async def snapshots(database: Database, repository: str) -> list[StrategySnapshot]:
    """Every learned strategy of a repository, oldest first."""
    async with database.session() as session:
        rows = await session.scalars(
            select(StrategySnapshot).where(StrategySnapshot.repository == repository).order_by(StrategySnapshot.id)
        )
        return list(rows)


async def repositories_with_feedback(database: Database, *, installed_only: bool = False) -> list[str]:
    """Every repository that has a feedback log (only those the App is installed on, when asked)."""
    query = select(Feedback.repository).distinct().order_by(Feedback.repository)
    if installed_only:  # collective priors: nobody sways every tenant's defaults through a repository never installed
        query = query.where(func.lower(Feedback.repository).in_(installed()))
    async with database.session() as session:
        rows = await session.scalars(query)
        return list(rows)
