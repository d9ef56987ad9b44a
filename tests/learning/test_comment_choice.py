"""Which findings become review comments: the budget, the ranking, the diff's lines, and exploration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
    learned = {rule: LearnedRule(usefulness=0.7, evidence=3.0, up=2, down=1, in_doubt=True) for rule in doubted}
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


def test_exploration_asks_about_the_rule_the_team_has_not_voted_on_for_longest() -> None:
    quiet = {"documentation.function-docstring": ("annotation", 60), "reliability.mutable-default": ("annotation", 2)}
    commented = rules_commented(strategy(quiet, exploration=1.0))
    assert commented[-1] == "documentation.function-docstring (exploring)"  # less severe, but longest unheard
    assert sum("(exploring)" in rule for rule in commented) == 1


def test_a_rule_in_doubt_asks_once_per_review() -> None:
    assert rules_commented(strategy()).count("documentation.function-docstring") == 4  # one per function
    doubted = strategy(doubted=frozenset({"documentation.function-docstring"}))
    commented = rules_commented(doubted)
    assert commented.count("documentation.function-docstring") == 1
    assert commented.count("reliability.mutable-default") == 2  # other rules are not held back
    annotated = [f.rule for f in graded(doubted).findings if f.visible]
    assert annotated.count("documentation.function-docstring") == 4  # the rest stay in the check run


def test_a_quietened_rule_in_doubt_is_asked_about_once_per_review() -> None:
    quiet = {"reliability.mutable-default": ("annotation", 2), "documentation.function-docstring": ("annotation", 2)}
    assert not any("(exploring)" in rule for rule in rules_commented(strategy(quiet)))
    doubted = strategy(quiet, doubted=frozenset(quiet))
    questions = [rule for rule in rules_commented(doubted) if "(exploring)" in rule]
    assert questions == ["reliability.mutable-default (exploring)"]  # one question per review, the weightiest


def test_exploration_asks_first_about_a_quiet_rule_in_doubt_the_review_did_not_ask_about() -> None:
    quiet = {
        "documentation.function-docstring": ("annotation", 60),
        "reliability.mutable-default": ("annotation", 2),
        "security.eval": ("annotation", 1),
    }
    doubted = frozenset({"reliability.mutable-default", "security.eval"})
    commented = rules_commented(strategy(quiet, doubted=doubted, exploration=1.0))
    assert commented[-2:] == ["security.eval (exploring)", "reliability.mutable-default (exploring)"]


def test_exploration_never_overrides_what_the_repository_pinned() -> None:
    plan = strategy({"documentation.function-docstring": ("silent", 60)}, exploration=1.0)
    plan = plan.model_copy(update={"pinned": frozenset({"rules.documentation.function-docstring.delivery"})})
    assert not any("(exploring)" in rule for rule in rules_commented(plan))
