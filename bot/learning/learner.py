"""From votes to a strategy: per rule a usefulness posterior, a delivery mode and (for metrics) a threshold.

Everything here is a pure function of the feedback log, the priors and the time: replaying the same log gives the
same strategy, and every number that moved can be explained from the votes that moved it.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.engine.models import Delivery, Dimension
from bot.engine.rules import RuleMeta
from bot.engine.strategy import LearnedRule, RuleSettings, Strategy, default_settings
from bot.learning.params import LearningParameters
from bot.learning.votes import Mute, Signal, Vote, collect_mutes, collect_votes, since_last_reset

_INTEGER_UNIT = 1.0
_FLOAT_UNIT = 0.5
_MIN_BUDGET = 3
EVIDENCE_TOLERANCE = 1e-3
_BUDGET_EVIDENCE = 10.0


@dataclass(frozen=True, slots=True)
class RulePrior:
    """What teams across the deployment said about a rule: counts and accepted thresholds, never code."""

    positive: float = 0.0
    negative: float = 0.0
    repositories: int = 0
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class CollectivePriors:
    """Per-rule priors for repositories that have not said much yet."""

    rules: Mapping[str, RulePrior] = field(default_factory=dict)


@dataclass
class _Evidence:
    positive: float = 0.0
    negative: float = 0.0
    up: int = 0
    down: int = 0
    fixed: int = 0
    ignored: int = 0
    resolved: int = 0
    raw: float = 0.0
    """Trust-weighted votes before age fading: how much the team has said, however long ago."""
    votes: list[Vote] = field(default_factory=list)

    @property
    def total(self) -> float:
        return self.positive + self.negative


def learn(
    base: Strategy,
    signals: Iterable[Signal],
    catalogue: Mapping[str, RuleMeta],
    *,
    params: LearningParameters,
    now: datetime,
    ignored_actors: frozenset[str] = frozenset(),
    priors: CollectivePriors | None = None,
) -> Strategy:
    """The strategy the log teaches, on top of `base`; keys pinned in `base.pinned` are left as they are."""
    signals = since_last_reset(signals)
    votes = _by_rule(collect_votes(signals, params, ignored_actors))
    mutes = collect_mutes(signals, params, ignored_actors)
    rules = dict(base.rules)
    learned: dict[str, LearnedRule] = {}
    evidence: dict[str, _Evidence] = {}
    for rule_id in sorted(set(votes) | set(mutes)):
        meta = catalogue.get(rule_id)
        if meta is None:
            continue
        current = rules.get(rule_id) or default_settings(meta)
        prior = (priors.rules.get(rule_id) if priors and params.collective else None) or RulePrior()
        settings, record, evidence[rule_id] = _learn_rule(
            meta,
            current,
            votes=votes.get(rule_id, []),
            mute=mutes.get(rule_id),
            prior=prior,
            pinned=base.pinned,
            params=params,
            now=now,
        )
        rules[rule_id] = settings
        learned[rule_id] = record
    strategy = base.model_copy(
        update={
            "rules": rules,
            "learned": learned,
            "feedback_upto": max((s.id for s in signals), default=0),
            "exploration": params.exploration_rate,
        }
    )
    strategy = _with_weights(strategy, evidence, catalogue, params)
    return _with_budget(strategy, evidence, params)


def apply_priors(base: Strategy, priors: CollectivePriors, catalogue: Mapping[str, RuleMeta]) -> Strategy:
    """A new repository's starting point: the thresholds teams in general accept (the defaults where unknown)."""
    rules = dict(base.rules)
    for rule_id, prior in priors.rules.items():
        meta = catalogue.get(rule_id)
        if meta is None or prior.threshold is None or meta.bounds is None:
            continue
        current = rules.get(rule_id) or default_settings(meta)
        rules[rule_id] = current.model_copy(update={"threshold": _clamp(prior.threshold, meta.bounds)})
    return base.model_copy(update={"rules": rules})


