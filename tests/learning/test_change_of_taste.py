"""Noise and a change of taste are told apart by where the contrary votes fall, not by how many there are."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.learning.learner import RulePrior, _estimate, _prior_pseudo_votes, _Tally
from bot.learning.params import LearningParameters

PARAMS = LearningParameters(collective=False)
CUT = PARAMS.comment_below


def usefulness(votes: str) -> float:
    """The rule's usefulness after these votes (+ useful, - not), oldest first, all cast today."""
    units = [_Tally(1.0, 0.0, 1.0, 0.0) if vote == "+" else _Tally(0.0, 1.0, 0.0, 1.0) for vote in votes]
    return _estimate([_Tally(), *units], _prior_pseudo_votes(RulePrior(), PARAMS), PARAMS).usefulness


@settings(max_examples=60, deadline=None)
@given(record=st.integers(min_value=10, max_value=80), run=st.integers(min_value=4, max_value=8))
def test_a_sustained_run_of_refusals_after_any_record_quietens_the_rule_within_a_handful(record: int, run: int) -> None:
    assert usefulness("+" * record + "-" * run) < CUT


@settings(max_examples=60, deadline=None)
@given(gaps=st.lists(st.integers(min_value=4, max_value=12), min_size=2, max_size=8), lead=st.integers(6, 20))
def test_refusals_scattered_through_a_record_stay_noise(gaps: list[int], lead: int) -> None:
    votes = "+" * lead + "".join("-" + "+" * (gap - 1) for gap in gaps)  # each 👎 followed by 👍s
    assert usefulness(votes) >= CUT


def test_the_same_count_of_refusals_reads_differently_by_where_they_fall() -> None:
    scattered = "++++++-++++++-++++++-++++++-+++"
    consecutive = "+" * 27 + "----"
    assert scattered.count("-") == consecutive.count("-")
    assert usefulness(scattered) > 0.8
    assert usefulness(consecutive) < 0.3
