"""The folded log: folding in pieces is folding at once, and people who disagree with everyone weigh less."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.rules import CATALOGUE
from bot.engine.strategy import Strategy
from bot.learning.explain import changes, reviewer_lines, summary_section
from bot.learning.learner import learn, learn_from
from bot.learning.ledger import Ledger
from bot.learning.params import LearningParameters
from bot.learning.votes import Signal

NOW = datetime(2026, 11, 1, tzinfo=UTC)
PARAMS = LearningParameters(collective=False)
RULES = ("complexity.cyclomatic", "security.pickle", "documentation.function-docstring")
KINDS = (
    ("reaction", "+1"),
    ("reaction", "-1"),
    ("reaction", "heart"),
    ("reaction_removed", "+1"),
    ("reaction_removed", "-1"),
    ("ignore", None),
    ("fixed", None),
    ("resolved", None),
    ("unresolved", None),
    ("mute", None),
    ("unmute", None),
)

signal_rows = st.lists(
    st.tuples(
        st.sampled_from(RULES),
        st.integers(0, 6),  # finding
        st.sampled_from(("ana", "ben", "cy", "toasty[bot]", "passer-by")),
        st.sampled_from(KINDS),
        st.integers(2, 30),  # value
        st.integers(0, 400),  # days ago
    ),
    max_size=60,
)


def as_log(rows: list[tuple[str, int, str, tuple[str, str | None], int, int]]) -> list[Signal]:
    return [
        Signal(
            id=index + 1,
            repository="octo/demo",
            rule=rule,
            fingerprint=f"{rule}:{finding}",
            value=float(value) if rule == "complexity.cyclomatic" else None,
            actor=actor,
            association="NONE" if actor == "passer-by" else "MEMBER",
            signal=kind,
            content=content,
            occurred_at=NOW - timedelta(days=days),
        )
        for index, (rule, finding, actor, (kind, content), value, days) in enumerate(rows)
    ]


@settings(max_examples=60, deadline=None)
@given(signal_rows, st.integers(0, 60))
def test_folding_the_log_in_pieces_learns_what_folding_it_at_once_does(rows: list, split: int) -> None:
    log = as_log(rows)
    whole = learn(Strategy.default(), log, CATALOGUE, params=PARAMS, now=NOW, ignored_actors=frozenset({"toasty[bot]"}))
    ledger = Ledger(PARAMS, frozenset({"toasty[bot]"}))
    ledger.fold(log[:split])
    ledger.fold(log[split:])
    ledger.fold(log[: split // 2])  # entries already folded in are not taken twice
    pieces = learn_from(Strategy.default(), ledger, CATALOGUE, params=PARAMS, now=NOW).strategy
    assert pieces.rules == whole.rules
    assert pieces.learned.keys() == whole.learned.keys()
    for rule, record in whole.learned.items():
        assert pieces.learned[rule].usefulness == record.usefulness
        assert (pieces.learned[rule].up, pieces.learned[rule].down) == (record.up, record.down)


@settings(max_examples=40, deadline=None)
@given(signal_rows)
def test_any_log_gives_a_valid_strategy(rows: list) -> None:
    strategy = learn(Strategy.default(), as_log(rows), CATALOGUE, params=PARAMS, now=NOW)
    Strategy.model_validate_json(strategy.to_json())  # a document the Action can read
    for rule, settings_now in strategy.rules.items():
        meta = CATALOGUE.get(rule)
        if meta is not None and meta.bounds is not None and settings_now.threshold is not None:
            assert meta.bounds[0] <= settings_now.threshold <= meta.bounds[1]
        assert 0 <= settings_now.usefulness <= 1


class Team:
    """A log of several reviewers voting on the same findings."""

    def __init__(self) -> None:
        self.signals: list[Signal] = []

    def vote(
        self, rule: str, finding: int, actor: str, content: str, *, day: int = 0, value: float | None = None
    ) -> None:
        self.signals.append(
            Signal(
                id=len(self.signals) + 1,
                repository="octo/demo",
                rule=rule,
                fingerprint=f"{rule}:{finding}",
                value=None,
                actor=actor,
                association="COLLABORATOR",
                signal="reaction",
                content=content,
                occurred_at=NOW - timedelta(days=60 - day, minutes=-len(self.signals)),
            )
        )

    def learned(self) -> Strategy:
        return learn(Strategy.default(), self.signals, CATALOGUE, params=PARAMS, now=NOW)


def test_a_reviewer_who_disagrees_with_everyone_else_weighs_nothing() -> None:
    team = Team()
    for finding in range(40):
        rule = RULES[finding % 2 + 1] if finding % 4 else "security.pickle"
        team.vote(rule, finding, ("ana", "ben", "cy")[finding % 3], "+1", day=finding)
        team.vote(rule, finding, "grumpy", "-1", day=finding)
    strategy = team.learned()
    assert strategy.rules["security.pickle"].delivery == "comment"
    assert strategy.rules["documentation.function-docstring"].delivery == "comment"
    assert strategy.rules["security.pickle"].usefulness > 0.8
    (discounted,) = strategy.reviewers  # one person, unnamed in the strategy document
    assert discounted.weight == 0
    assert discounted.disagreement >= 0.9
    assert "grumpy" not in strategy.to_json()
    assert any("1 reviewer weigh less" in line for line in changes(strategy))
    assert "votes from 1 reviewer weigh less" in summary_section(strategy)


def test_maintainers_are_told_whose_votes_weigh_less() -> None:
    team = Team()
    for finding in range(20):
        team.vote("security.pickle", finding, "ana", "+1", day=finding)
        team.vote("security.pickle", finding, "grumpy", "-1", day=finding)
    ledger = Ledger.of(team.signals, PARAMS)
    reviewers = learn_from(Strategy.default(), ledger, CATALOGUE, params=PARAMS, now=NOW).reviewers
    lines = reviewer_lines(reviewers)
    # Two people who only ever disagree: neither can be told from the other, so both weigh less.
    assert any(line.startswith("votes from @grumpy weigh less") for line in lines)
    assert all("disagree with the other reviewers on" in line for line in lines)


def test_a_single_active_reviewer_still_teaches_toasty() -> None:
    team = Team()
    for finding in range(6):
        team.vote("documentation.function-docstring", finding, "solo", "-1", day=finding)
    strategy = team.learned()
    assert strategy.rules["documentation.function-docstring"].delivery == "annotation"
    assert strategy.reviewers == ()


def test_no_one_person_outweighs_the_rest_of_the_team_on_a_rule() -> None:
    team = Team()
    for finding in range(60):  # one person 👎s many findings nobody else voted on …
        team.vote("security.pickle", finding, "prolific", "-1", day=finding % 50)
    for index, finding in enumerate(range(60, 68)):  # … while four others are of two minds about it
        team.vote("security.pickle", finding, ("ana", "ben", "cy", "dee")[index % 4], "+1" if index < 4 else "-1")
    strategy = team.learned()
    assert strategy.learned["security.pickle"].bounded == 1
    assert any("no one outweighs the rest of the team" in line for line in changes(strategy))
    alone = Team()
    for finding in range(60):
        alone.vote("security.pickle", finding, "prolific", "-1", day=finding % 50)
    assert alone.learned().learned["security.pickle"].bounded == 0  # alone on the rule: not bounded
    assert strategy.rules["security.pickle"].usefulness > alone.learned().rules["security.pickle"].usefulness + 0.1
