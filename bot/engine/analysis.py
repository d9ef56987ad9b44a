"""What an analyzer learns about one file's text, before any threshold or strategy is applied.

Analysis depends only on the file's bytes, so it can run in a worker process and be cached by content;
turning observations into findings (thresholds, scope, suppressions, fingerprints) happens afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

_SPACES = re.compile(r"\s+")
_SUPPRESSION = re.compile(r"toasty:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
ANCHOR_LIMIT = 240
ALL_RULES = "*"


@dataclass(frozen=True, slots=True)
class Observation:
    """A rule hit at a place in the file, with the normalised code its fingerprint hashes."""

    rule: str
    line: int
    end_line: int
    scope: str
    anchor: str
    subject: str = ""
    value: float | None = None


@dataclass(slots=True)
class FunctionInfo:
    """A function, method or class: where it is and what it measures."""

    qualname: str
    kind: Literal["function", "method", "class"]
    lineno: int
    start: int
    """First line, decorators included."""
    header_end: int
    """Last line of the signature."""
    end: int
    cyclomatic: int = 0
    cognitive: int | None = None
    """None when not measured, or for a function nested in another (its complexity counts there)."""
    nesting: int | None = 0
    parameters: int = 0
    public: bool = False
    """Part of the module's API: no leading underscore in its name or an enclosing one, not inside a function."""
    documented: bool = False
    decorators: tuple[str, ...] = ()
    """The last part of each decorator's name (`setter` for `@value.setter`)."""
    signature: str = ""
    """The normalised definition line: what a function-level finding's fingerprint hashes."""

    @property
    def length(self) -> int:
        """Physical lines from the `def` line to the last line of the body."""
        return self.end - self.lineno + 1


@dataclass(slots=True)
class FileAnalysis:
    """Everything measured on one version of one file."""

    language: str
    lines: int = 0
    functions: list[FunctionInfo] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    """Whole-file figures (maintainability index, sloc…), compared before → after."""
    suppressions: dict[int, frozenset[str]] = field(default_factory=dict)
    skipped: str | None = None
    """Set when the text could not be analysed at all, with the reason."""


def split_lines(text: str) -> list[str]:
    """Split on the line breaks Python's parser counts (not str.splitlines' form feeds and separators)."""
    return _LINE_BREAK.split(text)


def physical_lines(lines: list[str]) -> int:
    """Line count as an editor shows it: a final newline does not start another line."""
    return len(lines) - 1 if lines and lines[-1] == "" else len(lines)


def line_starts(text: str) -> list[int]:
    """Offset at which each line begins, with the same line breaks as split_lines."""
    return [0, *(match.end() for match in _LINE_BREAK.finditer(text))]


def anchor_text(lines: list[str], start: int, end: int) -> str:
    """The offending code with whitespace collapsed, so re-indenting or moving it keeps its fingerprint."""
    chunk = " ".join(lines[start - 1 : min(end, start + 3)])
    return _SPACES.sub(" ", chunk).strip()[:ANCHOR_LIMIT]


def find_suppressions(lines: list[str]) -> dict[int, frozenset[str]]:
    """Lines carrying `toasty: ignore` or `toasty: ignore[rule, …]`, in any comment syntax."""
    found: dict[int, frozenset[str]] = {}
    for number, line in enumerate(lines, start=1):
        if "toasty" not in line and "TOASTY" not in line and "Toasty" not in line:
            continue
        match = _SUPPRESSION.search(line)
        if match is None:
            continue
        listed = match.group(1)
        if listed is None:
            found[number] = frozenset((ALL_RULES,))
        else:
            found[number] = frozenset(part.strip() for part in listed.split(",") if part.strip())
    return found


def is_suppressed(rule: str, rules: frozenset[str]) -> bool:
    """Whether a suppression list names this rule, its dimension (`security`) or everything."""
    if ALL_RULES in rules or rule in rules:
        return True
    return any(rule.startswith(prefix + ".") for prefix in rules)
