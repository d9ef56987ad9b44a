"""Toasty's figures equal radon's own on real files, except where radon is wrong, and exactly there.

radon 6.0.1 counts nothing for `except*` handlers and ignores `match` guards; Toasty counts both (docs/metrics.md).
The corpora: this machine's standard library (same Python version as radon runs on, since radon's logical-line
counts follow the tokenizer), a deterministic sample plus every file that uses either construct; the code snippets
of radon's, mccabe's and cognitive_complexity's own test suites (tests/reference/metrics); and generated layouts
of continuation lines, blank lines, brackets, strings and comments.
"""

from __future__ import annotations

import ast
import json
import sysconfig
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from radon.complexity import cc_visit_ast
from radon.metrics import h_visit_ast, mi_visit
from radon.raw import analyze
from radon.visitors import ComplexityVisitor

from bot.engine.analysis import split_lines
from bot.engine.python import analyze_python
from bot.engine.python.raw import raw_metrics
from bot.engine.python.walker import walk_module

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLE_EVERY = 9
SMALL_FILE = 12_000


def _parse(path: Path) -> tuple[str, ast.Module] | None:
    try:
        source = path.read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return source, ast.parse(source)
    except (UnicodeDecodeError, SyntaxError, ValueError):
        return None


def _corpus() -> list[Path]:
    files = sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts)
    if not files:
        pytest.skip(f"no standard library sources under {STDLIB}")
    sample = files[::SAMPLE_EVERY]
    with_deviations = [p for p in files if _mentions_deviation(p)]
    return sorted(set(sample) | set(with_deviations))


