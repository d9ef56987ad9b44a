"""One grading pipeline: plan → the contents it needs (one batch of jobs) → grade, whoever runs the jobs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.engine import ChangedFile, Strategy, grade_change, plan
from bot.engine.files import analyze_file
from tests.engine.helpers import change_for, dedent

ROOT = Path(__file__).resolve().parents[2]
BASE = dedent(
    '''
    """Tools."""


    def run(code):
        """Run."""
        return code
    '''
)
HEAD = BASE.replace("return code", "return eval(code)")


def changes() -> list[ChangedFile]:
    return [
        change_for("pkg/tools.py", BASE, HEAD),
        ChangedFile(path="pkg/new.py", status="added", whole_file=True),
        ChangedFile(path="pkg/gone.py", status="removed"),
    ]


def read_head(path: str) -> bytes:
    return HEAD.encode() if path == "pkg/tools.py" else b'"""New."""\n'


def test_the_batch_asks_for_bases_only_where_a_file_existed_before() -> None:
    asked: list[str] = []
    batch = plan(changes(), Strategy.default()).analyses(read_head, lambda path: asked.append(path) or BASE.encode())
    assert asked == ["pkg/tools.py"]
    assert [job.path for job in batch.jobs] == ["pkg/new.py", "pkg/tools.py", "pkg/tools.py"]


def test_results_run_anywhere_grade_as_the_synchronous_path_does() -> None:
    batch = plan(changes(), Strategy.default()).analyses(read_head, lambda _: BASE.encode())
    run_elsewhere = [analyze_file(job) for job in reversed(batch.jobs)][::-1]  # another order, handed back in order
    assert batch.grade(run_elsewhere) == grade_change(changes(), read_head, lambda _: BASE.encode(), Strategy.default())
    assert {f.rule for f in batch.grade(run_elsewhere).findings} >= {"security.eval"}


def test_a_batch_refuses_results_that_do_not_match_its_jobs() -> None:
    batch = plan(changes(), Strategy.default()).analyses(read_head, lambda _: BASE.encode())
    with pytest.raises(ValueError, match="2 analyses for 3 jobs"):
        batch.grade([analyze_file(job) for job in batch.jobs[:2]])


def test_no_face_repeats_the_engines_steps() -> None:
    """The App, the Action and the CLI call plan(...).analyses(...) or grade_change, never the steps between."""
    steps = {"assemble", "head_jobs", "base_jobs"}
    found = []
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "action").rglob("*.py")]):
        if path.is_relative_to(ROOT / "bot/engine"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
            if name in steps:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert found == []
