"""Learning: does learning from 👍/👎 make Toasty's comments worth reading? A simulator with hidden team tastes.

Each scenario is a repository whose team has a hidden taste (which findings it wants to be told about). The same
sequence of pull requests, built from real standard-library files added whole, is reviewed twice: once by Toasty
learning from the team's reactions (the App's loop: grade, choose comments with exploration, collect reactions,
re-learn from the whole log), once with the static defaults. A member reacts to a share of the comments and gets
a share of those wrong; the same comment on the same pull request gets the same reaction in both runs. Authors fix
nothing and nobody replies: the log holds reactions only (and, in the strangers' scenario, their mute requests).

Figures (the same code measures both runs):
- precision: share of posted comments (exploration comments included) the hidden taste wants;
- recall: share of the valued findings in the changed code that reached people, as a comment or an annotation
  (the valued findings are what a census grading with the loosest thresholds finds and the taste wants, so a
  threshold the defaults set too high counts as missed, not as absent);
- reactions to 90 %: reactions the strategy had learned from at the first window of 20 consecutive comments with
  90 % precision, and at the first from which every later window has it (within the taste's phase, so after a
  change of taste it is the recovery);
- strangers: whether the strategy learned with strangers' and bots' signals in the log differs at any pull request
  from the one learned from the team's signals alone.
"""

from __future__ import annotations

import hashlib
import os
import random
import sysconfig
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import corpus
from bot.commenting import Commentable, CommentTarget, choose_comments
from bot.engine.grader import grade_change
from bot.engine.models import ChangedFile, Finding, PullRequestGrade
from bot.engine.rules import CATALOGUE, RuleMeta
from bot.engine.strategy import Strategy
from bot.learning.learner import learn
from bot.learning.params import LearningParameters
from bot.learning.votes import Signal

PULLS = 100
"""Pull requests per scenario (the same sequence for every scenario and for both runs)."""
FILES_PER_PULL = (2, 5)
FILE_BYTES = (2_000, 40_000)
SEED = 20261105
WINDOW = 20
"""Posted comments in the rolling precision window."""
PRECISION_TARGET = 0.9
RECALL_TARGET = 0.9
AFTER_REACTIONS = 30
RECOVERY_TARGET = 20
PARAMS = LearningParameters(collective=False)
"""Shipped defaults; no collective priors, since each simulated repository stands alone."""
IGNORED = frozenset({"toasty[bot]"})
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
REPOSITORY = "octo/simulated"


# --- who wants what ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Taste:
    """A team's hidden preference, the ground truth Toasty only ever sees through reactions."""

    summary: str
    unwanted: frozenset[str] = frozenset()
    """Rule ids or dimension names whose findings the team never wants."""
    thresholds: tuple[tuple[str, float], ...] = ()
    """The team's own threshold per metric rule; the default threshold for the others."""

    def wants(self, finding: Finding) -> bool:
        """Whether this team would want to be told about the finding."""
        if finding.rule in self.unwanted or finding.dimension.value in self.unwanted:
            return False
        meta = CATALOGUE.get(finding.rule)
        if meta is None or meta.threshold is None or finding.value is None:
            return True
        return meta.exceeds(finding.value, dict(self.thresholds).get(meta.id, meta.threshold))


@dataclass(frozen=True)
class Reviewers:
    """How the team reacts: a share of comments get one member's 👍/👎, a share of those the wrong way."""

    members: tuple[str, ...] = ("alice", "bogdan", "chen")
    rate: float = 0.6
    noise: float = 0.1