def _mentions_deviation(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False
    return "except*" in text or ("match " in text and "case " in text)


CORPUS = _corpus() if STDLIB.is_dir() else []


def _radon_functions(blocks: list[object]) -> Iterator[tuple[int, int]]:
    """(line, complexity) of every function radon reports: functions, methods, closures."""
    for block in blocks:
        if hasattr(block, "methods"):
            yield from _radon_functions(block.methods)
        else:
            yield block.lineno, block.complexity  # type: ignore[attr-defined]
            yield from _radon_functions(block.closures)  # type: ignore[attr-defined]


def _own_statements(node: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a scope, not descending into nested functions, classes or asserts (radon's counting area)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Assert):
            continue
        yield child
        yield from _own_statements(child)


def _deviation(scope: ast.AST) -> int:
    """What radon misses in a scope: except* handlers (+ their else) and match guards."""
    missed = 0
    for node in _own_statements(scope):
        if type(node).__name__ == "TryStar":
            missed += len(node.handlers) + bool(node.orelse)  # type: ignore[attr-defined]
        elif isinstance(node, ast.match_case) and node.guard is not None:
            missed += 1
    return missed


def _function_deviations(tree: ast.Module) -> dict[int, int]:
    return {
        node.lineno: _deviation(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _file_deviation(tree: ast.Module) -> int:
    """Deviation in the scopes radon's file total adds up: module, its functions, its classes and their methods."""
    total = _deviation(tree)
    for node in _top_level_definitions(tree):
        if isinstance(node, ast.ClassDef):
            total += _deviation(node)
            total += sum(_deviation(m) for m in _top_level_definitions(node) if not isinstance(m, ast.ClassDef))
        else:
            total += _deviation(node)
    return total


def _top_level_definitions(scope: ast.AST) -> Iterator[ast.AST]:
    for child in ast.iter_child_nodes(scope):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield child
        elif not isinstance(child, ast.Assert):
            yield from _top_level_definitions(child)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(STDLIB)))
def test_cyclomatic_complexity_and_halstead_agree_with_radon(path: Path) -> None:
    parsed = _parse(path)
    if parsed is None:
        pytest.skip("does not parse on this Python")
    source, tree = parsed
    facts = walk_module(tree, split_lines(source))
    ours = {f.lineno: f.cyclomatic for f in facts.functions if f.kind != "class"}
    deviations = _function_deviations(tree)
    for line, theirs in _radon_functions(cc_visit_ast(tree)):
        assert ours[line] - theirs == deviations[line], f"function at line {line}"
    radon_total = ComplexityVisitor.from_ast(tree).total_complexity
    assert facts.total_complexity - radon_total == _file_deviation(tree)
    assert facts.halstead_volume == pytest.approx(h_visit_ast(tree).total.volume, rel=1e-12)


SMALL = [p for p in CORPUS if p.stat().st_size < SMALL_FILE][:80]


@pytest.mark.parametrize("path", SMALL, ids=lambda p: str(p.relative_to(STDLIB)))
def test_raw_metrics_and_maintainability_index_agree_with_radon(path: Path) -> None:
    parsed = _parse(path)
    if parsed is None:
        pytest.skip("does not parse on this Python")
    source, tree = parsed
    try:
        expected_raw = analyze(source)
    except SyntaxError:
        pytest.skip("radon's own tokenizer pass fails on this file")
    assert _raw_tuple(source) == tuple(expected_raw)
    ours = analyze_python(source).metrics["maintainability"]
    if _file_deviation(tree) == 0:
        assert ours == pytest.approx(mi_visit(source, True), abs=1e-9)
    else:  # more counted complexity can only lower the index
        assert ours <= mi_visit(source, True)


def _raw_tuple(source: str) -> tuple[int, ...]:
    raw = raw_metrics(source)
    return (raw.loc, raw.lloc, raw.sloc, raw.comments, raw.multi, raw.blank, raw.single_comments)


def test_the_documented_except_star_deviation() -> None:
    plain = (
        "def f():\n    try:\n        pass\n    except ValueError:\n        pass\n    except TypeError:\n        pass\n"
    )
    starred = plain.replace("except ", "except* ")
    radon = {name: cc_visit_ast(ast.parse(code))[0].complexity for name, code in (("plain", plain), ("star", starred))}
    assert radon == {"plain": 3, "star": 1}  # radon's bug, as the issue describes it
    ours = [walk_module(ast.parse(code), split_lines(code)).functions[0].cyclomatic for code in (plain, starred)]
    assert ours == [3, 3]


def test_the_documented_match_guard_deviation() -> None:
    code = (
        "def f(p):\n    match p:\n        case (x, y) if x > y:\n            return 1\n"
        "        case (x, y):\n            return 2\n        case _:\n            return 3\n"
    )
    assert cc_visit_ast(ast.parse(code))[0].complexity == 3  # two cases (wildcard excluded), guard ignored
    assert walk_module(ast.parse(code), split_lines(code)).functions[0].cyclomatic == 4


TRICKY_SOURCES = {
    "semicolons and colons": "if x: y = 1; z = 2\nfor i in r: pass\nclass A: pass\n",
    "continuation lines": "total = 1 + \\\n    2 + \\\n    3\nx = [\n    1,\n    2,\n]\n",
    "docstrings and comments": '"""One."""\n\n\ndef f():\n    """Two\n\n    lines."""\n    # c\n    return 1  # d\n',
    "strings spanning lines": "s = '''a\n\nb'''\nt = ('x'\n     'y')\n",
    "form feed and blank tail": "x = 1\n\x0c\ny = 2\n\n\n",
    "crlf": "x = 1\r\nif x:\r\n    y = 2\r\n",
    "no final newline": "def f():\n    return 1",
    "empty": "",
    "only comments": "# a\n# b\n",
    "continuation then a blank line": "x = 1 + \\\n\ny = 2\nz = 3\n",
    "continuation, blank line, comment": "def f():\n    x = 1 \\\n\n    # c\n    return x\n",
    "continuation, two blank lines": "x = 1 \\\n\n\ny = 2\n",
}


@pytest.mark.parametrize("source", TRICKY_SOURCES.values(), ids=TRICKY_SOURCES.keys())
def test_raw_metrics_match_radon_on_tricky_layouts(source: str) -> None:
    assert _raw_tuple(source) == tuple(analyze(source))


PEER_CASES = json.loads((Path(__file__).parents[1] / "reference" / "metrics" / "peer-cases.json").read_text())["cases"]
RECURSION = "# +1 for recursion"
"""cognitive_complexity adds one for a recursive call; SonarSource's Python analyzer, which Toasty follows, does not."""


@pytest.mark.parametrize("case", PEER_CASES, ids=[f"{c['source']}:{c['line']}" for c in PEER_CASES])
def test_peer_test_cases_agree_with_radon_and_cognitive_complexity(case: dict[str, object]) -> None:
    source = str(case["code"])
    tree = ast.parse(source)
    try:
        expected_raw: tuple[int, ...] | None = tuple(analyze(source))
    except SyntaxError:
        expected_raw = None  # radon's own tokenizer pass rejects a few snippets; the other figures still compare
    if expected_raw is not None:
        assert _raw_tuple(source) == expected_raw
    facts = walk_module(tree, split_lines(source))
    assert facts.total_complexity - ComplexityVisitor.from_ast(tree).total_complexity == _file_deviation(tree)
    assert facts.halstead_volume == pytest.approx(h_visit_ast(tree).total.volume, rel=1e-12)
    if "cognitive" in case and RECURSION not in source:
        functions = [f for f in facts.functions if f.kind != "class"]
        assert functions[0].cognitive == case["cognitive"]


def test_the_cognitive_complexity_recursion_deviation_is_the_only_one() -> None:
    scored = [case for case in PEER_CASES if "cognitive" in case]
    assert len(scored) > 20
    assert sum(RECURSION in str(case["code"]) for case in scored) == 1


_CHUNKS = st.sampled_from(
    [
        "x = 1",
        "x = 1 + \\\n    2",
        "x = 1 \\\n",
        "x = 1 \\\n   ",
        "s = 'a' \\\n\n'b'",
        "y = (1 +\n\n    2)",
        "",
        "   ",
        "# comment",
        'd = """doc\n\nend"""',
        "if x: \\\n\n    pass",
        "a = 1; b = 2",
        "z = [\n]",
        "def f():\n    return 1 \\\n\n    # c",
        'class A: \\\n\n    """Doc."""',
    ]
)
"""Statements that are valid Python on their own, many ending a line with a backslash before a blank line."""


@settings(max_examples=500, deadline=None)
@given(st.lists(_CHUNKS, min_size=1, max_size=10))
def test_generated_layouts_agree_with_radon(chunks: list[str]) -> None:
    source = "\n".join(chunks) + "\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
        expected = tuple(analyze(source))
    except (SyntaxError, ValueError):
        return  # not Python, or radon cannot tokenize it: nothing to agree with
    assert _raw_tuple(source) == expected
