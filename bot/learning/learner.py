"""From votes to a strategy: per rule a usefulness posterior, a delivery mode and (for metrics) a threshold.

Everything here is a pure function of the feedback log (folded into a `Ledger`), the priors and the time: replaying
the same log gives the same strategy, and every number that moved can be explained from the votes that moved it.
The cost does not grow with the log: learning reads per-rule sums, each rule's latest votes and the latest findings
several people voted on.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.engine.models import Delivery, Dimension
from bot.engine.rules import RuleMeta
from bot.engine.strategy import LearnedRule, ReviewerWeight, RuleSettings, Strategy, default_settings
from bot.learning.ledger import Bucket, Ledger, RuleBook, agreement, reliability, reliability_weight
from bot.learning.params import LearningParameters
from bot.learning.votes import Mute, Signal, Vote

_INTEGER_UNIT = 1.0
_FLOAT_UNIT = 0.5
_MIN_BUDGET = 3
EVIDENCE_TOLERANCE = 1e-3
_BUDGET_EVIDENCE = 10.0
_PRIOR_REPOSITORIES = 3
"""Repositories that must agree before a collective prior quietens a rule in a new one."""

_Reported = Callable[[Bucket], bool]
"""Whether the rule's learned threshold still reports values in a bucket."""


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


@dataclass(frozen=True, slots=True)
class Reviewer:
    """One person's agreement with the others on shared findings, and the weight it gives their votes."""

    agreed: float
    differed: float
    weight: float

    @property
    def disagreement(self) -> float:
        """Share of the compared findings on which they voted against the others."""
        return self.differed / max(self.agreed + self.differed, 1.0)


@dataclass(frozen=True, slots=True)
class Learned:
    """A learned strategy, and the people behind it (named: for the repository's maintainers only)."""

    strategy: Strategy
    reviewers: Mapping[str, Reviewer]
    regimes: Mapping[str, tuple[float, float]]
    """Per rule, the age-faded votes for and against of the team's current taste (what collective priors sum)."""


@dataclass(frozen=True, slots=True)
class _Tally:
    """Trust-weighted votes for and against, as cast and faded by age."""

    up: float = 0.0
    down: float = 0.0
    up_faded: float = 0.0
    down_faded: float = 0.0

    def __add__(self, other: _Tally) -> _Tally:
        return _Tally(
            self.up + other.up,
            self.down + other.down,
            self.up_faded + other.up_faded,
            self.down_faded + other.down_faded,
        )

    def __sub__(self, other: _Tally) -> _Tally:
        return _Tally(
            max(self.up - other.up, 0.0),
            max(self.down - other.down, 0.0),
            max(self.up_faded - other.up_faded, 0.0),
            max(self.down_faded - other.down_faded, 0.0),
        )

    @property
    def said(self) -> float:
        return self.up + self.down

    @property
    def faded(self) -> float:
        return self.up_faded + self.down_faded


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
    ledger = Ledger.of(signals, params, ignored_actors)
    return learn_from(base, ledger, catalogue, params=params, now=now, priors=priors).strategy