def enough(evidence: float, needed: float) -> bool:
    """Whether evidence reaches a minimum, ignoring the crumbs decay takes from votes cast minutes apart."""
    return evidence >= needed - EVIDENCE_TOLERANCE


def decay(age_days: float, params: LearningParameters) -> float:
    """How much a signal of this age still counts (halves every half-life)."""
    return float(0.5 ** (max(age_days, 0.0) / params.half_life_days))


def _by_rule(votes: Iterable[Vote]) -> dict[str, list[Vote]]:
    by_rule: dict[str, list[Vote]] = defaultdict(list)
    for vote in votes:
        by_rule[vote.rule].append(vote)
    return by_rule


def _evidence(votes: Sequence[Vote], params: LearningParameters, now: datetime) -> dict[str, _Evidence]:
    by_rule: dict[str, _Evidence] = defaultdict(_Evidence)
    for vote in votes:
        found = by_rule[vote.rule]
        found.votes.append(vote)
        found.raw += vote.weight * abs(vote.sign)
        weight = vote.weight * decay((now - vote.occurred_at).total_seconds() / 86400, params) * abs(vote.sign)
        if vote.sign > 0:
            found.positive += weight
        else:
            found.negative += weight
        match vote.kind:
            case "reaction":
                found.up += vote.sign > 0
                found.down += vote.sign < 0
            case "fixed":
                found.fixed += 1
            case "ignore":
                found.ignored += 1
            case "resolved":
                found.resolved += 1
    return by_rule


def _learn_rule(
    meta: RuleMeta,
    current: RuleSettings,
    *,
    votes: Sequence[Vote],
    mute: Mute | None,
    prior: RulePrior,
    pinned: frozenset[str],
    params: LearningParameters,
    now: datetime,
) -> tuple[RuleSettings, LearnedRule, _Evidence]:
    """The rule's threshold from all its votes, then its usefulness and delivery from the votes that still apply."""
    threshold = current.threshold
    if meta.is_metric and current.threshold is not None and f"rules.{meta.id}.threshold" not in pinned:
        threshold = _threshold(meta, current.threshold, votes, params)
    in_scope = _reported(meta, threshold, votes)
    estimate = _estimate(in_scope, _prior_pseudo_votes(prior, params), params, now)
    usefulness = estimate.usefulness
    evidence = _evidence(in_scope[estimate.set_aside :], params, now).get(meta.id, _Evidence())
    muted = mute is not None and mute.muted
    delivery = current.delivery
    if f"rules.{meta.id}.delivery" not in pinned:
        delivery = _delivery(current.delivery, usefulness, estimate.said, muted, params)
    probe = _probe(meta, threshold, delivery, votes, params) if f"rules.{meta.id}.threshold" not in pinned else None
    settings = current.model_copy(
        update={"delivery": delivery, "threshold": threshold, "usefulness": round(usefulness, 4), "probe": probe}
    )
    told = _evidence(votes, params, now).get(meta.id, _Evidence())
    record = LearnedRule(
        usefulness=round(usefulness, 4),
        evidence=round(evidence.total, 3),
        up=told.up,
        down=told.down,
        fixed=told.fixed,
        ignored=told.ignored,
        resolved=told.resolved,
        muted=muted,
        threshold_from=current.threshold,
        threshold_to=threshold,
        delivery_from=current.delivery,
        delivery_to=delivery,
        set_aside=estimate.set_aside,
        last_heard=votes[-1].occurred_at if votes else None,
        in_doubt=_in_doubt(estimate, delivery, muted, f"rules.{meta.id}.delivery" in pinned, params),
    )
    return settings, record, evidence


def _reported(meta: RuleMeta, threshold: float | None, votes: Sequence[Vote]) -> list[Vote]:
    """The votes on findings the rule still reports: a 👎 on a value the learned threshold now spares was about the
    threshold, not about whether the rule is worth hearing."""
    if not meta.is_metric or threshold is None:
        return list(votes)
    return [v for v in votes if v.value is None or meta.exceeds(v.value, threshold)]


