"""Properties of the threshold and cut maths, over generated votes: the posterior is a distribution, a steady team's
posterior is plain Bayes, and a moved threshold fits the votes at least as well as any other cut."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.learning.learner import _BandVote, _best_cut, _cut_posterior
from bot.learning.params import LearningParameters

POINTS = [float(value) for value in range(7, 11)]  # cuts 7–9, then the threshold 10
PARAMS = LearningParameters()


def _numbered(raw: list[tuple[int, bool, float, int]]) -> list[_BandVote]:
    """Band votes in the order cast, each some votes on the rule after the one before."""
    votes, number = [], 0
    for value, wanted, weight, gap in raw:
        number += gap
        votes.append(_BandVote(float(value), wanted, weight, number))
    return votes


band_votes = st.lists(
    st.tuples(st.integers(8, 10), st.booleans(), st.sampled_from([0.25, 0.5, 1.0]), st.integers(1, 6)),
    max_size=25,
).map(_numbered)


@settings(max_examples=200, deadline=None)
@given(band_votes, st.floats(0.05, 0.95), st.integers(0, 50), st.floats(0.001, 0.2))
def test_the_cut_posterior_is_a_distribution(
    band: list[_BandVote], stricter: float, later: int, change_rate: float
) -> None:
    votes = (band[-1].number if band else 0) + later
    params = PARAMS.model_copy(update={"change_rate": change_rate})
    masses = _cut_posterior(POINTS, stricter, band, votes, params)
    assert all(mass >= 0 for mass in masses)
    assert math.isclose(sum(masses), 1.0, abs_tol=1e-6)  # starts the votes rule out (under 1e-9) are left out


@settings(max_examples=200, deadline=None)
@given(band_votes, st.floats(0.05, 0.95))
def test_a_team_that_never_changes_its_mind_gets_the_plain_posterior(band: list[_BandVote], stricter: float) -> None:
    steady = PARAMS.model_copy(update={"change_rate": 1e-12})
    right, wrong = math.log(0.9), math.log(0.1)
    logs = [
        math.log(stricter / 3 if point < 10 else 1 - stricter)
        + sum(v.weight * (right if (v.value > point) == v.wanted else wrong) for v in band)
        for point in POINTS
    ]
    total = sum(math.exp(value - max(logs)) for value in logs)
    plain = [math.exp(value - max(logs)) / total for value in logs]
    votes = band[-1].number if band else 0
    for got, expected in zip(_cut_posterior(POINTS, stricter, band, votes, steady), plain, strict=True):
        assert math.isclose(got, expected, abs_tol=1e-6)


buckets = st.dictionaries(
    st.integers(2, 30), st.tuples(st.sampled_from([0.0, 0.5, 1.0, 2.0]), st.sampled_from([0.0, 0.5, 1.0, 2.0]))
)


def _misses(cut: float, points: list[tuple[float, float, float]]) -> float:
    return sum(up for value, up, _ in points if value <= cut) + sum(down for value, _, down in points if value > cut)


@settings(max_examples=300, deadline=None)
@given(buckets, st.integers(5, 25))
def test_a_moved_threshold_misses_no_more_votes_than_any_cut_and_beats_the_old_by_the_margin(
    found: dict[int, tuple[float, float]], current: int
) -> None:
    points = sorted((float(value), up, down) for value, (up, down) in found.items() if up or down)
    margins = (PARAMS.probe_margin, PARAMS.threshold_margin)
    cut = _best_cut(points, float(current), 1.0, margins)
    if cut == current:
        return
    fewest = min(_misses(candidate, points) for candidate in range(32))
    assert math.isclose(_misses(cut, points), fewest, abs_tol=1e-9)
    margin = margins[0] if cut < current else margins[1]
    assert _misses(cut, points) <= _misses(current, points) - margin + 1e-9
