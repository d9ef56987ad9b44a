"""Which findings become inline review comments: the budget, the ranking, and the lines GitHub accepts.

The App and the Action share this policy, so the same change gets the same comments from either.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from bot.engine.diff import DiffError, right_side_lines
from bot.engine.models import Finding, PullRequestGrade
from bot.engine.scoring import SEVERITY_POINTS
from bot.engine.strategy import Strategy


@dataclass(frozen=True, slots=True)
class CommentTarget:
    """A finding and the line of the diff its comment goes on."""

    finding: Finding
    path: str
    line: int
    on_added_line: bool


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
) -> list[CommentTarget]:
    """The findings worth an inline comment, best first, within the strategy's budget.

    Findings whose rule is delivered as annotations (or silently), findings already commented on in this pull
    request, and findings with no line inside the diff are left to the check run's annotations.
    """
    ranked = sorted(
        (f for f in grade.findings if f.delivery == "comment" and f.fingerprint not in already_commented),
        key=lambda f: (-expected_value(f, strategy), -f.severity.rank, f.path, f.line),
    )
    chosen: list[CommentTarget] = []
    for finding in ranked:
        if len(chosen) >= strategy.comment_budget:
            break
        target = _target(finding, commentable.get(finding.path))
        if target is not None:
            chosen.append(target)
    return chosen


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