def learn_from(
    base: Strategy,
    ledger: Ledger,
    catalogue: Mapping[str, RuleMeta],
    *,
    params: LearningParameters,
    now: datetime,
    priors: CollectivePriors | None = None,
) -> Learned:
    """The strategy a folded log teaches, and how much each person's votes counted."""
    reviewers = _reviewers(ledger, params)
    trust = {login: reviewer.weight for login, reviewer in reviewers.items()}
    rules = dict(base.rules)
    learned: dict[str, LearnedRule] = {}
    regimes: dict[str, _Tally] = {}
    collective = priors.rules if priors is not None and params.collective else {}
    empty = RuleBook()
    voted = {rule for rule, book in ledger.books() if book.casts}
    answer_rate = ledger.answer_rate(now)
    asking = _asking_scale(answer_rate, params)
    for rule_id in sorted(voted | set(ledger.mutes) | set(collective)):
        meta = catalogue.get(rule_id)
        if meta is None:
            continue
        current = rules.get(rule_id) or default_settings(meta)
        rule = _RuleLearning(
            meta,
            current,
            ledger.rules.get(rule_id, empty),
            ledger,
            trust,
            collective.get(rule_id) or RulePrior(),
            asking,
            base.pinned,
            params,
            now,
        )
        rules[rule_id], learned[rule_id], regimes[rule_id] = rule.learn(ledger.mutes.get(rule_id))
    strategy = base.model_copy(
        update={
            "rules": rules,
            "learned": learned,
            "feedback_upto": ledger.upto,
            "exploration": round(params.exploration_rate * asking, 4),
            "answer_rate": _rounded(answer_rate),
            "reviewers": tuple(
                ReviewerWeight(
                    weight=round(r.weight, 2),
                    disagreement=round(r.disagreement, 2),
                    findings=int(r.agreed + r.differed),
                )
                for _, r in sorted(reviewers.items(), key=lambda item: (item[1].weight, item[0]))
                if r.weight < 0.95
            ),
        }
    )
    strategy = _with_weights(strategy, regimes, catalogue, params)
    tallies = {rule: (tally.up_faded, tally.down_faded) for rule, tally in regimes.items() if tally.said > 0}
    return Learned(_with_budget(strategy, regimes, params), reviewers, tallies)


def apply_priors(
    base: Strategy,
    priors: CollectivePriors,
    catalogue: Mapping[str, RuleMeta],
    params: LearningParameters | None = None,
) -> Strategy:
    """A new repository's starting point: the thresholds teams in general accept, and annotations only for the
    rules that teams in several repositories found not worth a comment (the defaults where unknown)."""
    params = params or LearningParameters()
    rules = dict(base.rules)
    for rule_id, prior in priors.rules.items():
        meta = catalogue.get(rule_id)
        if meta is None:
            continue
        current = rules.get(rule_id) or default_settings(meta)
        update: dict[str, object] = {}
        if prior.threshold is not None and meta.bounds is not None:
            update["threshold"] = _clamp(prior.threshold, meta.bounds)
        if prior.repositories >= _PRIOR_REPOSITORIES and prior.positive + prior.negative > 0:
            alpha, beta = _prior_pseudo_votes(prior, params)
            usefulness = alpha / (alpha + beta)
            update["usefulness"] = round(usefulness, 4)
            if usefulness < params.comment_below and current.delivery == "comment":
                update["delivery"] = "annotation"
        rules[rule_id] = current.model_copy(update=update)
    return base.model_copy(update={"rules": rules})


def enough(evidence: float, needed: float) -> bool:
    """Whether evidence reaches a minimum, ignoring the crumbs decay takes from votes cast minutes apart."""
    return evidence >= needed - EVIDENCE_TOLERANCE


def decay(age_days: float, params: LearningParameters) -> float:
    """How much a signal of this age still counts (halves every half-life)."""
    return float(0.5 ** (max(age_days, 0.0) / params.half_life_days))


def _asking_scale(answer_rate: float | None, params: LearningParameters) -> float:
    """How often Toasty asks (questions, probes, exploration) against what the votes alone would say: fully where
    the team answers at least `answered_enough` of its comments, in proportion where it answers fewer (a question
    nobody answers teaches nothing and still costs the team a comment); fully before anything is known."""
    if answer_rate is None:
        return 1.0
    return min(1.0, answer_rate / params.answered_enough)


def _reviewers(ledger: Ledger, params: LearningParameters) -> dict[str, Reviewer]:
    """Each person who shared findings with others: how often they agreed, and what their votes weigh for it."""
    found = {}
    for login, counts in reliability(ledger.shared_findings(), ledger.people_by_rule(), params).items():
        share = agreement(counts, params)
        found[login] = Reviewer(counts[0], counts[1], reliability_weight(share, params))
    return found


