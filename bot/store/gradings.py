"""Gradings of pull requests, the findings they track across pushes, and the comments Toasty posted."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update

from bot.engine.models import Finding, PullRequestGrade
from bot.store.db import Database
from bot.store.feedback import NewSignal, add_signals
from bot.store.models import Grading, ReviewComment, TrackedFinding, utcnow


@dataclass(frozen=True, slots=True)
class PullKey:
    """A pull request by repository full name and number."""

    repository: str
    number: int


@dataclass(frozen=True, slots=True)
class NewGrading:
    """What a grading records about its pull request when it starts."""

    repository: str
    number: int
    head_sha: str
    base_sha: str
    installation_id: int
    author: str | None = None
    author_association: str | None = None


async def start(database: Database, pull: NewGrading, delivery_id: str) -> Grading:
    """This delivery's grading of this pull request and commit (one delivery can grade several pull requests):
    the one a crash interrupted (its check run is reused) or one completed before its review failed, else new."""
    async with database.session() as session:
        existing = await session.scalar(
            select(Grading)
            .where(
                Grading.delivery_id == delivery_id,
                Grading.repository == pull.repository,
                Grading.pull_number == pull.number,
                Grading.head_sha == pull.head_sha,
            )
            .order_by(Grading.id.desc())
            .limit(1)
        )
        if existing is not None and existing.status in ("in_progress", "completed"):
            return existing
        grading = Grading(
            delivery_id=delivery_id,
            repository=pull.repository,
            pull_number=pull.number,
            head_sha=pull.head_sha,
            base_sha=pull.base_sha,
            installation_id=pull.installation_id,
            author=pull.author,
            author_association=pull.author_association,
            started_at=utcnow(),
        )
        session.add(grading)
        await session.flush()
        return grading


async def unfinished(database: Database, delivery_id: str) -> list[Grading]:
    """The delivery's gradings still in progress (their check runs not completed)."""
    async with database.session() as session:
        rows = await session.scalars(
            select(Grading).where(Grading.delivery_id == delivery_id, Grading.status == "in_progress")
        )
        return list(rows)


async def set_check_run(database: Database, grading_id: int, check_run_id: int) -> None:
    """Remember the check run as soon as it exists, so a retry completes it instead of opening another."""
    async with database.session() as session:
        await session.execute(update(Grading).where(Grading.id == grading_id).values(check_run_id=check_run_id))


async def complete(
    database: Database,
    grading_id: int,
    grade: PullRequestGrade | None,
    conclusion: str,
    error: str | None = None,
    *,
    review: str | None = None,
) -> None:
    """Record how a grading ended: its score and the review it chose (as the grading keeps it: JSON), or the error
    that stopped it."""
    values: dict[str, object] = {
        "status": "completed" if error is None else "failed",
        "conclusion": conclusion,
        "finished_at": utcnow(),
        "error": error,
    }
    if grade is not None:
        values |= {
            "score": grade.score,
            "grade": grade.grade,
            "findings": len(grade.findings),
            "strategy_digest": grade.strategy_digest,
        }
    if review is not None:
        values["review"] = review
    async with database.session() as session:
        await session.execute(update(Grading).where(Grading.id == grading_id).values(**values))


async def set_comment_count(database: Database, grading_id: int, count: int) -> None:
    """How many inline comments the grading's review carried."""
    async with database.session() as session:
        await session.execute(update(Grading).where(Grading.id == grading_id).values(comments=count))


async def track_findings(
    database: Database, pull: PullKey, head_sha: str, findings: Sequence[Finding]
) -> list[TrackedFinding]:
    """Update the pull request's findings for a new head; returns the ones that went away (fixed)."""
    current = {finding.fingerprint: finding for finding in findings}
    fixed = []
    async with database.session() as session:
        rows = {
            row.fingerprint: row
            for row in await session.scalars(
                select(TrackedFinding).where(
                    TrackedFinding.repository == pull.repository, TrackedFinding.pull_number == pull.number
                )
            )
        }
        for fingerprint, finding in current.items():
            row = rows.get(fingerprint)
            if row is None:
                session.add(_tracked(pull, head_sha, finding))
            else:
                row.status, row.last_seen_sha, row.line, row.value = "open", head_sha, finding.line, finding.value
                row.fixed_at = None
        for fingerprint, row in rows.items():
            if fingerprint not in current and row.status == "open":
                row.status, row.fixed_at = "fixed", utcnow()
                fixed.append(row)
    return fixed


def _tracked(pull: PullKey, head_sha: str, finding: Finding) -> TrackedFinding:
    return TrackedFinding(
        repository=pull.repository,
        pull_number=pull.number,
        fingerprint=finding.fingerprint,
        rule=finding.rule,
        path=finding.path,
        line=finding.line,
        severity=finding.severity.value,
        value=finding.value,
        threshold=finding.threshold,
        first_seen_sha=head_sha,
        last_seen_sha=head_sha,
        first_seen_at=utcnow(),
    )