@dataclass(frozen=True, slots=True)
class _Estimate:
    usefulness: float
    said: float
    """Trust-weighted votes behind the estimate, before age fading."""
    set_aside: int
    """Votes before the most probable change of taste (0 when a change is less likely than none)."""
    spread: float
    """Standard deviation of the usefulness (over every possible change of taste and within each)."""


def _estimate(
    votes: Sequence[Vote], prior: tuple[float, float], params: LearningParameters, now: datetime
) -> _Estimate:
    """The rule's usefulness, allowing that the team changed its mind once, somewhere in its votes.

    Bayesian change-point detection for the latest change: each possible start of the current taste is weighed by
    how well one Beta explains the votes before it, and another the votes after it, times the prior chance of a
    change (`change_rate` per vote). The estimate is the weighted mean of the (age-faded) posteriors after each
    start, so a run of contrary votes overturns a long record quickly, and one vote the other way after it undoes a
    false alarm. Where the change lies depends on the votes alone, not on their age: silence changes nothing.
    The spread is the mixture's standard deviation: how far the votes leave the usefulness open.
    """
    alpha, beta = prior
    said = _RunningTally.of(votes, lambda vote: 1.0)
    faded = _RunningTally.of(votes, lambda vote: decay((now - vote.occurred_at).total_seconds() / 86400, params))
    count = len(votes)
    change, stay = math.log(params.change_rate), math.log1p(-params.change_rate)
    scores = [
        (count - start) * stay
        + (change if start else 0.0)
        + _log_beta_evidence(*said.between(0, start), alpha, beta)
        + _log_beta_evidence(*said.between(start, count), alpha, beta)
        for start in range(count + 1)
    ]
    top = max(scores)
    weights = [math.exp(score - top) for score in scores]
    total = sum(weights)
    usefulness = amount = second_moment = 0.0
    for start, weight in enumerate(weights):
        up, down = faded.between(start, count)
        pseudo_votes = alpha + beta + up + down
        mean = (alpha + up) / pseudo_votes
        usefulness += weight / total * mean
        second_moment += weight / total * (mean * (1 - mean) / (pseudo_votes + 1) + mean**2)
        amount += weight / total * sum(said.between(start, count))
    likeliest = max(range(count + 1), key=lambda start: weights[start])
    spread = math.sqrt(max(second_moment - usefulness**2, 0.0))
    return _Estimate(usefulness, amount, likeliest if weights[0] < total / 2 else 0, spread)


def _in_doubt(estimate: _Estimate, delivery: Delivery, muted: bool, pinned: bool, params: LearningParameters) -> bool:
    """Whether the votes leave a fair chance that the rule belongs on the other side of the comment cut than where it
    is delivered (once it has the minimum evidence, and unless a person or the config decided its delivery)."""
    if muted or pinned or delivery == "silent" or estimate.spread <= 0:
        return False
    if not enough(estimate.said, params.min_evidence):
        return False
    below_cut = 0.5 * (1 + math.erf((params.comment_below - estimate.usefulness) / (estimate.spread * math.sqrt(2))))
    if delivery == "comment":
        return below_cut >= params.hold_back_chance
    return 1 - below_cut >= params.ask_chance


@dataclass(frozen=True, slots=True)
class _RunningTally:
    """Running sums of trust-weighted votes for and against, so any stretch of votes sums in constant time."""

    up: list[float]
    down: list[float]

    @classmethod
    def of(cls, votes: Sequence[Vote], factor: Callable[[Vote], float]) -> _RunningTally:
        up, down = [0.0], [0.0]
        for vote in votes:
            weight = vote.weight * abs(vote.sign) * factor(vote)
            up.append(up[-1] + (weight if vote.sign > 0 else 0.0))
            down.append(down[-1] + (0.0 if vote.sign > 0 else weight))
        return cls(up, down)

    def between(self, first: int, last: int) -> tuple[float, float]:
        """Votes for and against among votes[first:last]."""
        return self.up[last] - self.up[first], self.down[last] - self.down[first]


