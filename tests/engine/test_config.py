"""`.github/toasty.yml`: bad files give errors that name the key; pathological rules cannot hang the grader."""

from __future__ import annotations

import time

import pytest

from bot.engine import ConfigError, load_config
from bot.engine.strategy import resolve_strategy
from tests.engine.helpers import dedent, findings, grade_text, strategy_for


def test_empty_and_missing_config_mean_defaults() -> None:
    assert load_config(None) == load_config("") == load_config("# nothing\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n  complexity.cyclomatic: {threshold: high}\n", "rules.complexity.cyclomatic.threshold"),
        ("comments:\n  budget: 500\n", "comments.budget"),
        ("fail_under: Z\n", "fail_under"),
        ("fail_under: 140\n", "fail_under"),
        ("colour: blue\n", "colour: unknown setting"),
        ("overrides:\n  - paths: []\n", "overrides[0].paths"),
        ("max_file_size: lots\n", "max_file_size"),
        ("- just\n- a list\n", "must be a mapping"),
        ("rules: [\n", "invalid YAML"),
        ("weights:\n  speed: 2\n", "weights.speed"),
    ],
)
def test_bad_config_names_the_key_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(text)
    assert message in str(caught.value)


def test_unknown_rule_suggests_the_closest_one() -> None:
    with pytest.raises(ConfigError, match=r"did you mean 'complexity\.cyclomatic'"):
        strategy_for("rules:\n  complexity.cyclomatc: 12\n")


def test_yaml_aliases_are_refused() -> None:
    bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    with pytest.raises(ConfigError, match="anchors and aliases"):
        load_config(bomb)


def test_oversized_config_is_refused() -> None:
    with pytest.raises(ConfigError, match="limit"):
        load_config(b"# " + b"x" * 70_000)


def test_fail_under_accepts_a_grade_letter_and_sets_passed() -> None:
    head = '"""M."""\nvalue = eval(text)\n'
    assert not grade_text(head, config="fail_under: B\n").passed
    assert grade_text('"""M."""\nvalue = 1\n', config="fail_under: B\n").passed


def test_include_and_exclude_globs() -> None:
    assert grade_text("eval(x)\n", path="docs/conf.py", config="exclude: ['docs/']\n").files[0].skipped
    skipped = grade_text("eval(x)\n", path="src/a.py", config="include: ['lib/']\n").files[0].skipped
    assert skipped == "excluded by configuration"


def test_vendored_and_lock_files_are_skipped_by_default_and_can_be_graded_on_request() -> None:
    vendored = grade_text("eval(x)\n", path="vendor/lib.py").files[0]
    assert vendored.skipped
    assert "by default" in vendored.skipped
    assert not grade_text("eval(x)\n", path="vendor/lib.py", config="default_excludes: false\n").files[0].skipped


def test_custom_regex_rule_finds_matches_with_their_message() -> None:
    config = """
        custom_rules:
          - id: custom.no-print
            pattern: '\\bprint\\('
            message: Use logging instead of print
            severity: minor
            paths: ["*.py"]
    """
    found = findings('"""M."""\nprint("hi")\nlogger.info("hi")\n', config=config, rule="custom.no-print")
    assert [(f.line, f.title) for f in found] == [(2, "Use logging instead of print")]


def test_custom_rule_with_backreference_is_refused_with_a_reason() -> None:
    config = "custom_rules:\n  - id: custom.dup\n    pattern: '(a)\\1'\n    message: m\n"
    with pytest.raises(ConfigError, match="RE2"):
        load_config(dedent(config))


def test_catastrophic_pattern_runs_in_linear_time() -> None:
    config = "custom_rules:\n  - id: custom.evil\n    pattern: '(a+)+$'\n    message: m\n"
    strategy = resolve_strategy(load_config(config))
    head = '"""M."""\nx = "' + "a" * 200_000 + '!"\n'
    started = time.perf_counter()
    grade_text(head, config=config)
    # Python's backtracking engine would need longer than the age of the universe on this input.
    assert time.perf_counter() - started < 10
    assert strategy.custom_rules[0].pattern == "(a+)+$"


def test_config_pins_are_recorded_for_learning() -> None:
    strategy = strategy_for("rules:\n  complexity.cyclomatic: {threshold: 14}\nweights:\n  security: 5\n")
    assert {"rules.complexity.cyclomatic.threshold", "weights.security"} <= strategy.pinned
    assert strategy.rules["complexity.cyclomatic"].threshold == 14