@dataclass(frozen=True)
class Stranger:
    """An account outside the team that 👎s every comment and replies `@toasty mute <rule>` to it."""

    login: str
    association: str


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A repository: its taste (a second one from `change_at` on), its reviewers and any strangers."""

    key: str
    title: str
    tastes: tuple[Taste, ...]
    change_at: int | None = None
    reviewers: Reviewers = Reviewers()
    strangers: tuple[Stranger, ...] = ()

    def phase(self, index: int) -> int:
        """Which taste holds for the index-th pull request."""
        return int(self.change_at is not None and index >= self.change_at)


DOCS_AVERSE = Taste(
    "no docstring comments; cyclomatic complexity up to 15 is fine",
    unwanted=frozenset({"documentation"}),
    thresholds=(("complexity.cyclomatic", 15),),
)
STRICT = Taste(
    "every default finding, plus functions over 40 lines and over 4 parameters",
    thresholds=(("size.function-length", 40), ("size.parameters", 4)),
)
DEFAULTS = Taste("exactly what the defaults flag")
DOCS_LOVING = Taste(
    "docstring comments now wanted; asserts and swallowed exceptions no longer",
    unwanted=frozenset({"reliability.assert", "reliability.swallowed-exception"}),
)
DOCS_ONLY_AVERSE = Taste("no docstring comments, the rest as the defaults", unwanted=frozenset({"documentation"}))

SCENARIOS = (
    Scenario(key="A", title="dislikes docstring comments, accepts complexity up to 15", tastes=(DOCS_AVERSE,)),
    Scenario(key="B", title="strict on security and size", tastes=(STRICT,)),
    Scenario(key="C", title="taste changes halfway", tastes=(DOCS_ONLY_AVERSE, DOCS_LOVING), change_at=PULLS // 2),
    Scenario(
        key="D",
        title="wants what the defaults post; strangers and a bot 👎 everything",
        tastes=(DEFAULTS,),
        strangers=(
            Stranger("drive-by", "NONE"),
            Stranger("first-timer", "FIRST_TIME_CONTRIBUTOR"),
            Stranger("spam-bot[bot]", "BOT"),
        ),
    ),
)


# --- pull requests from real code -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PullRequest:
    """A change that adds a few real files whole, so every line is changed and commentable."""

    number: int
    files: tuple[corpus.SourceFile, ...]

    @property
    def seed(self) -> str:
        """What choose_comments hashes to decide exploration (the App uses the head commit)."""
        return f"pull-{self.number}"

    def grade(self, strategy: Strategy) -> PullRequestGrade:
        """The engine's verdict under a strategy (re-graded each time: delivery depends on the strategy)."""
        contents = {source.path: source.data for source in self.files}
        changes = [ChangedFile(path=path, status="added", whole_file=True) for path in contents]
        return grade_change(changes, contents.get, None, strategy)

    def commentable(self) -> dict[str, Commentable]:
        """Every line of an added file is on the diff's right side."""
        lines = {}
        for source in self.files:
            numbers = frozenset(range(1, source.data.count(b"\n") + 2))
            lines[source.path] = Commentable(added=numbers, inside_hunks=numbers)
        return lines


def pull_requests(files: Iterable[corpus.SourceFile], count: int, seed: int = SEED) -> list[PullRequest]:
    """Deterministic pull requests of 2–5 non-test files of 2–40 KB each, no file used twice."""
    eligible = [f for f in files if FILE_BYTES[0] <= len(f.data) <= FILE_BYTES[1] and not _is_test(f.path)]
    rng = random.Random(seed)
    rng.shuffle(eligible)
    pulls: list[PullRequest] = []
    while len(pulls) < count and eligible:
        size = rng.randint(*FILES_PER_PULL)
        chosen, eligible = eligible[:size], eligible[size:]
        pulls.append(PullRequest(len(pulls) + 1, tuple(chosen)))
    return pulls


def stdlib_root() -> Path:
    """Where this Python's standard library lives."""
    return Path(sysconfig.get_paths()["stdlib"])


def _is_test(path: str) -> bool:
    return any("test" in part for part in path.split("/"))


# --- the census: every finding a team could value -------------------------------------------------------------------

FindingKey = tuple[str, str, str, int]


