"""Which findings become inline review comments: the budget, the ranking, and the lines GitHub accepts.

The App and the Action share this policy, so the same change gets the same comments from either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.engine.diff import DiffError, right_side_lines
from bot.engine.models import Finding, PullRequestGrade
from bot.engine.scoring import SEVERITY_POINTS
from bot.engine.strategy import Strategy

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CommentTarget:
    """A finding and the line of the diff its comment goes on."""

    finding: Finding
    path: str
    line: int
    on_added_line: bool
    exploring: bool = False
    """An exploration comment: asking about a finding Toasty would otherwise keep quiet about."""


@dataclass(frozen=True, slots=True)
class Commentable:
    """The head-side lines of one file GitHub will accept comments on."""

    added: frozenset[int]
    inside_hunks: frozenset[int]

    @classmethod
    def from_patch(cls, patch: str | None) -> Commentable:
        """From a file's patch (no patch: nothing is commentable, everything becomes an annotation)."""
        if not patch:
            return cls(frozenset(), frozenset())
        try:
            added, inside = right_side_lines(patch)
        except DiffError:
            return cls(frozenset(), frozenset())
        return cls(added, inside)


def expected_value(finding: Finding, strategy: Strategy) -> float:
    """How much a comment on this finding is worth: severity × the rule's learned usefulness."""
    settings = strategy.rules.get(finding.rule)
    usefulness = settings.usefulness if settings is not None else 0.5
    return SEVERITY_POINTS[finding.severity] * usefulness


def choose_comments(
    grade: PullRequestGrade,
    commentable: Mapping[str, Commentable],
    already_commented: Collection[str],
    strategy: Strategy,
    seed: str = "",
) -> list[CommentTarget]:
    """The findings worth an inline comment, best first, within the strategy's budget, plus at most one
    exploration comment in a share of reviews (decided by `seed`, the head commit, so a retry decides alike).

    A rule in doubt (LearnedRule.in_doubt) asks once per review: one comment if it comments, and, for at most one
    quietened rule in doubt, one question. Findings of other quiet rules, findings already commented on in this
    pull request, and findings with no line inside the diff are left to the check run's annotations.
    """
    fresh = [f for f in grade.findings if f.fingerprint not in already_commented]
    ranked = sorted(
        (f for f in fresh if f.delivery == "comment" or (f.delivery == "annotation" and _in_doubt(f.rule, strategy))),
        key=lambda f: (-expected_value(f, strategy), -f.severity.rank, f.path, f.line),
    )
    chosen: list[CommentTarget] = []
    asked: set[str] = set()
    questioned = False
    for finding in ranked:
        if len(chosen) >= strategy.comment_budget:
            break
        quiet = finding.delivery != "comment"
        if finding.rule in asked or (quiet and questioned):
            continue
        target = _target(finding, commentable.get(finding.path))
        if target is None:
            continue
        if _in_doubt(finding.rule, strategy):
            asked.add(finding.rule)
        questioned = questioned or quiet
        chosen.append(CommentTarget(target.finding, target.path, target.line, target.on_added_line, exploring=quiet))
    if _explores(seed, strategy.exploration):
        explored = _exploration([f for f in fresh if f.rule not in asked], commentable, strategy)
        if explored is not None:
            chosen.append(explored)
    return chosen


def _in_doubt(rule: str, strategy: Strategy) -> bool:
    """Whether the votes leave open which side of the comment cut the rule belongs on (LearnedRule.in_doubt)."""
    learned = strategy.learned.get(rule)
    return learned is not None and learned.in_doubt


def _explores(seed: str, rate: float) -> bool:
    """Whether this review may explore: a fixed share of reviews, chosen by hashing the seed."""
    if rate <= 0 or not seed:
        return False
    return int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % 10_000 < rate * 10_000


def _exploration(
    findings: Iterable[Finding], commentable: Mapping[str, Commentable], strategy: Strategy
) -> CommentTarget | None:
    """A finding Toasty would stay quiet about (a probe, or a rule learning quietened), unless the quiet was chosen
    (the repository's config, or someone's `@toasty mute`): a rule in doubt first, so the next vote settles it, then
    the rule the team has not voted on for longest, so each gets asked about in turn and a team that changed its
    mind about a quiet rule gets the chance to say so."""

    def last_heard(finding: Finding) -> datetime:
        learned = strategy.learned.get(finding.rule)
        return learned.last_heard if learned is not None and learned.last_heard is not None else _NEVER

    def chosen_quiet(rule: str) -> bool:
        learned = strategy.learned.get(rule)
        return f"rules.{rule}.delivery" in strategy.pinned or (learned is not None and learned.muted)

    candidates = sorted(
        (f for f in findings if f.delivery in ("probe", "annotation", "silent") and not chosen_quiet(f.rule)),
        key=lambda f: (not _in_doubt(f.rule, strategy), last_heard(f), -f.severity.rank, f.fingerprint),
    )
    for finding in candidates:
        target = _target(finding, commentable.get(finding.path))
        if target is not None:
            return CommentTarget(target.finding, target.path, target.line, target.on_added_line, exploring=True)
    return None


def _target(finding: Finding, lines: Commentable | None) -> CommentTarget | None:
    """The finding's own line if GitHub accepts it, else its first changed line, else any line of it in the diff."""
    if lines is None:
        return None
    span = range(finding.line, finding.end_line + 1)
    if finding.line in lines.inside_hunks:
        return CommentTarget(finding, finding.path, finding.line, finding.line in lines.added)
    first_added = next((line for line in span if line in lines.added), None)
    if first_added is not None:
        return CommentTarget(finding, finding.path, first_added, True)
    first_inside = next((line for line in span if line in lines.inside_hunks), None)
    if first_inside is not None:
        return CommentTarget(finding, finding.path, first_inside, False)
    return None
