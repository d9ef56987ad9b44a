"""The learning simulator on a tiny repository: what a team notices when learning works."""

from __future__ import annotations

import pytest

from benchmarks import corpus
from benchmarks.learning import (
    DEFAULTS,
    PullRecord,
    PullRequest,
    Reviewers,
    Scenario,
    Simulation,
    Stranger,
    Taste,
    pull_requests,
    stdlib_root,
    take_census,
)

DOCS_AVERSE = Taste("no docstring comments", unwanted=frozenset({"documentation"}))
CAREFUL = Reviewers(rate=1.0, noise=0.0)
"""Reviewers who answer every comment, rightly: the tiny run has no reactions to spare."""


@pytest.fixture(scope="module")
def pulls() -> list[PullRequest]:
    """Nine pull requests from small standard-library packages, many of them full of undocumented functions."""
    files = [
        corpus.SourceFile(f"{package}/{source.path}", source.data)
        for package in ("turtledemo", "importlib", "xml")
        for source in corpus.load(package, stdlib_root() / package).files
    ]
    chosen = pull_requests(files, 9, seed=3)
    assert len(chosen) == 9
    return chosen


def docstring_comments(record: PullRecord) -> list[str]:
    return [p.fingerprint for p in record.posted if p.rule.startswith("documentation.") and not p.exploring]


def test_a_team_that_downvotes_docstring_comments_stops_getting_them(pulls: list[PullRequest]) -> None:
    scenario = Scenario(key="docs", title="dislikes docstring comments", tastes=(DOCS_AVERSE,), reviewers=CAREFUL)
    simulation = Simulation(scenario, pulls, take_census(pulls))
    learned, static = simulation.run(learning=True), simulation.run(learning=False)

    assert docstring_comments(learned.records[0]) == docstring_comments(static.records[0]) != []
    last = slice(-3, None)
    assert sum(len(docstring_comments(r)) for r in static.records[last]) > 0
    assert all(docstring_comments(r) == [] for r in learned.records[last])
    assert all(p.wanted for r in learned.records[last] for p in r.posted if not p.exploring)
    assert any(p.wanted for r in learned.records[last] for p in r.posted)


def test_strangers_downvoting_everything_change_no_comment(pulls: list[PullRequest]) -> None:
    strangers = (Stranger("drive-by", "NONE"), Stranger("spam-bot[bot]", "BOT"))
    census = take_census(pulls[:5])
    team = {"key": "D", "title": "wants the defaults", "tastes": (DEFAULTS,), "reviewers": CAREFUL}
    attacked = Simulation(Scenario(**team, strangers=strangers), pulls[:5], census)
    alone = Simulation(Scenario(**team), pulls[:5], census)
    with_strangers, without = attacked.run(learning=True), alone.run(learning=True)

    assert with_strangers.strangers_moved == []
    assert [r.posted for r in with_strangers.records] == [r.posted for r in without.records]
    assert with_strangers.final.rules == without.final.rules