@dataclass
class _RuleLearning:
    """One rule's learning from its book: who counts how much, the threshold, the usefulness, the delivery."""

    meta: RuleMeta
    current: RuleSettings
    book: RuleBook
    ledger: Ledger
    trust: Mapping[str, float]
    prior: RulePrior
    asking: float
    """How often questions are asked, against what the votes alone say (`_asking_scale`)."""
    pinned: frozenset[str]
    params: LearningParameters
    now: datetime

    def learn(self, mute: Mute | None) -> tuple[RuleSettings, LearnedRule, _Tally]:
        """The rule's threshold from its recent valued votes, then its usefulness and delivery from the votes the
        threshold still reports on."""
        meta, params = self.meta, self.params
        scale, bounded = self._scale()
        threshold = self.current.threshold
        threshold_pinned = f"rules.{meta.id}.threshold" in self.pinned
        buckets = self._buckets(scale)
        if meta.is_metric and threshold is not None and not threshold_pinned:
            threshold = self._threshold(threshold, buckets)
        estimate = self._estimate(threshold, scale)
        muted = mute is not None and mute.muted
        delivery_pinned = f"rules.{meta.id}.delivery" in self.pinned
        delivery = self.current.delivery
        if not delivery_pinned:
            delivery = _delivery(self.current.delivery, estimate.usefulness, estimate.said, muted, params)
        probe: float | None = None
        probe_cuts: tuple[tuple[float, float], ...] = ()
        stricter = 0.0
        if meta.is_metric and threshold is not None and not threshold_pinned:
            said = sum(sums.up + sums.down for sums in self.book.sums.values())
            engaged = enough(said, params.min_evidence)  # nothing to ask a team that never votes on the rule
            valued = estimate.usefulness if engaged else 0.0
            probe, probe_cuts, stricter = self._probe(threshold, delivery, scale, valued)
        settings = self.current.model_copy(
            update={
                "delivery": delivery,
                "threshold": threshold,
                "usefulness": round(estimate.usefulness, 4),
                "probe": probe,
            }
        )
        kinds = self.book.kinds
        record = LearnedRule(
            usefulness=round(estimate.usefulness, 4),
            evidence=round(estimate.regime.faded, 3),
            up=kinds.get("up", 0),
            down=kinds.get("down", 0),
            fixed=kinds.get("fixed", 0),
            ignored=kinds.get("ignore", 0),
            resolved=kinds.get("resolved", 0),
            muted=muted,
            threshold_from=self.current.threshold,
            threshold_to=threshold,
            delivery_from=self.current.delivery,
            delivery_to=delivery,
            set_aside=estimate.set_aside,
            last_heard=self.book.last_heard,
            in_doubt=_in_doubt(
                estimate, self._presumed_worth(), delivery, muted=muted, pinned=delivery_pinned, params=params
            ),
            posterior=_beta_like(estimate.usefulness, estimate.spread),
            worth_chance=0.0 if muted or delivery_pinned else round(estimate.worth, 4),
            ask_chance=0.0 if muted or delivery_pinned else round(self._ask_chance(estimate, delivery), 4),
            probe_cuts=probe_cuts,
            probe_chance=round(self._question_chance(stricter), 4),
            bounded=bounded,
        )
        return settings, record, estimate.regime

    def _ask_chance(self, estimate: _Estimate, delivery: Delivery) -> float:
        """In what share of reviews the rule is commented on while the votes leave its worth open (Thompson sampling:
        its chance of being worth a comment). Where the votes lean against a comment, the comment is a question, and
        questions are asked less where few comments get an answer."""
        if delivery == "comment" and estimate.usefulness >= self.params.comment_below:
            return estimate.worth
        return self._question_chance(estimate.worth)

    def _question_chance(self, chance: float) -> float:
        """How often to ask about something Toasty keeps quiet about, that the team wants it with this chance: as
        often as that (Thompson sampling), less where few comments are answered, and never below `ask_floor`,
        where exploration's one comment in ten reviews is left to sample it (a chance that small is mostly the
        prior speaking, and asking costs a comment each time)."""
        return chance * self.asking if chance >= self.params.ask_floor else 0.0

    def _presumed_worth(self) -> float:
        """The chance the rule is worth a comment before any vote on it (the defaults' or the deployment's prior)."""
        return _above(*_prior_pseudo_votes(self.prior, self.params), self.params.comment_below)

    def _scale(self) -> tuple[dict[str, float], int]:
        """Per person, what their votes on this rule are multiplied by: their reliability, and a bound so that no
        one outweighs the rest of the team more than `influence_ratio` times (unless they are alone on the rule)."""
        mass: dict[str, float] = defaultdict(float)
        for (actor, _), sums in self.book.sums.items():
            mass[actor] += (sums.up + sums.down) * self.trust.get(actor, 1.0)
        total = sum(mass.values())
        scale, bounded = {}, 0
        for actor, own in mass.items():
            factor = self.trust.get(actor, 1.0)
            others = total - own
            limit = max(self.params.influence_ratio * others, self.params.influence_floor)
            if others > EVIDENCE_TOLERANCE and own > limit:
                factor *= limit / own
                bounded += 1
            scale[actor] = factor
        return scale, bounded

    def _buckets(self, scale: Mapping[str, float]) -> dict[Bucket, tuple[float, float]]:
        """Per value bucket, votes for and against, each faded by the later votes that contradicted it."""
        found: dict[Bucket, tuple[float, float]] = {}
        for (actor, bucket), sums in self.book.sums.items():
            if bucket is None:
                continue
            up, down = found.get(bucket, (0.0, 0.0))
            factor = scale.get(actor, 1.0)
            found[bucket] = (
                up + sums.up_recent * factor * self.ledger.recent_factor(self.book, bucket, True),
                down + sums.down_recent * factor * self.ledger.recent_factor(self.book, bucket, False),
            )
        return found

    def _threshold(self, start: float, buckets: Mapping[Bucket, tuple[float, float]]) -> float:
        """The threshold that best separates what the team recently wanted flagged (👍 at v: below v) from what it
        accepts (👎 at v: at least v), if it beats the starting one by `threshold_margin` votes."""
        meta = self.meta
        unit = _FLOAT_UNIT if meta.lower_is_worse else _INTEGER_UNIT
        direction = -1.0 if meta.lower_is_worse else 1.0  # work as if higher were always worse
        points = sorted((direction * b, up, down) for b, (up, down) in buckets.items() if b is not None)
        valued = sum(s.up + s.down for (_, bucket), s in self.book.sums.items() if bucket is not None)
        if not enough(valued, self.params.min_evidence):
            return start
        margins = (self.params.probe_margin, self.params.threshold_margin)
        best = direction * _best_cut(points, direction * start, unit, margins)
        if meta.bounds is not None:
            best = _clamp(best, meta.bounds)
        return round(best, 2) if meta.lower_is_worse else float(round(best))

    def _tally(self, vote: Vote, scale: Mapping[str, float]) -> _Tally:
        weight = vote.weight * abs(vote.sign) * scale.get(vote.actor, 1.0)
        faded = weight * decay((self.now - vote.occurred_at).total_seconds() / 86400, self.params)
        return _Tally(weight, 0.0, faded, 0.0) if vote.sign > 0 else _Tally(0.0, weight, 0.0, faded)

    def _estimate(self, threshold: float | None, scale: Mapping[str, float]) -> _Estimate:
        """The usefulness from the votes the threshold still reports on: a 👎 on a value the learned threshold now
        spares was about the threshold, not about whether the rule is worth hearing."""
        reported = self._reporter(threshold)
        aged = self.ledger.aged_factor(self.now)
        up = down = up_faded = down_faded = 0.0
        for (actor, bucket), sums in self.book.sums.items():
            if not reported(bucket):
                continue
            factor = scale.get(actor, 1.0)
            up, down = up + sums.up * factor, down + sums.down * factor
            up_faded, down_faded = up_faded + sums.up_aged * factor * aged, down_faded + sums.down_aged * factor * aged
        everything = _Tally(up, down, up_faded, down_faded)
        latest = [c.vote for c in self.book.latest(self.params.recent_votes) if reported(_bucket(c.vote))]
        tallies = (self._tally(vote, scale) for vote in latest)
        window = [tally for tally in tallies if tally.said > 0]  # where a vote weighs nothing, no change starts
        older = everything - sum(window, _Tally())
        return _estimate([older, *window], _prior_pseudo_votes(self.prior, self.params), self.params)

    def _reporter(self, threshold: float | None) -> _Reported:
        meta = self.meta
        if not meta.is_metric or threshold is None:
            return lambda bucket: True
        return lambda bucket: bucket is None or meta.exceeds(bucket, threshold)

    def _band_votes(self, scale: Mapping[str, float], direction: float, low: float, top: float) -> list[_BandVote]:
        """The latest votes on values in the probe band (as if higher were worse), oldest first."""
        found = []
        for cast in self.book.latest(self.params.recent_votes):
            vote, bucket = cast.vote, _bucket(cast.vote)
            weight = vote.weight * abs(vote.sign) * scale.get(vote.actor, 1.0)
            if bucket is not None and low < direction * bucket <= top and weight > 0:
                found.append(_BandVote(direction * bucket, vote.sign > 0, weight, cast.number))
        return found

    def _probe(
        self, threshold: float, delivery: Delivery, scale: Mapping[str, float], usefulness: float
    ) -> tuple[float | None, tuple[tuple[float, float], ...], float]:
        """Where the team's own cut may lie below the threshold: a posterior over the cuts in the probe band.

        The prior gives a stricter cut `probe_usefulness` of the rule's usefulness (a team that values what a rule
        flags may want more of it; one that never votes on it is not asked), spread evenly over the band; each
        answer to a probe is a vote at its value, read with `vote_noise` (a 👍 at v: the cut lies below v; a 👎:
        at v or above), and the team may have moved its cut since any of them (`_cut_posterior`). Probes are drawn
        from this posterior, so refusals make probing rare, never impossible, and each answer halves what is left
        to ask on average."""
        params, meta = self.params, self.meta
        if delivery != "comment" or params.exploration_rate <= 0 or usefulness <= 0:
            return None, (), 0.0
        direction = -1.0 if meta.lower_is_worse else 1.0  # work as if higher were always worse
        unit = _FLOAT_UNIT if meta.lower_is_worse else _INTEGER_UNIT
        top = direction * threshold
        low = direction * (threshold / params.probe_ratio if meta.lower_is_worse else threshold * params.probe_ratio)
        cuts = _grid(low, top, unit)
        if not cuts:
            return None, (), 0.0
        band = self._band_votes(scale, direction, low, top)
        prior = params.probe_usefulness * usefulness
        posterior = _cut_posterior([*cuts, top], prior, band, self.book.votes, params)
        masses = [(direction * cut, mass) for cut, mass in zip(cuts, posterior, strict=False)]
        found = tuple((round(cut, 2), round(mass, 4)) for cut, mass in masses if mass >= 1e-4)
        if not found:
            return None, (), 0.0
        stricter = min(sum(mass for _, mass in masses), 1.0)
        return found[0][0], found, stricter  # the loosest cut still in question: values beyond it are candidates


