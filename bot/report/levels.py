"""How Toasty's severities map onto each platform's levels, in one place so every face agrees."""

from __future__ import annotations

from typing import Literal

from bot.engine.models import Severity

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
