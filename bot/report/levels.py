"""How Toasty's severities map onto each platform's levels, in one place so every face agrees."""

from __future__ import annotations

from typing import Literal

from bot.engine.models import Finding, Severity

ANNOTATION_TITLE_LIMIT = 255
"""GitHub's longest check-run annotation title."""
AnnotationLevel = Literal["notice", "warning", "failure"]
SarifLevel = Literal["note", "warning", "error"]
WorkflowCommand = Literal["notice", "warning", "error"]

_ANNOTATION: dict[Severity, AnnotationLevel] = {
    Severity.INFO: "notice",
    Severity.MINOR: "warning",
    Severity.MAJOR: "warning",
    Severity.CRITICAL: "failure",
}
_SARIF: dict[Severity, SarifLevel] = {
    Severity.INFO: "note",
    Severity.MINOR: "warning",
    Severity.MAJOR: "warning",
    Severity.CRITICAL: "error",
}
_WORKFLOW: dict[Severity, WorkflowCommand] = {
    Severity.INFO: "notice",
    Severity.MINOR: "warning",
    Severity.MAJOR: "warning",
    Severity.CRITICAL: "error",
}
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.INFO: "2.0",
    Severity.MINOR: "4.0",
    Severity.MAJOR: "7.0",
    Severity.CRITICAL: "9.0",
}
"""GitHub code scanning's numeric scale for security results (low < 4 ≤ medium < 7 ≤ high < 9 ≤ critical)."""


def annotation_level(severity: Severity) -> AnnotationLevel:
    """Check-run annotation level."""
    return _ANNOTATION[severity]


def sarif_level(severity: Severity) -> SarifLevel:
    """SARIF result level."""
    return _SARIF[severity]


def workflow_command(severity: Severity) -> WorkflowCommand:
    """GitHub Actions workflow command (`::warning …::`)."""
    return _WORKFLOW[severity]


SEVERITY_ICON: dict[Severity, str] = {
    Severity.INFO: "💡",
    Severity.MINOR: "⚠️",
    Severity.MAJOR: "🟠",
    Severity.CRITICAL: "🔴",
}


def annotation_title(finding: Finding) -> str:
    """An annotation's title, ending with the rule id (what `# toasty: ignore[…]` and the config name), within
    GitHub's 255 characters: a reader should not need the docs to act on it."""
    suffix = f" [{finding.rule}]"
    room = ANNOTATION_TITLE_LIMIT - len(suffix)
    title = finding.title if len(finding.title) <= room else finding.title[: room - 1] + "…"
    return title + suffix