def _grid(low: float, top: float, unit: float) -> list[float]:
    """The cuts a team could hold strictly between the probe point and the threshold, a unit apart."""
    first = math.ceil(low / unit - EVIDENCE_TOLERANCE) * unit
    count = round((top - first) / unit)
    return [first + step * unit for step in range(max(count, 0))]


@dataclass(frozen=True, slots=True)
class _BandVote:
    """A vote on a value in a probe band: the value as if higher were worse, 👍 or not, its weight, which vote on
    the rule it was."""

    value: float
    wanted: bool
    weight: float
    number: int


def _cut_posterior(
    points: Sequence[float], stricter: float, band: Sequence[_BandVote], votes: int, params: LearningParameters
) -> list[float]:
    """P(the team's cut is each of `points` now): the band's cuts, then the threshold (no stricter cut).

    Bayesian change-point detection, as for usefulness (`_estimate`): before any vote on the rule the team may
    have moved its cut, with chance `change_rate`, so the current cut may hold from any band vote on. Each such
    start is weighed by the prior chance that the last change fell just before it (or before the oldest band vote
    counted, or after the newest), times how well one cut explains the band votes before it and another those
    from it on; the posterior is the mixture of each start's posterior over the cuts. A change sets the whole old
    record aside at once: old refusals stop probing only until a change since them is about as likely as not.
    The prior gives the stricter cuts `stricter`, evenly; a vote against what a cut says is noise (`vote_noise`)."""
    right, wrong = math.log(1 - params.vote_noise), math.log(params.vote_noise)
    prior = [math.log(stricter / (len(points) - 1))] * (len(points) - 1) + [math.log(1 - stricter)]
    fits = [[0.0] for _ in points]  # per point, log P(the first i band votes | that cut)
    for vote in band:
        for point, fit in zip(points, fits, strict=True):
            fit.append(fit[-1] + vote.weight * (right if (vote.value > point) == vote.wanted else wrong))
    count, keep = len(band), math.log1p(-params.change_rate)
    numbers = [vote.number for vote in band] + [votes + 1]  # the next vote closes the last gap
    scored = []
    for start in range(count + 1):  # the current cut holds from band vote `start` on (`count`: from the next)
        unchanged = (votes + 1 - numbers[start]) * keep
        changed = _log1mexp((numbers[start] - numbers[start - 1]) * keep) if start else 0.0
        before = _logsumexp([p + fit[start] for p, fit in zip(prior, fits, strict=True)])
        after = [p + fit[count] - fit[start] for p, fit in zip(prior, fits, strict=True)]
        scored.append((unchanged + changed + before + _logsumexp(after), after))
    peak = max(score for score, _ in scored)
    total = sum(math.exp(score - peak) for score, _ in scored)
    mixed = [0.0] * len(points)
    for score, after in scored:
        share = math.exp(score - peak) / total
        if share < 1e-9:
            continue  # a start the votes rule out contributes nothing
        norm = _logsumexp(after)
        for index, value in enumerate(after):
            mixed[index] += share * math.exp(value - norm)
    return mixed


