"""Python analysis: one parse and one tokenize per file, every figure from them."""

from __future__ import annotations

import ast
import warnings

from radon.metrics import mi_compute

from bot.engine.analysis import FileAnalysis, find_suppressions, physical_lines, split_lines
from bot.engine.python.raw import RawMetricsError, raw_metrics
from bot.engine.python.walker import walk_module
from bot.engine.rules.reliability import parse_error

__all__ = ["analyze_python", "analyze_python_tree"]


def analyze_python(text: str) -> FileAnalysis:
    """Measure Python source without importing or running it; unparsable code becomes a parse-error finding."""
    return analyze_python_tree(text, split_lines(text))[0]


def analyze_python_tree(text: str, lines: list[str]) -> tuple[FileAnalysis, ast.Module | None]:
    """The analysis and the parsed tree (for plugins), from a single parse."""
    analysis = FileAnalysis(language="python", lines=physical_lines(lines), suppressions=find_suppressions(lines))
    analysis.metrics["lines"] = analysis.lines
    tree = _parse(text, lines, analysis)
    if tree is None:
        return analysis, None
    try:
        facts = walk_module(tree, lines)
    except RecursionError:
        analysis.skipped = "nested too deeply to analyse"
        return analysis, None
    analysis.functions = facts.functions
    analysis.observations = facts.observations
    analysis.metrics["complexity"] = facts.total_complexity
    try:
        raw = raw_metrics(text)
    except RawMetricsError:
        return analysis, tree  # valid Python always tokenizes; keep the rest rather than fail the file
    comment_share = (raw.comments + raw.multi) / raw.sloc * 100 if raw.sloc else 0
    analysis.metrics["sloc"] = raw.sloc
    analysis.metrics["maintainability"] = mi_compute(
        facts.halstead_volume, facts.total_complexity, raw.lloc, comment_share
    )
    return analysis, tree


def _parse(text: str, lines: list[str], analysis: FileAnalysis) -> ast.Module | None:
    """Parse once; record a parse-error observation (with its location) instead of raising."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not our findings
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        analysis.observations.append(parse_error(error, lines))
        return None
