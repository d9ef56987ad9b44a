"""Which findings become inline review comments: the budget, the ranking, and the lines GitHub accepts.

The App and the Action share this policy, so the same change gets the same comments from either.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.engine.diff import DiffError, right_side_lines
from bot.engine.models import Finding, PullRequestGrade
from bot.engine.rules import CATALOGUE
from bot.engine.scoring import SEVERITY_POINTS
from bot.engine.strategy import LearnedRule, Strategy


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
    """The findings worth an inline comment, best first, within the strategy's budget; at most one question about
    a finding Toasty would keep quiet about; and, in a share of reviews, one exploration comment (both decided by
    `seed`, the head commit, so a retry decides alike).

    A commenting rule in doubt (LearnedRule.in_doubt) gets one comment per review. The question goes to a quietened
    rule, or a value just below a threshold, with the chance that it is worth a comment (Thompson sampling: a rule
    with a strong record that noise quietened is asked about soon, one the team firmly refused almost never).
    Findings already commented on in this pull request, and findings with no line inside the diff, are left to the
    check run's annotations.
    """
    fresh = [f for f in grade.findings if f.fingerprint not in already_commented]
    ranked = sorted(
        (f for f in fresh if f.delivery == "comment"),
        key=lambda f: (-expected_value(f, strategy), -f.severity.rank, f.path, f.line),
    )
    quiet = [
        f for f in fresh if f.delivery in ("annotation", "probe", "silent") and not _chosen_quiet(f.rule, strategy)
    ]
    questions = [  # one question about a quiet rule (it takes a place in the budget), one probe (beyond it)
        question
        for kind in ("annotation", "probe")
        if strategy.comment_budget > 0 or kind == "probe"
        if (question := _question([f for f in quiet if f.delivery == kind], commentable, strategy, seed)) is not None
    ]
    budget = strategy.comment_budget - sum(1 for q in questions if q.finding.delivery != "probe")
    chosen: list[CommentTarget] = []
    asked: set[str] = set()
    for finding in ranked:
        if len(chosen) >= budget:
            break
        if finding.rule in asked:
            continue
        if _in_doubt(finding.rule, strategy) and not _drawn(finding.rule, strategy, seed):
            continue
        target = _target(finding, commentable.get(finding.path))
        if target is None:
            continue
        if _in_doubt(finding.rule, strategy):
            asked.add(finding.rule)
        chosen.append(target)
    chosen.extend(questions)
    asked.update(question.finding.rule for question in questions)
    if _explores(seed, strategy.exploration):
        explored = _exploration([f for f in quiet if f.rule not in asked], commentable, strategy, seed)
        if explored is not None:
            chosen.append(explored)
    return chosen


def _in_doubt(rule: str, strategy: Strategy) -> bool:
    """Whether the votes leave open which side of the comment cut the rule belongs on (LearnedRule.in_doubt)."""
    learned = strategy.learned.get(rule)
    return learned is not None and learned.in_doubt


def _drawn(rule: str, strategy: Strategy, seed: str) -> bool:
    """Whether a commenting rule in doubt comments in this review: in the share of reviews its chance of being worth
    a comment says (Thompson sampling, as for a quiet rule's question), so a rule the votes turned against is heard
    from less before it is quietened, and one a noisy 👎 put in doubt still comments in most reviews."""
    learned = strategy.learned.get(rule)
    return learned is None or not seed or _uniform(seed, "hold", rule) < learned.asking


def _chosen_quiet(rule: str, strategy: Strategy) -> bool:
    """Quiet because someone chose it (the repository's config, or a `@toasty mute`): never asked about."""
    learned = strategy.learned.get(rule)
    return f"rules.{rule}.delivery" in strategy.pinned or (learned is not None and learned.muted)


def _explores(seed: str, rate: float) -> bool:
    """Whether this review may explore: a fixed share of reviews, chosen by hashing the seed."""
    if rate <= 0 or not seed:
        return False
    return int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % 10_000 < rate * 10_000


def _chance(finding: Finding, strategy: Strategy) -> float:
    """The chance this quiet finding is worth a comment: its rule's while in doubt, or for a probe, that of values
    below the threshold (silent rules and settled ones are not asked about, only explored)."""
    learned = strategy.learned.get(finding.rule)
    if learned is None:
        return 0.0
    if finding.delivery == "probe":
        return learned.probe_chance
    if finding.delivery != "annotation":
        return 0.0
    return learned.asking


def _question(
    findings: Sequence[Finding], commentable: Mapping[str, Commentable], strategy: Strategy, seed: str
) -> CommentTarget | None:
    """At most one question of a kind per review: each rule is drawn with the chance that it is worth a comment
    (Thompson sampling), and of those drawn the one drawn most surely is asked about: a quiet rule on one of its
    findings picked by the seed; a probe on the value just beyond a cut drawn from where the team's cut may lie
    (so each answer rules out about half of what is left)."""
    if not seed:
        return None
    candidates = []
    for rule, found in _by_rule(findings).items():
        learned = strategy.learned.get(rule)
        chance = _chance(found[0], strategy)
        draw = _uniform(seed, "ask", rule, found[0].delivery)
        if learned is None or draw >= chance:
            continue
        cut = _drawn_cut(learned, draw / chance) if found[0].delivery == "probe" else None
        for finding in found:
            distance = _beyond(finding, cut)
            if distance is not None:
                candidates.append((draw / chance, distance, _uniform(seed, "pick", finding.fingerprint), finding))
    for *_, finding in sorted(candidates, key=lambda c: c[:3]):
        target = _target(finding, commentable.get(finding.path))
        if target is not None:
            return CommentTarget(target.finding, target.path, target.line, target.on_added_line, exploring=True)
    return None


def _by_rule(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.rule, []).append(finding)
    return grouped


def _drawn_cut(learned: LearnedRule, quantile: float) -> float | None:
    """The team's cut as drawn from where it may lie (None for a strategy that does not say)."""
    total = sum(mass for _, mass in learned.probe_cuts)
    running = 0.0
    for cut, mass in learned.probe_cuts:
        running += mass / total
        if quantile < running:
            return cut
    return learned.probe_cuts[-1][0] if learned.probe_cuts else None


def _beyond(finding: Finding, cut: float | None) -> float | None:
    """How far past the cut the finding's value lies (0 without a cut; None when the cut spares it)."""
    meta = CATALOGUE.get(finding.rule)
    if cut is None or meta is None or finding.value is None:
        return 0.0
    if not meta.exceeds(finding.value, cut):
        return None
    return abs(finding.value - cut)


def _wanted_chance(finding: Finding, learned: LearnedRule) -> float:
    """The chance the team wants a probe's value flagged: that its cut lies before the value."""
    return sum(mass for cut, mass in learned.probe_cuts if _beyond(finding, cut) is not None)


def _exploration(
    findings: Iterable[Finding], commentable: Mapping[str, Commentable], strategy: Strategy, seed: str
) -> CommentTarget | None:
    """A finding Toasty would stay quiet about (a probe, or a rule learning quietened), unless the quiet was chosen:
    Thompson sampling, so the rule whose usefulness could most plausibly be high (uncertain, or valued and weighty)
    is asked about, not the one heard from longest ago."""
    rng = random.Random(f"{seed}:explore")  # noqa: S311 -- reproducible draws, not secrets
    draws: dict[tuple[str, bool], float] = {}
    scored = []
    for finding in sorted(findings, key=lambda f: (f.rule, f.path, f.line)):
        learned = strategy.learned.get(finding.rule)
        if finding.delivery == "probe" and learned is not None and learned.probe_cuts:
            draw = _wanted_chance(finding, learned)
        else:
            kind = (finding.rule, finding.delivery == "probe")
            if kind not in draws:
                draws[kind] = rng.betavariate(*_posterior(finding, strategy))
            draw = draws[kind]
        scored.append((draw * SEVERITY_POINTS[finding.severity], finding))
    for _, finding in sorted(scored, key=lambda s: (-s[0], -s[1].severity.rank, s[1].path, s[1].line)):
        target = _target(finding, commentable.get(finding.path))
        if target is not None:
            return CommentTarget(target.finding, target.path, target.line, target.on_added_line, exploring=True)
    return None


def _posterior(finding: Finding, strategy: Strategy) -> tuple[float, float]:
    """Beta(α, β) of the finding's usefulness as learned (an even Beta(1, 1) where nothing is known)."""
    learned = strategy.learned.get(finding.rule)
    if learned is None:
        return 1.0, 1.0
    posterior = learned.probe_posterior if finding.delivery == "probe" else learned.posterior
    return posterior or (1.0, 1.0)


def _uniform(*parts: str) -> float:
    """A reproducible draw in [0, 1) for a named decision."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


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