def _logsumexp(values: Sequence[float]) -> float:
    peak = max(values)
    return peak + math.log(sum(math.exp(value - peak) for value in values))


def _log1mexp(value: float) -> float:
    """log(1 − e^value), for value ≤ 0 (−inf at 0)."""
    return math.log(-math.expm1(value)) if value < 0 else -math.inf


def _bucket(vote: Vote) -> Bucket:
    return None if vote.value is None else round(vote.value * 2) / 2


def _best_cut(
    points: Sequence[tuple[float, float, float]], current: float, unit: float, margins: tuple[float, float]
) -> float:
    """Over value buckets (value, wanted, refused) sorted by value, the cut with the fewest misses (a wanted value
    at or below it, a refused one above it); `current` unless the best beats it by the margin (`margins`: for a
    stricter cut, for a looser one). Of equally good cuts, a looser one is the closest to `current` (comments above
    the threshold bring evidence of the rest); a stricter one is the middle of the run of equally good cuts nearest
    to `current`, so it is at most half that run away from wherever the team's cut lies in it (only probes bring
    evidence below a threshold). One sweep: linear in the buckets."""
    candidates = sorted({current, *(value for value, _, _ in points), *(value - unit for value, _, _ in points)})
    refused_above = sum(down for _, _, down in points)
    wanted_below = 0.0
    index = 0
    losses = []
    for cut in candidates:
        while index < len(points) and points[index][0] <= cut:
            wanted_below += points[index][1]
            refused_above -= points[index][2]
            index += 1
        losses.append(round(wanted_below + refused_above, 9))
    best_loss = min(losses)
    best = min((i for i, loss in enumerate(losses) if loss == best_loss), key=lambda i: abs(candidates[i] - current))
    margin = margins[0] if candidates[best] < current else margins[1]
    if best_loss > losses[candidates.index(current)] - margin + EVIDENCE_TOLERANCE:
        return current
    if candidates[best] > current:
        return candidates[best]
    low = best
    while low > 0 and losses[low - 1] == best_loss:
        low -= 1
    middle = (candidates[low] + candidates[best]) / 2
    return math.ceil(middle / unit - EVIDENCE_TOLERANCE) * unit  # of two middles, the one nearer `current`