def key(finding: Finding) -> FindingKey:
    """The same finding under two strategies (fingerprint ordinals may differ when thresholds do)."""
    return finding.rule, finding.path, finding.scope, finding.line


@dataclass(frozen=True)
class Census:
    """One pull request's findings at the loosest thresholds, and which of them the defaults show."""

    findings: tuple[Finding, ...]
    shown_by_default: frozenset[FindingKey]


def take_census(pulls: Iterable[PullRequest]) -> dict[int, Census]:
    """Graded once per pull request for every scenario: strategy-independent ground for recall."""
    loosest, default = census_strategy(), Strategy.default()
    return {
        pull.number: Census(
            tuple(pull.grade(loosest).findings),
            frozenset(key(f) for f in pull.grade(default).findings if f.visible),
        )
        for pull in pulls
    }


def census_strategy() -> Strategy:
    """The defaults with every metric threshold at its loosest bound, so any value a team could want is found."""
    base = Strategy.default()
    rules = {
        rule_id: settings.model_copy(update={"threshold": _loosest(CATALOGUE[rule_id]), "probe": None})
        if CATALOGUE[rule_id].is_metric
        else settings
        for rule_id, settings in base.rules.items()
    }
    return base.model_copy(update={"rules": rules})


def _loosest(meta: RuleMeta) -> float | None:
    if meta.bounds is None:
        return meta.threshold
    return meta.bounds[1] if meta.lower_is_worse else meta.bounds[0]


# --- the simulation -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    """One comment Toasty posted and whether the hidden taste wanted it."""

    rule: str
    fingerprint: str
    wanted: bool
    exploring: bool


@dataclass
class PullRecord:
    """What happened on one pull request."""

    phase: int
    learned_from: int
    """The team's reactions in this phase the strategy had learned from when it graded the pull request."""
    posted: list[Posted]
    valued: int
    surfaced: int
    """Valued findings that reached people (comment, annotation or exploration comment)."""
    commented: int
    """Valued findings that got a comment."""
    beyond: int
    """Valued findings the defaults do not show (a threshold the team wants lower than the default's)."""
    beyond_surfaced: int
    quietened: int
    """Valued findings past the threshold that learning delivered as annotations or not at all, not as comments."""
    reactions: int


@dataclass
class Run:
    """One pass over the pull requests, learning or static."""

    learning: bool
    records: list[PullRecord] = field(default_factory=list)
    strangers_moved: list[str] = field(default_factory=list)
    """Per pull request where the strategy with strangers' signals differed, what differed."""
    final: Strategy = field(default_factory=Strategy.default)
    log: list[Signal] = field(default_factory=list)


