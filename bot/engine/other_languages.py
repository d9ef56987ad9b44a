"""Function metrics for the languages lizard reads (C, C++, Java, JavaScript, TypeScript, Go, Rust, …).

lizard is imported on first use: it loads every language reader it has (a tenth of a second), which a change that
touches only Python never needs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.engine.analysis import FileAnalysis, FunctionInfo, anchor_text, physical_lines


@lru_cache(maxsize=1024)
def lizard_language(path: str) -> str | None:
    """The language lizard would read this path as, or None when it has no reader for it."""
    import lizard_languages

    reader = lizard_languages.get_reader_for(path)
    if reader is None or reader.__name__ == "PythonReader":
        return None
    names: list[str] = getattr(reader, "language_names", None) or [reader.__name__.removesuffix("Reader")]
    return str(names[0]).lower()


def analyze_with_lizard(path: str, text: str, lines: list[str], language: str) -> FileAnalysis:
    """Cyclomatic complexity, length and parameter count of every function lizard finds."""
    import lizard

    result: Any = lizard.analyze_file.analyze_source_code(path, text)
    analysis = FileAnalysis(language=language, lines=physical_lines(lines))
    total = 0
    for function in result.function_list:
        start, end = int(function.start_line), int(function.end_line)
        complexity = int(function.cyclomatic_complexity)
        total += complexity
        analysis.functions.append(
            FunctionInfo(
                qualname=str(function.name),
                kind="function",
                lineno=start,
                start=start,
                header_end=start,
                end=max(end, start),
                cyclomatic=complexity,
                cognitive=None,
                nesting=None,
                parameters=int(function.parameter_count),
                signature=anchor_text(lines, start, start),
            )
        )
    analysis.metrics["lines"] = analysis.lines
    analysis.metrics["sloc"] = int(result.nloc)
    analysis.metrics["complexity"] = total
    return analysis