def _log_beta_evidence(up: float, down: float, alpha: float, beta: float) -> float:
    """log P(votes | Beta(α, β) prior): how well one steady taste explains them."""
    return (
        math.lgamma(alpha + up)
        + math.lgamma(beta + down)
        - math.lgamma(alpha + beta + up + down)
        - math.lgamma(alpha)
        - math.lgamma(beta)
        + math.lgamma(alpha + beta)
    )


def _prior_pseudo_votes(prior: RulePrior, params: LearningParameters) -> tuple[float, float]:
    """Beta(α, β) prior: even and weak by default, leaning the way other teams voted when they did."""
    strength = params.prior_strength
    if prior.positive + prior.negative <= 0:
        return strength / 2, strength / 2
    lean = (prior.positive + 1) / (prior.positive + prior.negative + 2)
    return strength * lean, strength * (1 - lean)


def _delivery(default: Delivery, usefulness: float, said: float, muted: bool, params: LearningParameters) -> Delivery:
    """From the posterior, once the team has said enough (however long ago: fading lowers the estimate's weight,
    it does not bring back comments the team turned down)."""
    if muted:
        return "silent"
    if not enough(said, params.min_evidence):
        return default
    if usefulness < params.silent_below and enough(said, 2 * params.min_evidence):
        return "silent"
    if usefulness < params.comment_below:
        return "annotation"
    return "comment"


def _threshold(meta: RuleMeta, start: float, votes: Sequence[Vote], params: LearningParameters) -> float:
    """Replay the rule's votes in order; after each, move toward the threshold that best fits them, one bounded
    step at a time, never past the rule's hard bounds."""
    unit = _FLOAT_UNIT if meta.lower_is_worse else _INTEGER_UNIT
    step = max(unit, params.threshold_step * (meta.threshold or start))
    direction = -1.0 if meta.lower_is_worse else 1.0  # work as if higher were always worse
    threshold = start
    seen: list[Vote] = []
    for vote in votes:
        if vote.value is None:
            continue
        seen.append(vote)
        weighted = [
            (
                direction * v.value,
                v.sign,
                v.weight * decay((vote.occurred_at - v.occurred_at).total_seconds() / 86400, params),
            )
            for v in seen
            if v.value is not None
        ]
        if not enough(sum(w * abs(s) for _, s, w in weighted), params.min_evidence):
            continue
        target = direction * _best_threshold(weighted, direction * threshold, unit, params.threshold_margin)
        threshold += max(-step, min(step, target - threshold))
        if meta.bounds is not None:
            threshold = _clamp(threshold, meta.bounds)
    return round(threshold, 2) if meta.lower_is_worse else float(round(threshold))


def _best_threshold(
    weighted: Sequence[tuple[float, float, float]], current: float, unit: float, margin: float
) -> float:
    """The threshold that reports what the team wants and spares what it accepts, if it beats the current one by
    `margin` votes (closest to the current one on a tie). A finding is reported when its value exceeds it."""
    candidates = {current}
    for value, sign, _ in weighted:
        candidates.add(value if sign < 0 else value - unit)

    def loss(threshold: float) -> tuple[float, float]:
        missed = sum(w * abs(s) for v, s, w in weighted if s > 0 and v <= threshold)
        unwanted = sum(w for v, s, w in weighted if s < 0 and v > threshold)
        return round(missed + unwanted, 9), abs(threshold - current)

    best = min(candidates, key=loss)
    return best if loss(best)[0] <= loss(current)[0] - margin + EVIDENCE_TOLERANCE else current