class Simulation:
    """Runs a scenario's review loop over the pull requests, learning or with the static defaults."""

    def __init__(
        self, scenario: Scenario, pulls: Sequence[PullRequest], census: dict[int, Census], seed: int = SEED
    ) -> None:
        self.scenario = scenario
        self.pulls = pulls
        self.census = census
        self.seed = seed

    def run(self, learning: bool, params: LearningParameters = PARAMS) -> Run:
        """Review every pull request in order; with learning, re-learn from the whole log after each one."""
        run = Run(learning=learning)
        strategy = Strategy.default()
        reactions = [0, 0]
        for index, pull in enumerate(self.pulls):
            phase = self.scenario.phase(index)
            taste = self.scenario.tastes[phase]
            grade = pull.grade(strategy)
            posted = choose_comments(grade, pull.commentable(), set(), strategy, seed=pull.seed)
            before = reactions[phase]
            reactions[phase] += self._react(run.log, pull, posted, taste, _day(index))
            self._strangers(run.log, posted, _day(index))
            run.records.append(self._record(phase, before, reactions[phase] - before, pull, grade, posted, taste))
            if learning:
                strategy = self._learn(run, _day(index + 1), params)
        run.final = strategy
        return run

    def _learn(self, run: Run, now: datetime, params: LearningParameters) -> Strategy:
        """The App's re-learning from the whole log; with strangers about, also without their signals, to compare."""
        learned = relearn(run.log, now, params)
        if self.scenario.strangers:
            difference = strategy_difference(learned, relearn(self._team_only(run.log), now, params))
            if difference:
                run.strangers_moved.append(difference)
        return learned

    def _team_only(self, log: Iterable[Signal]) -> list[Signal]:
        outsiders = {stranger.login for stranger in self.scenario.strangers}
        return [signal for signal in log if signal.actor not in outsiders]

    def _react(
        self, log: list[Signal], pull: PullRequest, posted: Sequence[CommentTarget], taste: Taste, day: datetime
    ) -> int:
        """The team's reactions: the same comment on the same pull request gets the same reaction in both runs."""
        reviewers = self.scenario.reviewers
        count = 0
        for position, target in enumerate(posted):
            finding = target.finding
            parts = (str(self.seed), self.scenario.key, pull.seed, finding.fingerprint)
            if _uniform(*parts, "reacts") >= reviewers.rate:
                continue
            member = reviewers.members[int(_uniform(*parts, "who") * len(reviewers.members))]
            agrees = taste.wants(finding) != (_uniform(*parts, "noise") < reviewers.noise)
            when = day + timedelta(hours=1 + position % 8)
            log.append(_signal(len(log) + 1, finding, member, "MEMBER", "reaction", "+1" if agrees else "-1", when))
            count += 1
        return count

    def _strangers(self, log: list[Signal], posted: Sequence[CommentTarget], day: datetime) -> None:
        """Every stranger 👎s every comment and asks to mute its rule."""
        when = day + timedelta(hours=10)
        for stranger in self.scenario.strangers:
            for target in posted:
                for kind, content in (("reaction", "-1"), ("mute", None)):
                    log.append(
                        _signal(len(log) + 1, target.finding, stranger.login, stranger.association, kind, content, when)
                    )

    def trusted_strangers(self, run: Run, params: LearningParameters = PARAMS) -> str:
        """What the strangers' signals would have changed had they been trusted like members: the check's teeth."""
        trust = {**params.trust, **{s.association: 1.0 for s in self.scenario.strangers}}
        trusting = params.model_copy(update={"trust": trust})
        now = _day(len(self.pulls))
        return strategy_difference(relearn(run.log, now, trusting), relearn(self._team_only(run.log), now, params))

    def _record(
        self,
        phase: int,
        learned_from: int,
        reactions: int,
        pull: PullRequest,
        grade: PullRequestGrade,
        posted: Sequence[CommentTarget],
        taste: Taste,
    ) -> PullRecord:
        census = self.census[pull.number]
        valued = {key(f) for f in census.findings if taste.wants(f)}
        beyond = valued - census.shown_by_default
        commented = {key(t.finding) for t in posted}
        reached = {key(f) for f in grade.findings if f.visible} | commented
        return PullRecord(
            phase=phase,
            learned_from=learned_from,
            posted=[Posted(t.finding.rule, t.finding.fingerprint, taste.wants(t.finding), t.exploring) for t in posted],
            valued=len(valued),
            surfaced=len(valued & reached),
            commented=len(valued & commented),
            beyond=len(beyond),
            beyond_surfaced=len(beyond & reached),
            quietened=len(valued & {key(f) for f in grade.findings if f.delivery in ("annotation", "silent")}),
            reactions=reactions,
        )


def relearn(log: Sequence[Signal], now: datetime, params: LearningParameters = PARAMS) -> Strategy:
    """The strategy the App would derive from the log (defaults as the base, its own bot account ignored)."""
    return learn(Strategy.default(), log, CATALOGUE, params=params, now=now, ignored_actors=IGNORED)


