"""Grading snippets of code the way a pull request would be graded, for the engine's tests."""

from __future__ import annotations

import difflib
import textwrap

from bot.engine import (
    ChangedFile,
    Finding,
    PullRequestGrade,
    Strategy,
    grade_change,
    load_config,
    parse_diff,
)
from bot.engine.strategy import resolve_strategy


def dedent(code: str) -> str:
    """Snippets are written indented inside tests."""
    return textwrap.dedent(code).lstrip("\n")


def unified_diff(path: str, base: str | None, head: str | None) -> str:
    """A git-style unified diff of one file between two versions (None: absent)."""
    before = (base or "").splitlines(keepends=True)
    after = (head or "").splitlines(keepends=True)
    old_name = f"a/{path}" if base is not None else "/dev/null"
    new_name = f"b/{path}" if head is not None else "/dev/null"
    body = "".join(difflib.unified_diff(before, after, old_name, new_name))
    header = f"diff --git a/{path} b/{path}\n"
    if base is None:
        header += "new file mode 100644\n"
    elif head is None:
        header += "deleted file mode 100644\n"
    return header + body


def change_for(path: str, base: str | None, head: str) -> ChangedFile:
    """The ChangedFile a pull request from base to head would produce."""
    if base is None:
        return ChangedFile(path=path, status="added", whole_file=True)
    changes = parse_diff(unified_diff(path, base, head))
    return changes[0] if changes else ChangedFile(path=path, status="modified")


def strategy_for(config: str | None = None) -> Strategy:
    """Defaults, with a `.github/toasty.yml` text on top when given."""
    return resolve_strategy(load_config(dedent(config)) if config else None)


def grade_text(
    head: str, base: str | None = None, path: str = "pkg/module.py", config: str | None = None
) -> PullRequestGrade:
    """Grade one file changed from base (None: a new file) to head."""
    head, base = dedent(head), dedent(base) if base is not None else None
    change = change_for(path, base, head)
    return grade_change(
        [change],
        lambda _: head.encode(),
        (lambda _: base.encode()) if base is not None else None,
        strategy_for(config),
    )


def findings(
    head: str, base: str | None = None, path: str = "pkg/module.py", config: str | None = None, rule: str | None = None
) -> list[Finding]:
    """The findings of grade_text, optionally only those of one rule."""
    found = grade_text(head, base, path, config).findings
    return [f for f in found if rule is None or f.rule == rule]


def rules_of(head: str, **kwargs: str | None) -> set[str]:
    """Which rules fired."""
    return {f.rule for f in findings(head, **kwargs)}  # type: ignore[arg-type]


def branchy(name: str, branches: int) -> str:
    """A function with the given number of `if` statements (cyclomatic complexity branches + 1)."""
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(branches))
    return f'def {name}(x):\n    """Doc."""\n{body}    return -1\n'