async def commented_fingerprints(database: Database, pull: PullKey) -> set[str]:
    """Findings already commented on (or about to be) in this pull request: never commented again."""
    async with database.session() as session:
        rows = await session.scalars(
            select(ReviewComment.fingerprint).where(
                ReviewComment.repository == pull.repository,
                ReviewComment.pull_number == pull.number,
                ReviewComment.status.in_(("pending", "posted")),
            )
        )
        return set(rows)


class PlacedComment(Protocol):
    """What the store needs of a comment about to be sent (a `bot.commenting.CommentTarget`): its finding, where it
    goes, and whether it asks a question."""

    @property
    def finding(self) -> Finding: ...

    @property
    def path(self) -> str: ...

    @property
    def line(self) -> int: ...

    @property
    def exploring(self) -> bool: ...


async def add_pending(database: Database, pull: PullKey, commit_id: str, comments: Iterable[PlacedComment]) -> None:
    """Write the comments down before sending the review, so a crash in between cannot post them twice."""
    async with database.session() as session:
        for planned in comments:
            existing = await session.scalar(
                select(ReviewComment).where(
                    ReviewComment.repository == pull.repository,
                    ReviewComment.pull_number == pull.number,
                    ReviewComment.fingerprint == planned.finding.fingerprint,
                )
            )
            if existing is None:
                session.add(_comment_row(pull, commit_id, planned))
            elif existing.status == "dropped":
                existing.status, existing.commit_id, existing.line = "pending", commit_id, planned.line
                existing.pending_since = utcnow()


def _comment_row(pull: PullKey, commit_id: str, planned: PlacedComment) -> ReviewComment:
    finding = planned.finding
    return ReviewComment(
        repository=pull.repository,
        pull_number=pull.number,
        fingerprint=finding.fingerprint,
        rule=finding.rule,
        value=finding.value,
        threshold=finding.threshold,
        path=planned.path,
        line=planned.line,
        commit_id=commit_id,
        status="pending",
        probe=planned.exploring,
        created_at=utcnow(),
        pending_since=utcnow(),
    )


async def pending_comments(database: Database, pull: PullKey, commit_id: str) -> list[ReviewComment]:
    """Comments written down for this commit but not confirmed posted (a crash or an unanswered request)."""
    async with database.session() as session:
        rows = await session.scalars(
            select(ReviewComment).where(
                ReviewComment.repository == pull.repository,
                ReviewComment.pull_number == pull.number,
                ReviewComment.commit_id == commit_id,
                ReviewComment.status == "pending",
            )
        )
        return list(rows)


async def settle_comments(
    database: Database,
    pull: PullKey,
    posted: Collection[str],
    dropped: Collection[str],
    *,
    review_id: int | None = None,
    logged_as: Callable[[ReviewComment], NewSignal],
) -> list[NewSignal]:
    """Confirm comments posted (with their review) or dropped (GitHub refused them), and log a signal for each one
    posted, in one transaction: a crash leaves either a pending comment to settle again, or both; returns the
    signals."""
    async with database.session() as session:
        for fingerprints, status in ((posted, "posted"), (dropped, "dropped")):
            if not fingerprints:
                continue
            values: dict[str, object] = {"status": status}
            if review_id is not None and status == "posted":
                values["review_id"] = review_id
            await session.execute(
                update(ReviewComment)
                .where(
                    ReviewComment.repository == pull.repository,
                    ReviewComment.pull_number == pull.number,
                    ReviewComment.fingerprint.in_(list(fingerprints)),
                )
                .values(**values)
            )
        rows = await session.scalars(
            select(ReviewComment)
            .where(
                ReviewComment.repository == pull.repository,
                ReviewComment.pull_number == pull.number,
                ReviewComment.fingerprint.in_(list(posted)),
            )
            .order_by(ReviewComment.fingerprint)
        )
        signals = [logged_as(row) for row in rows] if posted else []
        add_signals(session, signals)
    return signals


async def last_author(database: Database, pull: PullKey) -> tuple[str, str] | None:
    """The pull request's author and their association, as the last grading that knew them recorded."""
    async with database.session() as session:
        row = await session.execute(
            select(Grading.author, Grading.author_association)
            .where(
                Grading.repository == pull.repository,
                Grading.pull_number == pull.number,
                Grading.author.is_not(None),
            )
            .order_by(Grading.id.desc())
            .limit(1)
        )
        found = row.first()
        return (str(found[0]), found[1] or "NONE") if found is not None else None


async def latest_grading(database: Database, pull: PullKey) -> Grading | None:
    """The most recent grading of a pull request."""
    async with database.session() as session:
        return await session.scalar(
            select(Grading)
            .where(Grading.repository == pull.repository, Grading.pull_number == pull.number)
            .order_by(Grading.id.desc())
            .limit(1)
        )