def strategy_difference(a: Strategy, b: Strategy) -> str:
    """How strategy `a` differs from `b` (rule settings, learned records, weights, budget), or '' if it does not."""
    rules = [rule for rule in sorted(set(a.rules) | set(b.rules)) if a.rules.get(rule) != b.rules.get(rule)]
    parts = []
    if rules:
        quieter = Counter(
            a.rules[r].delivery for r in rules if r in b.rules and a.rules[r].delivery != b.rules[r].delivery
        )
        modes = ", ".join(f"{count} {mode}" for mode, count in sorted(quieter.items()))
        parts.append(f"settings of {len(rules)} rules" + (f" ({modes})" if modes else ""))
    if a.learned != b.learned:
        parts.append("learned records")
    if a.weights != b.weights:
        parts.append("weights")
    if a.comment_budget != b.comment_budget:
        parts.append(f"budget {b.comment_budget}→{a.comment_budget}")
    if a.exploration != b.exploration:
        parts.append("exploration")
    return ", ".join(parts)


def _signal(
    number: int, finding: Finding, actor: str, association: str, kind: str, content: str | None, when: datetime
) -> Signal:
    return Signal(
        id=number,
        repository=REPOSITORY,
        rule=finding.rule,
        fingerprint=finding.fingerprint,
        value=finding.value,
        actor=actor,
        association=association,
        signal=kind,
        content=content,
        occurred_at=when,
    )


def _day(index: int) -> datetime:
    """One pull request a day."""
    return START + timedelta(days=index)


def _uniform(*parts: str) -> float:
    """A reproducible draw in [0, 1) for a named decision."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


# --- figures --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseFigures:
    """One run's figures over one taste phase."""

    precision: float | None
    precision_after: float | None
    recall: float | None
    recall_after: float | None
    recall_as_comments: float | None
    recall_beyond: float | None
    quietened: float | None
    first_at_target: int | None
    """Reactions (within the phase) learned from when a window of comments first reached the target."""
    held_at_target: int | None
    """Reactions (within the phase) learned from when every later window is at the target; None: never."""
    comments_per_pull: float
    reactions: int


def phase_figures(run: Run, phase: int, after: int = AFTER_REACTIONS) -> PhaseFigures:
    """Precision, recall and reactions-to-target over one phase of a run."""
    records = [r for r in run.records if r.phase == phase]
    later = [r for r in records if r.learned_from >= after]
    first, held = reactions_to_target(records)
    return PhaseFigures(
        precision=precision(records),
        precision_after=precision(later),
        recall=recall(records),
        recall_after=recall(later),
        recall_as_comments=recall(records, as_comments=True),
        recall_beyond=_share(sum(r.beyond_surfaced for r in records), sum(r.beyond for r in records)),
        quietened=_share(sum(r.quietened for r in records), sum(r.valued for r in records)),
        first_at_target=first,
        held_at_target=held,
        comments_per_pull=sum(len(r.posted) for r in records) / max(1, len(records)),
        reactions=sum(r.reactions for r in records),
    )


def precision(records: Iterable[PullRecord]) -> float | None:
    """Share of posted comments the team wanted."""
    posted = [p.wanted for r in records for p in r.posted]
    return sum(posted) / len(posted) if posted else None


def recall(records: Iterable[PullRecord], as_comments: bool = False) -> float | None:
    """Share of valued findings that reached people (or, stricter, that got a comment)."""
    records = list(records)
    reached = sum(r.commented if as_comments else r.surfaced for r in records)
    return _share(reached, sum(r.valued for r in records))


def reactions_to_target(
    records: Sequence[PullRecord], window: int = WINDOW, target: float = PRECISION_TARGET
) -> tuple[int | None, int | None]:
    """Reactions learned from at the first window of comments at the target, and at the first from which every
    later window is (each counted at the window's first comment: the strategy that wrote it was already good)."""
    comments = [(p.wanted, r.learned_from) for r in records for p in r.posted]
    starts = range(len(comments) - window + 1)
    good = [sum(wanted for wanted, _ in comments[s : s + window]) >= target * window for s in starts]
    if not good:
        return None, None
    first = comments[good.index(True)][1] if any(good) else None
    bad = [s for s in starts if not good[s]]
    held_from = bad[-1] + 1 if bad else 0
    return first, comments[held_from][1] if held_from in starts else None


