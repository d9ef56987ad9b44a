"""Scores: dimensions from 0 to 100, an overall score, a letter; weights and fail_under from the strategy."""

from __future__ import annotations

import pytest

from bot.engine import Strategy, grade_change
from bot.engine.files import AnalysisJob
from bot.engine.models import ChangedFile, Dimension
from bot.engine.pool import make_pool, worth_a_pool
from bot.engine.scoring import letter
from tests.engine.helpers import branchy, grade_text


def test_clean_change_scores_100_and_an_a() -> None:
    grade = grade_text('"""Tidy."""\n' + branchy("small", 2))
    assert (grade.score, grade.grade) == (100.0, "A")
    assert all(d.score == 100 for d in grade.dimensions.values())


def test_a_critical_security_finding_costs_more_than_a_minor_size_finding() -> None:
    secret = grade_text('"""M."""\nrun = eval(user_input)\n')
    long_args = grade_text('"""M."""\ndef f(a, b, c, d, e, g):\n    """D."""\n    return a\n')
    assert secret.dimensions[Dimension.SECURITY].score < long_args.dimensions[Dimension.SIZE].score
    assert secret.score < long_args.score
    assert secret.grade in ("D", "F")
    assert long_args.grade in ("A", "B")


def test_the_same_finding_weighs_less_in_a_larger_change() -> None:
    filler = "".join(f"value_{i} = {i}\n" for i in range(800))
    small = grade_text('"""M."""\nrun = eval(x)\n')
    large = grade_text('"""M."""\nrun = eval(x)\n' + filler)
    assert large.score > small.score


def test_weights_come_from_the_strategy() -> None:
    code = '"""M."""\nrun = eval(x)\n'
    heavy = grade_text(code)
    light = grade_text(code, config="weights:\n  security: 0.1\n")
    assert light.score > heavy.score
    assert light.dimensions[Dimension.SECURITY].weight == 0.1


def test_silent_findings_cost_nothing() -> None:
    code = '"""M."""\nrun = eval(x)\n'
    assert grade_text(code, config="rules:\n  security.eval: {delivery: silent}\n").score == 100


@pytest.mark.parametrize(("score", "expected"), [(100, "A"), (90, "A"), (89.9, "B"), (70, "C"), (60, "D"), (59.9, "F")])
def test_letters(score: float, expected: str) -> None:
    assert letter(score) == expected


def test_process_pool_gives_the_same_grade_as_inline() -> None:
    files = {f"pkg/m{i}.py": ('"""M."""\n' + branchy(f"f{i}", 12 + i) + "x = eval(y)\n").encode() for i in range(6)}
    changes = [ChangedFile(path=path, status="added", whole_file=True) for path in files]
    inline = grade_change(changes, files.get, None, Strategy.default())
    with make_pool(2) as pool:
        pooled = grade_change(changes, files.get, None, Strategy.default(), executor=pool)
    assert pooled == inline
    # six cyclomatic (13…18 > 10), two cognitive (16 and 17 > 15), six eval
    assert len(pooled.findings) == 14


def test_a_single_file_never_starts_a_pool() -> None:
    assert not worth_a_pool([AnalysisJob(path="a.py", data=b"x = 1\n" * 100_000)])
    assert worth_a_pool([AnalysisJob(path=f"{i}.py", data=b"x = 1\n" * 20_000) for i in range(3)])
