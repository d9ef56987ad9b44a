"""Reliability rules: code that hides failures, shares state by accident, or cannot run at all."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from bot.engine.analysis import Observation, anchor_text
from bot.engine.models import Dimension, Severity
from bot.engine.rules.meta import RuleMeta
from bot.engine.rules.registry import RULES, PythonContext, SourceFile

_MUTABLE_CALLS = frozenset(("list", "dict", "set", "bytearray", "defaultdict", "OrderedDict", "deque", "Counter"))
_MUTABLE_NODES = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
_CONFLICT = re.compile(r"^<{7} \S.*$|^<{7}$", re.MULTILINE)

BARE_EXCEPT = RuleMeta(
    id="reliability.bare-except",
    dimension=Dimension.RELIABILITY,
    severity=Severity.MAJOR,
    title="Bare `except:`",
    why="It also catches KeyboardInterrupt and SystemExit and hides real bugs.",
    advice="Catch the specific exceptions you expect, or at least `except Exception`.",
)

SWALLOWED_EXCEPTION = RuleMeta(
    id="reliability.swallowed-exception",
    dimension=Dimension.RELIABILITY,
    severity=Severity.MINOR,
    title="Exception swallowed",
    why="A handler that only passes makes failures silent and impossible to diagnose.",
    advice="Log it, handle it or let it propagate; use contextlib.suppress to say that ignoring is intended.",
    details=(
        "an `except` clause whose body is only `pass` or `...` (a bare `except:` is reported as "
        "`reliability.bare-except` instead)."
    ),
)


@RULES.on(ast.ExceptHandler, reports=(BARE_EXCEPT, SWALLOWED_EXCEPTION))
def exception_handler(context: PythonContext, handler: ast.ExceptHandler) -> None:
    """A bare `except:`, or a handler that does nothing with what it caught."""
    if handler.type is None:
        context.observe_line(BARE_EXCEPT, handler)
    elif _only_passes(handler.body):
        context.observe_line(SWALLOWED_EXCEPTION, handler, ast.unparse(handler.type)[:60])


MUTABLE_DEFAULT = RuleMeta(
    id="reliability.mutable-default",
    dimension=Dimension.RELIABILITY,
    severity=Severity.MAJOR,
    title="Mutable default argument",
    why="The default is created once and shared between calls, so changes leak from one call to the next.",
    advice="Default to None and create the list, dict or set inside the function.",
    details=(
        "list, dict and set literals and comprehensions, and calls to `list`, `dict`, `set`, `bytearray`,"
        " `defaultdict`, `OrderedDict`, `deque` or `Counter`, as parameter defaults."
    ),
)


@RULES.on(ast.FunctionDef, ast.AsyncFunctionDef, reports=(MUTABLE_DEFAULT,))
def mutable_defaults(context: PythonContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """Each parameter default that is a new list, dict or set, reported in the function it belongs to."""
    arguments = function.args
    for default in [*arguments.defaults, *arguments.kw_defaults]:
        if default is not None and _is_mutable(default):
            context.observe(MUTABLE_DEFAULT, default, ast.unparse(default)[:40], scope=context.member(function.name))


ASSERT = RuleMeta(
    id="reliability.assert",
    dimension=Dimension.RELIABILITY,
    severity=Severity.MINOR,
    title="`assert` used for a runtime check",
    why="Assertions are removed when Python runs with -O, so the check silently disappears.",
    advice="Raise a specific exception (ValueError, TypeError…) instead.",
    details="any `assert` statement outside test paths.",
)


@RULES.on(ast.Assert, reports=(ASSERT,))
def assertion(context: PythonContext, statement: ast.Assert) -> None:
    """Every assert: the default strategy turns the rule off on test paths."""
    context.observe_line(ASSERT, statement)


MERGE_CONFLICT = RuleMeta(
    id="reliability.merge-conflict",
    dimension=Dimension.RELIABILITY,
    severity=Severity.CRITICAL,
    title="Merge conflict marker",
    why="A conflict marker left in a file breaks it for everyone.",
    advice="Resolve the conflict and remove the marker lines.",
    details="a `<<<<<<<` conflict marker line.",
)


@RULES.text(MERGE_CONFLICT)
def conflict_markers(source: SourceFile) -> Iterator[Observation]:
    """Each line that opens a conflict, in any text file."""
    if "<<<<<<<" not in source.text:
        return
    for match in _CONFLICT.finditer(source.text):
        line = source.line_of(match.start())
        yield Observation(MERGE_CONFLICT.id, line, line, "", anchor_text(source.lines, line, line))


PARSE_ERROR = RuleMeta(
    id="parse-error",
    dimension=Dimension.RELIABILITY,
    severity=Severity.MAJOR,
    scope="file",
    title="File does not parse",
    why="Nothing else in this file could be checked, and it will fail wherever it is imported.",
    advice="Fix the syntax error at the reported location.",
)
RULES.declare(PARSE_ERROR)


def parse_error(error: SyntaxError | ValueError | RecursionError | MemoryError, lines: list[str]) -> Observation:
    """Where and why Python's parser gave up (the Python analyzer calls this when it does)."""
    if not isinstance(error, SyntaxError):
        return Observation(PARSE_ERROR.id, 1, 1, "", type(error).__name__, f"{type(error).__name__}: {error}"[:200])
    line = min(max(error.lineno or 1, 1), max(len(lines), 1))
    column = f", column {error.offset}" if error.offset else ""
    anchor = f"{error.msg} {anchor_text(lines, line, line)}"
    return Observation(PARSE_ERROR.id, line, line, "", anchor, f"{error.msg} (line {line}{column})")


def _only_passes(body: list[ast.stmt]) -> bool:
    return all(
        isinstance(s, ast.Pass)
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is Ellipsis)
        for s in body
    )


def _is_mutable(default: ast.expr) -> bool:
    if isinstance(default, _MUTABLE_NODES):
        return True
    return isinstance(default, ast.Call) and _called_name(default.func) in _MUTABLE_CALLS


def _called_name(func: ast.expr) -> str:
    """The last part of a call's target: `deque` for collections.deque(...)."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""