def learned_changes(strategy: Strategy) -> str:
    """The rules whose delivery or threshold learning moved away from the defaults, in a few words."""
    default = Strategy.default()
    parts = []
    for rule_id, settings in sorted(strategy.rules.items()):
        was = default.rules[rule_id]
        moved: list[str] = []
        if settings.delivery != was.delivery:
            moved.append(settings.delivery)
        if settings.threshold != was.threshold:
            moved.append(f"threshold {_number(was.threshold)}→{_number(settings.threshold)}")
        if moved:
            parts.append(f"{rule_id} {', '.join(moved)}")
    if strategy.comment_budget != default.comment_budget:
        parts.append(f"budget {default.comment_budget}→{strategy.comment_budget}")
    return "; ".join(parts) or "nothing"


# --- the report -----------------------------------------------------------------------------------------------------


def run() -> Iterator[str]:
    """Simulate every scenario and yield report lines (TOASTY_BENCH_SEED draws other pull requests and reviewers)."""
    seed = int(os.environ.get("TOASTY_BENCH_SEED", SEED))
    pulls = pull_requests(corpus.stdlib().files, PULLS, seed)
    census = take_census(pulls)
    yield from _preamble(pulls, seed)
    for scenario in SCENARIOS:
        simulation = Simulation(scenario, pulls, census, seed)
        learned, static = simulation.run(learning=True), simulation.run(learning=False)
        yield from scenario_report(simulation, learned, static)


def _preamble(pulls: Sequence[PullRequest], seed: int) -> list[str]:
    reviewers = Reviewers()
    files = sum(len(p.files) for p in pulls)
    return [
        "## Learning (simulated teams; pull requests built from this Python's standard library)",
        "",
        f"{len(pulls)} pull requests, one a day, each adding {FILES_PER_PULL[0]}–{FILES_PER_PULL[1]} real files "
        f"({files} files of {FILE_BYTES[0] // 1000}–{FILE_BYTES[1] // 1000} KB, no tests; seed {seed}).",
        f"A member reacts to {reviewers.rate:.0%} of comments, {reviewers.noise:.0%} of reactions the wrong way. "
        "Learning re-learns after every pull request",
        "with the shipped LearningParameters (no collective priors); static is Strategy.default().",
        "precision: share of posted comments (exploration comments included) the hidden taste wants.",
        "recall: share of valued findings (found at the loosest thresholds, and wanted) shown as a comment or an",
        "  annotation; 'as comments': got a comment (the budget of 10 caps this for both); 'quietened': past the",
        "  threshold but delivered as annotation or silently because learning demoted the rule; 'beyond what the",
        "  defaults show': valued findings below a default threshold, which only learning can surface.",
        f"reactions to 90 %: reactions learned from at the first window of {WINDOW} consecutive comments with 90 % "
        "precision /",
        "  at the first from which every later window has it; after a change of taste, counted from the change.",
        "",
    ]


