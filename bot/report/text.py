"""Plain-text report for a terminal: the grade, the dimensions, then each finding where an editor can jump to it."""

from __future__ import annotations

import textwrap

from bot.engine.models import PullRequestGrade
from bot.engine.rules import format_number

WIDTH = 100


def render_text(grade: PullRequestGrade, verbose: bool = False) -> str:
    """`path:line: severity rule title`, one per finding, with the explanation indented below when verbose."""
    lines = [f"Toasty grade: {grade.grade} ({format_number(grade.score)}/100)"]
    lines.append("  " + "  ".join(f"{d.value} {format_number(s.score)}" for d, s in grade.dimensions.items()))
    findings = grade.visible_findings
    graded = [f for f in grade.files if not f.skipped and f.status != "removed"]
    lines.append(f"  {len(findings)} finding(s) in {len(graded)} graded file(s)")
    if findings:
        lines.append("")
    for finding in sorted(findings, key=lambda f: (f.path, f.line, f.rule)):
        lines.append(f"{finding.path}:{finding.line}: {finding.severity.value} {finding.rule} {finding.title}")
        if verbose:
            lines.extend(textwrap.wrap(finding.message, WIDTH, initial_indent="    ", subsequent_indent="    "))
    if grade.skipped:
        lines.append("")
        lines.append("Not graded:")
        lines.extend(f"  {f.path}: {f.skipped}" for f in grade.skipped)
    if grade.fail_under is not None:
        verdict = "passed" if grade.passed else "FAILED"
        lines.append("")
        lines.append(f"Minimum score {format_number(grade.fail_under)}: {verdict}")
    return "\n".join(lines) + "\n"