@dataclass(frozen=True, slots=True)
class _Estimate:
    usefulness: float
    said: float
    """Trust-weighted votes behind the estimate, before age fading."""
    set_aside: int
    """Votes before the most probable change of taste (0 when a change is less likely than none)."""
    spread: float
    """Standard deviation of the usefulness (over every possible change of taste and within each)."""
    worth: float
    """Chance that the usefulness is at least the comment cut."""
    regime: _Tally
    """The votes of the likeliest current taste."""


def _estimate(units: Sequence[_Tally], prior: tuple[float, float], params: LearningParameters) -> _Estimate:
    """The rule's usefulness, allowing that the team changed its mind once among its latest votes.

    Bayesian change-point detection for the latest change: `units` are the older votes summed, then each recent
    vote in the order cast. Each possible start of the current taste is weighed by how well one Beta explains the
    votes before it and another the votes after it, times the prior chance of a change (`change_rate`); a start
    needs `change_run` votes after it, so a couple of noisy votes cannot overturn a record. The estimate is the
    weighted mean of the (age-faded) posteriors after each start; where the change lies depends on the votes alone,
    not on their age. The spread is the mixture's standard deviation, the worth its chance to clear the cut.
    """
    alpha, beta = prior
    up, down, up_faded, down_faded = [0.0], [0.0], [0.0], [0.0]
    for unit in units:
        up.append(up[-1] + unit.up)
        down.append(down[-1] + unit.down)
        up_faded.append(up_faded[-1] + unit.up_faded)
        down_faded.append(down_faded[-1] + unit.down_faded)
    last = len(units)
    starts = [0, *(s for s in range(1, last) if last - s >= params.change_run)]
    change = math.log(params.change_rate)
    scores = [
        _log_beta_evidence(up[start], down[start], alpha, beta)
        + _log_beta_evidence(up[last] - up[start], down[last] - down[start], alpha, beta)
        + (change if start else 0.0)
        for start in starts
    ]
    top = max(scores)
    weights = [math.exp(score - top) for score in scores]
    norm = sum(weights)
    usefulness = second_moment = said = worth = 0.0
    for start, weight in zip(starts, weights, strict=True):
        share = weight / norm
        if share < 1e-9:
            continue  # a start the votes rule out contributes nothing
        a = alpha + max(up_faded[last] - up_faded[start], 0.0)
        b = beta + max(down_faded[last] - down_faded[start], 0.0)
        mean = a / (a + b)
        usefulness += share * mean
        second_moment += share * (mean * (1 - mean) / (a + b + 1) + mean**2)
        said += share * (up[last] - up[start] + down[last] - down[start])
        worth += share * _above(a, b, params.comment_below)
    likeliest = starts[max(range(len(starts)), key=lambda i: weights[i])]
    changed = weights[0] < norm / 2
    spread = math.sqrt(max(second_moment - usefulness**2, 0.0))
    first = likeliest if changed else 0
    regime = _Tally(
        up[last] - up[first],
        down[last] - down[first],
        max(up_faded[last] - up_faded[first], 0.0),
        max(down_faded[last] - down_faded[first], 0.0),
    )
    set_aside = round(up[first] + down[first]) if changed else 0
    return _Estimate(usefulness, said, set_aside, spread, worth, regime)