def _probe(
    meta: RuleMeta, threshold: float | None, delivery: Delivery, votes: Sequence[Vote], params: LearningParameters
) -> float | None:
    """Where to explore below a metric threshold, unless the team has already refused what probing found."""
    if not meta.is_metric or threshold is None or delivery != "comment" or params.exploration_rate <= 0:
        return None
    probe = threshold / params.probe_ratio if meta.lower_is_worse else threshold * params.probe_ratio
    band = [v for v in votes if v.value is not None and not meta.exceeds(v.value, threshold)]
    refused = sum(1 for v in band if v.sign < 0)
    if refused >= 2 and not any(v.sign > 0 for v in band):
        return None
    return round(probe, 2)


def _with_weights(
    strategy: Strategy, evidence: Mapping[str, _Evidence], catalogue: Mapping[str, RuleMeta], params: LearningParameters
) -> Strategy:
    """Dimensions the team values weigh more in the overall score (half to one and a half times the default)."""
    weights = dict(strategy.weights)
    for dimension in Dimension:
        if f"weights.{dimension.value}" in strategy.pinned:
            continue
        found = [e for rule, e in evidence.items() if rule in catalogue and catalogue[rule].dimension is dimension]
        total = sum(e.total for e in found)
        if not enough(total, params.min_evidence):
            continue
        usefulness = sum(e.positive for e in found) / total
        weights[dimension] = round(weights[dimension] * (0.5 + usefulness), 3)
    return strategy.model_copy(update={"weights": weights})


def _with_budget(strategy: Strategy, evidence: Mapping[str, _Evidence], params: LearningParameters) -> Strategy:
    """Fewer comments per review for a team that finds most of those it still gets not worth reading."""
    if "comment_budget" in strategy.pinned:
        return strategy
    rules = strategy.rules
    commenting = [e for rule, e in evidence.items() if rule not in rules or rules[rule].delivery == "comment"]
    total = sum(e.total for e in commenting)
    if total < _BUDGET_EVIDENCE:
        return strategy
    usefulness = sum(e.positive for e in commenting) / total
    if usefulness >= 0.5:
        return strategy
    budget = max(_MIN_BUDGET, math.floor(strategy.comment_budget * usefulness / 0.5))
    return strategy.model_copy(update={"comment_budget": budget})


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return max(bounds[0], min(bounds[1], value))


def collective_priors(
    signals_by_repository: Mapping[str, Sequence[Signal]],
    catalogue: Mapping[str, RuleMeta],
    *,
    params: LearningParameters,
    now: datetime,
    ignored_actors: frozenset[str] = frozenset(),
) -> CollectivePriors:
    """Per rule, across repositories: weighted votes for and against, and the median threshold teams settled on."""
    positive: dict[str, float] = defaultdict(float)
    negative: dict[str, float] = defaultdict(float)
    repositories: dict[str, int] = defaultdict(int)
    thresholds: dict[str, list[float]] = defaultdict(list)
    base = Strategy.default()
    no_collective = params.model_copy(update={"collective": False})
    for signals in signals_by_repository.values():
        learned = learn(base, signals, catalogue, params=no_collective, now=now, ignored_actors=ignored_actors)
        evidence = _evidence(collect_votes(since_last_reset(signals), params, ignored_actors), params, now)
        for rule_id, record in learned.learned.items():
            found = evidence.get(rule_id)
            if found is None:
                continue
            positive[rule_id] += found.positive
            negative[rule_id] += found.negative
            repositories[rule_id] += 1
            if record.threshold_to is not None and enough(found.total, params.min_evidence):
                thresholds[rule_id].append(record.threshold_to)
    return CollectivePriors(
        {
            rule: RulePrior(
                positive=round(positive[rule], 3),
                negative=round(negative[rule], 3),
                repositories=repositories[rule],
                threshold=statistics.median(thresholds[rule]) if len(thresholds[rule]) >= 2 else None,
            )
            for rule in repositories
        }
    )
