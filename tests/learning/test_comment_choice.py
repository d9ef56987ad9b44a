"""Which findings become review comments: the budget, the ranking, the diff's lines, and exploration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commenting import Commentable, choose_comments
from bot.engine import ChangedFile, PullRequestGrade, grade_change
from bot.engine.models import Delivery
from bot.engine.rules import CATALOGUE
from bot.engine.strategy import LearnedRule, Strategy, default_settings

SOURCE = """\
\"\"\"A module.\"\"\"


def run(code, seen=[]):
    return eval(code)


def load(path, cache={}):
    return open(path).read()


def first(items):
    return items[0]


def second(items):
    return items[1]
"""
PATH = "pkg/module.py"
EVERY_LINE = Commentable(frozenset(range(1, 18)), frozenset(range(1, 18)))


def strategy(
    quiet: dict[str, tuple[Delivery, int]] | None = None, doubted: frozenset[str] = frozenset(), **update: object
) -> Strategy:
    """The defaults, with some rules quietened by learning (delivery, days since the team last voted on it) and
    some in doubt (the team's latest votes disagree with their delivery)."""
    base = Strategy.default()
    rules = dict(base.rules)
    learned = {
        rule: LearnedRule(usefulness=0.7, evidence=3.0, up=2, down=1, in_doubt=True, ask_chance=1.0) for rule in doubted
    }
    for rule, (delivery, days) in (quiet or {}).items():
        rules[rule] = (rules.get(rule) or default_settings(CATALOGUE[rule])).model_copy(update={"delivery": delivery})
        heard = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(days=days)
        learned[rule] = LearnedRule(
            usefulness=0.2, evidence=3.0, down=3, delivery_to=delivery, last_heard=heard, in_doubt=rule in doubted
        )
    return base.model_copy(update={"rules": rules, "learned": learned, **update})


def graded(plan: Strategy) -> PullRequestGrade:
    return grade_change(
        [ChangedFile(path=PATH, status="added", whole_file=True)], lambda _: SOURCE.encode(), None, plan
    )


def rules_commented(
    plan: Strategy, commentable: Commentable = EVERY_LINE, seen: frozenset[str] = frozenset()
) -> list[str]:
    chosen = choose_comments(graded(plan), {PATH: commentable}, seen, plan, seed="head-sha")
    return [target.finding.rule + (" (exploring)" if target.exploring else "") for target in chosen]


def rules_commented_with(plan: Strategy, seed: str) -> list[str]:
    return [target.finding.rule for target in choose_comments(graded(plan), {PATH: EVERY_LINE}, set(), plan, seed=seed)]


def test_the_most_valuable_findings_fill_the_budget() -> None:
    commented = rules_commented(strategy(comment_budget=2))
    assert commented == ["security.eval", "reliability.mutable-default"]


def test_findings_already_commented_on_or_outside_the_diff_are_left_to_annotations() -> None:
    grade = graded(strategy())
    eval_finding = next(f for f in grade.findings if f.rule == "security.eval")
    assert "security.eval" not in rules_commented(strategy(), seen=frozenset({eval_finding.fingerprint}))
    only_the_top = Commentable(frozenset(range(1, 6)), frozenset(range(1, 6)))  # `load`, `first`, `second` unchanged
    assert set(rules_commented(strategy(), commentable=only_the_top)) == {
        "security.eval",
        "reliability.mutable-default",
        "documentation.function-docstring",
    }


def test_quietened_rules_get_no_comments_without_exploration() -> None:
    plan = strategy({"documentation.function-docstring": ("annotation", 6)})
    assert "documentation.function-docstring" not in rules_commented(plan)


def asking(chances: dict[str, tuple[float, tuple[float, float]]], **update: object) -> Strategy:
    """The defaults with these rules quietened by learning: (chance they are worth a comment, Beta posterior)."""
    base = Strategy.default()
    rules = dict(base.rules)
    learned = {}
    for rule, (chance, posterior) in chances.items():
        rules[rule] = rules[rule].model_copy(update={"delivery": "annotation"})
        learned[rule] = LearnedRule(
            usefulness=posterior[0] / sum(posterior),
            evidence=5.0,
            delivery_to="annotation",
            worth_chance=chance,
            ask_chance=chance,
            posterior=posterior,
            in_doubt=chance >= 0.33,
        )
    return base.model_copy(update={"rules": rules, "learned": learned, **update})


def explored(plan: Strategy, seed: str) -> list[str]:
    chosen = choose_comments(graded(plan), {PATH: EVERY_LINE}, set(), plan, seed=seed)
    return [target.finding.rule for target in chosen if target.exploring]


def test_exploration_goes_where_usefulness_could_be_high_not_round_robin() -> None:
    plan = asking(
        {"documentation.function-docstring": (0.0, (1.0, 30.0)), "reliability.mutable-default": (0.0, (6.0, 6.0))},
        exploration=1.0,
    )
    picks = [rule for index in range(60) for rule in explored(plan, f"head-{index}")]
    assert len(picks) == 60  # one exploration comment per review
    assert picks.count("reliability.mutable-default") >= 54  # the uncertain rule, not the firmly refused one


@settings(max_examples=8, deadline=None)
@given(st.floats(0.0, 0.95))
def test_a_quietened_rule_is_asked_about_in_the_share_of_reviews_its_chance_says(chance: float) -> None:
    plan = asking({"reliability.mutable-default": (chance, (2.0, 2.0))})
    asked = sum(bool(explored(plan, f"head-{index}")) for index in range(300)) / 300
    assert abs(asked - chance) < 0.08  # Thompson sampling: however small the chance, it is asked that often


def test_a_strategy_from_before_ask_chance_asks_with_the_worth_chance() -> None:
    plan = asking({"reliability.mutable-default": (0.5, (2.0, 2.0))})
    older = plan.model_copy(
        update={"learned": {r: x.model_copy(update={"ask_chance": None}) for r, x in plan.learned.items()}}
    )
    assert sum(bool(explored(older, f"head-{index}")) for index in range(300)) / 300 == pytest.approx(0.5, abs=0.08)


def test_one_question_per_review_and_never_about_what_the_team_muted() -> None:
    both = asking(
        {"reliability.mutable-default": (1.0, (9.0, 1.0)), "documentation.function-docstring": (1.0, (9.0, 1.0))}
    )
    assert len(explored(both, "head-sha")) == 1
    muted = both.model_copy(
        update={"learned": {rule: record.model_copy(update={"muted": True}) for rule, record in both.learned.items()}}
    )
    assert explored(muted, "head-sha") == []


def probing(cuts: tuple[tuple[float, float], ...], chance: float = 1.0, **update: object) -> Strategy:
    """The defaults with cyclomatic complexity flagged above 3 and these cuts of the team's in question below it."""
    base = Strategy.default()
    rules = dict(base.rules)
    rules["complexity.cyclomatic"] = rules["complexity.cyclomatic"].model_copy(update={"threshold": 3.0, "probe": 0.0})
    record = LearnedRule(usefulness=0.9, evidence=9.0, probe_chance=chance, probe_cuts=cuts)
    return base.model_copy(update={"rules": rules, "learned": {"complexity.cyclomatic": record}, **update})


def probed(plan: Strategy, seed: str) -> list[float | None]:
    chosen = choose_comments(graded(plan), {PATH: EVERY_LINE}, set(), plan, seed=seed)
    return [t.finding.value for t in chosen if t.exploring and t.finding.delivery == "probe"]


def test_a_probe_below_the_threshold_is_asked_beyond_the_comment_budget() -> None:
    plan = probing(((0.0, 1.0),), comment_budget=1)
    chosen = choose_comments(graded(plan), {PATH: EVERY_LINE}, set(), plan, seed="head-sha")
    assert [(t.finding.rule, t.exploring) for t in chosen][-1] == ("complexity.cyclomatic", True)
    assert chosen[-1].finding.delivery == "probe"
    assert sum(not t.exploring for t in chosen) == 1  # the budget still holds for ordinary comments


BRANCHY = "\n\n".join(
    f"def f{n}(x):\n" + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(n)) + "    return x\n"
    for n in range(4)
)
"""Functions of cyclomatic complexity 1, 2, 3 and 4."""