def _above(alpha: float, beta: float, cut: float) -> float:
    """P(p ≥ cut) for p ~ Beta(α, β), by the normal approximation (exact enough to rank and to share reviews)."""
    mean = alpha / (alpha + beta)
    spread = math.sqrt(alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)))
    if spread <= 0:
        return float(mean >= cut)
    return 0.5 * (1 - math.erf((cut - mean) / (spread * math.sqrt(2))))


def _beta_like(mean: float, spread: float) -> tuple[float, float] | None:
    """The Beta(α, β) with this mean and standard deviation (for sampling), None when it has no spread."""
    if spread <= 0 or not 0 < mean < 1:
        return None
    strength = max(mean * (1 - mean) / spread**2 - 1, 0.5)
    return round(mean * strength, 3), round((1 - mean) * strength, 3)


def _in_doubt(
    estimate: _Estimate, presumed: float, delivery: Delivery, *, muted: bool, pinned: bool, params: LearningParameters
) -> bool:
    """Whether the votes leave a fair chance that the rule belongs on the other side of the comment cut than where it
    is delivered (unless a person or the config decided its delivery). A commenting rule is held back once it has
    the minimum evidence, or before, as soon as its votes make that chance larger than the prior's (`presumed`):
    holding back is cheap, so a sparse team's first 👎 need not wait for more. Asking about a quiet rule waits."""
    if muted or pinned or delivery == "silent" or estimate.spread <= 0:
        return False
    if delivery == "comment":
        doubt = 1 - estimate.worth
        moved = enough(estimate.said, params.min_evidence) or doubt > 1 - presumed + EVIDENCE_TOLERANCE
        return doubt >= params.hold_back_chance and moved
    if not enough(estimate.said, params.min_evidence):
        return False
    return estimate.worth >= params.ask_chance


