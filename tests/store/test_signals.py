"""Feedback signals are built by two named constructors: about one finding (with its measurement) or about a rule."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.store.feedback import NewSignal
from bot.store.models import ReviewComment, TrackedFinding

ROOT = Path(__file__).resolve().parents[2]
BUILT_FROM_INPUT = {"bot/web/api.py"}
"""POST …/feedback takes every field from its caller: a mapping of validated input, not a signal Toasty makes up."""


def comment() -> ReviewComment:
    return ReviewComment(
        repository="octo/demo",
        pull_number=7,
        fingerprint="0123456789abcdef",
        rule="complexity.cyclomatic",
        value=14.0,
        threshold=10.0,
        path="src/app.py",
        line=3,
        commit_id="c0ffee",
        comment_id=991,
    )


def test_a_signal_on_a_comment_carries_its_finding_and_comment() -> None:
    signal = NewSignal.on_finding(comment(), actor="ana", association="MEMBER", signal="reaction", source="poll")
    assert (signal.fingerprint, signal.value, signal.threshold, signal.path) == (
        "0123456789abcdef",
        14.0,
        10.0,
        "src/app.py",
    )
    assert (signal.repository, signal.pull_number, signal.comment_id) == ("octo/demo", 7, 991)
    assert signal.occurred_at is not None


def test_a_fix_is_about_the_finding_and_no_comment() -> None:
    fixed = TrackedFinding(
        repository="octo/demo", pull_number=7, fingerprint="fedcba9876543210", rule="security.eval", path="a.py"
    )
    signal = NewSignal.on_finding(fixed, actor="ana", association="OWNER", signal="fixed", source="grading")
    assert (signal.fingerprint, signal.rule, signal.comment_id) == ("fedcba9876543210", "security.eval", None)


def test_a_signal_about_a_rule_has_no_measurement() -> None:
    signal = NewSignal.on_rule(
        "octo/demo", "security.eval", pull_number=7, actor="ana", association="MEMBER", signal="mute", source="webhook"
    )
    assert (signal.fingerprint, signal.value, signal.threshold, signal.path) == (None, None, None, None)
    assert signal.pull_number == 7


def test_no_module_builds_a_signal_by_hand() -> None:
    """A third way would start as `NewSignal(...)` somewhere outside the store."""
    builders = []
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "action").rglob("*.py")]):
        name = str(path.relative_to(ROOT))
        if name == "bot/store/feedback.py" or name in BUILT_FROM_INPUT:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "NewSignal":
                builders.append(f"{name}:{node.lineno}")
    assert builders == []