def scenario_report(simulation: Simulation, learned: Run, static: Run) -> Iterator[str]:
    """One scenario's table (learning beside static), what learning changed, and the target check."""
    scenario = simulation.scenario
    yield f"### {scenario.key}. {scenario.title}"
    for phase, taste in enumerate(scenario.tastes):
        when = "" if len(scenario.tastes) == 1 else f" ({_phase_name(phase)} the change)"
        yield f"taste{when}: {taste.summary}"
    yield f"{'':<48} {'learning':>14} {'static':>14}"
    figures = [(phase_figures(learned, p), phase_figures(static, p)) for p in range(len(scenario.tastes))]
    for phase, (mine, theirs) in enumerate(figures):
        suffix = "" if len(figures) == 1 else f", {_phase_name(phase)}"
        yield from _rows(mine, theirs, suffix, recovery=phase == 1)
    if scenario.strangers:
        yield _row("strategy moved by the strangers", _moved(learned), "n/a (static)")
    yield f"learned by the end: {learned_changes(learned.final)}"
    if scenario.strangers:
        yield f"had the strangers been trusted as members: {simulation.trusted_strangers(learned) or 'nothing'}"
    yield "targets (learning): " + "; ".join(target_checks(scenario, learned, [f for f, _ in figures]))
    yield ""


def _rows(mine: PhaseFigures, theirs: PhaseFigures, suffix: str, recovery: bool) -> Iterator[str]:
    after = f"after {AFTER_REACTIONS} reactions"
    yield _row(f"precision {after}{suffix}", _f(mine.precision_after), _f(theirs.precision_after))
    yield _row(f"precision, all pull requests{suffix}", _f(mine.precision), _f(theirs.precision))
    yield _row(f"recall {after}{suffix}", _f(mine.recall_after), _f(theirs.recall_after))
    yield _row(f"recall, all pull requests{suffix}", _f(mine.recall), _f(theirs.recall))
    yield _row(f"  as comments{suffix}", _f(mine.recall_as_comments), _f(theirs.recall_as_comments))
    yield _row(f"  quietened by its rule's delivery{suffix}", _f(mine.quietened), _f(theirs.quietened))
    if mine.recall_beyond is not None:
        yield _row(f"  beyond what the defaults show{suffix}", _f(mine.recall_beyond), _f(theirs.recall_beyond))
    name = "recovery to 90 %, first / held" if recovery else "reactions to 90 %, first / held"
    yield _row(name + suffix, _pair(mine), _pair(theirs))
    yield _row(f"comments per pull request{suffix}", f"{mine.comments_per_pull:.1f}", f"{theirs.comments_per_pull:.1f}")
    yield _row(f"reactions collected{suffix}", str(mine.reactions), str(theirs.reactions))


def target_checks(scenario: Scenario, learned: Run, figures: Sequence[PhaseFigures]) -> list[str]:
    """The issue's targets, each with the figure it was judged on."""
    checks = []
    for phase, mine in enumerate(figures):
        when = "" if len(figures) == 1 else f" ({_phase_name(phase)})"
        name = f"precision ≥ {PRECISION_TARGET} after {AFTER_REACTIONS} reactions{when}"
        checks.append(_check(name, mine.precision_after, PRECISION_TARGET))
    checks.append(_check(f"recall ≥ {RECALL_TARGET}", recall(learned.records), RECALL_TARGET))
    if len(figures) > 1:
        recovery = figures[1].held_at_target
        met = recovery is not None and recovery <= RECOVERY_TARGET
        checks.append(f"recovery ≤ {RECOVERY_TARGET} reactions: {_n(recovery)} {_verdict(met)}")
    if scenario.strangers:
        checks.append(f"strangers move nothing: {_verdict(not learned.strangers_moved)}")
    return checks


def _check(name: str, value: float | None, target: float) -> str:
    return f"{name}: {_f(value)} {_verdict(value is not None and value >= target)}"


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _phase_name(phase: int) -> str:
    return "before" if phase == 0 else "after"


def _moved(run: Run) -> str:
    """At how many pull requests the strategy differed from the one learned without the strangers."""
    return f"{len(run.strangers_moved)}/{len(run.records)} pulls"


def _row(name: str, mine: str, theirs: str) -> str:
    return f"{name:<48} {mine:>14} {theirs:>14}"


def _pair(figures: PhaseFigures) -> str:
    return f"{_n(figures.first_at_target)} / {_n(figures.held_at_target)}"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _n(value: int | None) -> str:
    return "never" if value is None else str(value)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"
