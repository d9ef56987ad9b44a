"""What a repository's history says: scores over time, findings per rule, acceptance per rule, thresholds."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from bot.store.db import Database
from bot.store.models import Grading, Repository, StrategySnapshot, TrackedFinding


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One completed grading."""

    pull_number: int
    head_sha: str
    score: float
    grade: str
    findings: int
    comments: int
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class RuleCounts:
    """How often a rule fired on this repository's pull requests, and how often its findings were then fixed."""

    found: int = 0
    fixed: int = 0


@dataclass(frozen=True, slots=True)
class ThresholdPoint:
    """A rule's threshold as of one learned strategy."""

    at: datetime
    threshold: float


@dataclass
class Analytics:
    """Everything the dashboard and GET …/analytics show about one repository."""

    scores: list[ScorePoint] = field(default_factory=list)
    rules: dict[str, RuleCounts] = field(default_factory=dict)
    thresholds: dict[str, list[ThresholdPoint]] = field(default_factory=dict)


async def scores(database: Database, repository: str, limit: int = 200) -> list[ScorePoint]:
    """Completed gradings, oldest first (the latest `limit`)."""
    async with database.session() as session:
        rows = await session.execute(
            select(Grading)
            .where(Grading.repository == repository, Grading.status == "completed", Grading.score.is_not(None))
            .order_by(Grading.finished_at.desc())
            .limit(limit)
        )
        points = [
            ScorePoint(
                g.pull_number,
                g.head_sha,
                float(g.score or 0),
                g.grade or "?",
                g.findings,
                g.comments,
                g.finished_at or g.started_at,
            )
            for (g,) in rows
        ]
    return list(reversed(points))


async def rule_counts(database: Database, repository: str) -> dict[str, RuleCounts]:
    """Per rule: findings on pull requests, and how many a later push fixed."""
    async with database.session() as session:
        rows = await session.execute(
            select(TrackedFinding.rule, TrackedFinding.status, func.count())
            .where(TrackedFinding.repository == repository)
            .group_by(TrackedFinding.rule, TrackedFinding.status)
        )
        found: Counter[str] = Counter()
        fixed: Counter[str] = Counter()
        for rule, status, count in rows:
            found[rule] += count
            if status == "fixed":
                fixed[rule] += count
    return {rule: RuleCounts(found[rule], fixed[rule]) for rule in sorted(found)}


async def thresholds(database: Database, repository: str) -> dict[str, list[ThresholdPoint]]:
    """Each metric rule's threshold across the repository's learned strategies (its history)."""
    async with database.session() as session:
        rows = await session.execute(
            select(StrategySnapshot.computed_at, StrategySnapshot.document)
            .where(StrategySnapshot.repository == repository)
            .order_by(StrategySnapshot.id)
        )
        history: dict[str, list[ThresholdPoint]] = defaultdict(list)
        for computed_at, document in rows:
            for rule, settings in json.loads(document).get("rules", {}).items():
                threshold = settings.get("threshold")
                if threshold is None:
                    continue
                points = history[rule]
                if not points or points[-1].threshold != threshold:
                    points.append(ThresholdPoint(computed_at, float(threshold)))
    return dict(sorted(history.items()))


async def repositories(database: Database) -> list[str]:
    """Repositories Toasty knows: installed ones and any it graded."""
    async with database.session() as session:
        installed = await session.scalars(select(Repository.full_name).where(Repository.active))
        graded = await session.scalars(select(Grading.repository).distinct())
        return sorted(set(installed) | set(graded), key=str.lower)


async def recent_gradings(database: Database, repository: str | None = None, limit: int = 20) -> list[Grading]:
    """The latest gradings, newest first (of one repository, or of all)."""
    query = select(Grading).order_by(Grading.id.desc()).limit(limit)
    if repository is not None:
        query = query.where(Grading.repository == repository)
    async with database.session() as session:
        return list(await session.scalars(query))