def _log_beta_evidence(up: float, down: float, alpha: float, beta: float) -> float:
    """log P(votes | Beta(α, β) prior): how well one steady taste explains them."""
    return (
        math.lgamma(alpha + up)
        + math.lgamma(beta + down)
        - math.lgamma(alpha + beta + up + down)
        + _log_beta_norm(alpha, beta)
    )


@functools.lru_cache(maxsize=4096)
def _log_beta_norm(alpha: float, beta: float) -> float:
    return math.lgamma(alpha + beta) - math.lgamma(alpha) - math.lgamma(beta)


def _prior_pseudo_votes(prior: RulePrior, params: LearningParameters) -> tuple[float, float]:
    """Beta(α, β) prior: close to the defaults' presumption that a rule they comment on is worth it, leaning the way
    other teams voted when they did (so a handful of votes leaves a rule near where it started)."""
    strength = params.prior_strength
    lean = params.default_usefulness
    if prior.positive + prior.negative > 0:
        lean = (prior.positive + strength * lean) / (prior.positive + prior.negative + strength)
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


def _with_weights(
    strategy: Strategy, regimes: Mapping[str, _Tally], catalogue: Mapping[str, RuleMeta], params: LearningParameters
) -> Strategy:
    """Dimensions the team values weigh more in the overall score (half to one and a half times the default)."""
    weights = dict(strategy.weights)
    for dimension in Dimension:
        if f"weights.{dimension.value}" in strategy.pinned:
            continue
        found = [t for rule, t in regimes.items() if rule in catalogue and catalogue[rule].dimension is dimension]
        total = sum(t.faded for t in found)
        if not enough(total, params.min_evidence):
            continue
        usefulness = sum(t.up_faded for t in found) / total
        weights[dimension] = round(weights[dimension] * (0.5 + usefulness), 3)
    return strategy.model_copy(update={"weights": weights})


def _with_budget(strategy: Strategy, regimes: Mapping[str, _Tally], params: LearningParameters) -> Strategy:
    """Fewer comments per review for a team that finds most of those it still gets not worth reading."""
    if "comment_budget" in strategy.pinned:
        return strategy
    rules = strategy.rules
    commenting = [t for rule, t in regimes.items() if rule not in rules or rules[rule].delivery == "comment"]
    total = sum(t.faded for t in commenting)
    if total < _BUDGET_EVIDENCE:
        return strategy
    usefulness = sum(t.up_faded for t in commenting) / total
    if usefulness >= 0.5:
        return strategy
    budget = max(_MIN_BUDGET, math.floor(strategy.comment_budget * usefulness / 0.5))
    return strategy.model_copy(update={"comment_budget": budget})


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return max(bounds[0], min(bounds[1], value))


def collective_priors(
    ledgers: Mapping[str, Ledger],
    catalogue: Mapping[str, RuleMeta],
    *,
    params: LearningParameters,
    now: datetime,
) -> CollectivePriors:
    """Per rule, across repositories: weighted votes for and against (how useful teams found it), and the median
    threshold teams settled on. Counts and numbers only, never code."""
    positive: dict[str, float] = defaultdict(float)
    negative: dict[str, float] = defaultdict(float)
    repositories: dict[str, int] = defaultdict(int)
    thresholds: dict[str, list[float]] = defaultdict(list)
    base = Strategy.default()
    alone = params.model_copy(update={"collective": False})
    for ledger in ledgers.values():
        learned = learn_from(base, ledger, catalogue, params=alone, now=now)
        for rule_id, record in learned.strategy.learned.items():
            votes = record.up + record.down + record.fixed + record.ignored + record.resolved
            if votes == 0:
                continue
            up, down = learned.regimes.get(rule_id, (0.0, 0.0))
            positive[rule_id] += up
            negative[rule_id] += down
            repositories[rule_id] += 1
            if record.threshold_to is not None and votes >= params.min_evidence:
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