def test_a_probe_asks_about_the_value_just_beyond_a_cut_drawn_from_where_the_team_may_hold_it() -> None:
    lines = Commentable(frozenset(range(1, 40)), frozenset(range(1, 40)))

    def probed_values(plan: Strategy) -> set[float | None]:
        grade = grade_change(
            [ChangedFile(path=PATH, status="added", whole_file=True)], lambda _: BRANCHY.encode(), None, plan
        )
        return {
            t.finding.value
            for index in range(20)
            for t in choose_comments(grade, {PATH: lines}, set(), plan, seed=f"head-{index}")
            if t.exploring
        }

    for cut, beyond in ((0.0, 1.0), (1.0, 2.0), (2.0, 3.0)):  # the team's cut surely there: ask just beyond it
        assert probed_values(probing(((cut, 1.0),), comment_budget=0)) == {beyond}
    halves = probing(((0.0, 0.5), (2.0, 0.5)), comment_budget=0)
    assert probed_values(halves) == {1.0, 3.0}  # a cut drawn by its chance each review


def test_probes_are_asked_in_the_share_of_reviews_a_stricter_cut_is_likely() -> None:
    plan = probing(((0.0, 0.3),), chance=0.3)
    asked = sum(bool(probed(plan, f"head-{index}")) for index in range(300)) / 300
    assert asked == pytest.approx(0.3, abs=0.08)


def test_a_rule_in_doubt_comments_once_per_review_in_the_share_of_reviews_its_chance_says() -> None:
    assert rules_commented(strategy()).count("documentation.function-docstring") == 4  # one per function
    doubted = strategy(doubted=frozenset({"documentation.function-docstring"}))
    commented = rules_commented(doubted)
    assert commented.count("documentation.function-docstring") == 1
    assert commented.count("reliability.mutable-default") == 2  # other rules are not held back
    annotated = [f.rule for f in graded(doubted).findings if f.visible]
    assert annotated.count("documentation.function-docstring") == 4  # the rest stay in the check run
    rarely = doubted.model_copy(
        update={"learned": {r: x.model_copy(update={"ask_chance": 0.25}) for r, x in doubted.learned.items()}}
    )
    heard = [
        "documentation.function-docstring" in rules_commented_with(rarely, f"head-{index}") for index in range(300)
    ]
    assert sum(heard) / 300 == pytest.approx(0.25, abs=0.08)


def test_exploration_never_overrides_what_the_repository_pinned() -> None:
    plan = strategy({"documentation.function-docstring": ("silent", 60)}, exploration=1.0)
    plan = plan.model_copy(update={"pinned": frozenset({"rules.documentation.function-docstring.delivery"})})
    assert not any("(exploring)" in rule for rule in rules_commented(plan))


def test_a_question_takes_a_place_in_a_full_budget() -> None:
    plan = asking({"documentation.function-docstring": (1.0, (9.0, 1.0))}, comment_budget=2)
    chosen = choose_comments(graded(plan), {PATH: EVERY_LINE}, set(), plan, seed="head-sha")
    assert len(chosen) == 2  # the budget holds …
    assert [t.finding.rule for t in chosen if t.exploring] == ["documentation.function-docstring"]  # … and asks
