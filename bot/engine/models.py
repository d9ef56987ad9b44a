"""The engine's input and output types: what changed, and what the change is worth."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Dimension(StrEnum):
    """A quality axis a rule belongs to; each gets its own 0–100 score."""

    COMPLEXITY = "complexity"
    MAINTAINABILITY = "maintainability"
    SIZE = "size"
    DOCUMENTATION = "documentation"
    RELIABILITY = "reliability"
    SECURITY = "security"


class Severity(StrEnum):
    """How much a finding matters; orders findings for the comment budget."""

    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Higher is worse; used to sort findings most severe first."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.MINOR: 1, Severity.MAJOR: 2, Severity.CRITICAL: 3}

Grade = Literal["A", "B", "C", "D", "F"]
FileStatus = Literal["added", "modified", "renamed", "removed", "copied", "unchanged"]
Delivery = Literal["comment", "annotation", "silent", "probe"]
"""How a finding reaches people; `probe` is a near-threshold value learning may ask about, otherwise unseen."""


class Frozen(BaseModel):
    """Base for the engine's value objects: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ChangedFile(Frozen):
    """One file of a change, with the head-side lines it added or modified."""

    path: str
    old_path: str | None = None
    status: FileStatus = "modified"
    added_lines: frozenset[int] = frozenset()
    """Head-side line numbers the change added or modified; empty for a deletion."""
    whole_file: bool = False
    """Treat every line as changed (a new file, or grading a path outright)."""
    is_binary: bool = False
    patch_available: bool = True
    """False when the diff text was withheld (GitHub omits it for huge diffs): every line counts as changed."""

    def touches(self, start: int, end: int) -> bool:
        """Whether any head line in [start, end] was changed."""
        if self.whole_file or not self.patch_available:
            return True
        if end - start < len(self.added_lines):
            return any(line in self.added_lines for line in range(start, end + 1))
        return any(start <= line <= end for line in self.added_lines)


class Finding(Frozen):
    """One thing that got worse, where, why it matters and what to do about it."""

    rule: str
    dimension: Dimension
    severity: Severity
    path: str
    line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    scope: str = ""
    """Qualified name of the enclosing function or class; empty at module level."""
    title: str
    message: str
    value: float | None = None
    threshold: float | None = None
    fingerprint: str
    delivery: Delivery = "comment"

    @property
    def visible(self) -> bool:
        """Shown to people (as a comment or an annotation) and counted in the score."""
        return self.delivery in ("comment", "annotation")


class MetricChange(Frozen):
    """A whole-file figure before and after the change (before is None for a new file)."""

    before: float | None = None
    after: float | None = None

    @property
    def delta(self) -> float | None:
        """After minus before, when both are known."""
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)


class FileGrade(Frozen):
    """The verdict on one changed file."""

    path: str
    old_path: str | None = None
    status: FileStatus
    language: str | None = None
    skipped: str | None = None
    """Why the file was not graded (binary, too large, excluded…); None when it was."""
    changed_lines: int = 0
    metrics: dict[str, MetricChange] = Field(default_factory=dict)
    findings: tuple[Finding, ...] = ()


class DimensionScore(Frozen):
    """A dimension's 0–100 score with the findings that lowered it."""

    score: float = Field(ge=0, le=100)
    weight: float = Field(ge=0)
    findings: int = 0


class PullRequestGrade(Frozen):
    """The verdict on a whole change: overall score, letter, dimensions and files."""

    schema_version: int = SCHEMA_VERSION
    score: float = Field(ge=0, le=100)
    grade: Grade
    dimensions: dict[Dimension, DimensionScore]
    files: tuple[FileGrade, ...] = ()
    fail_under: float | None = None
    passed: bool = True
    strategy_digest: str = ""
    """Short hash of the strategy used, so a result can be traced to its numbers."""

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every file, most severe first, then by path and line."""
        items = [finding for file in self.files for finding in file.findings]
        return sorted(items, key=lambda f: (-f.severity.rank, f.path, f.line, f.rule))

    @property
    def visible_findings(self) -> list[Finding]:
        """The findings people see (not silent ones, not exploration probes), most severe first."""
        return [finding for finding in self.findings if finding.visible]

    @property
    def skipped(self) -> list[FileGrade]:
        """Files that were not graded, each with its reason."""
        return [file for file in self.files if file.skipped]
