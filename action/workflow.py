"""Talking to the Actions runner: workflow-command annotations, step outputs and the job summary."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from bot.engine.models import Finding
from bot.report.levels import annotation_title, workflow_command
from bot.report.markdown import code_cell, cut_to_bytes, printable, text_cell

ANNOTATIONS_PER_LEVEL = 10
"""GitHub shows about ten warning and ten error annotations per step; the rest go to the summary instead."""
SUMMARY_LIMIT = 900_000
"""Bytes of UTF-8, well under GitHub's 1 MiB cap on a step summary (past it GitHub drops the whole summary)."""


def escape_data(text: str) -> str:
    """Workflow-command message escaping (GitHub's toolkit: %, CR, LF); bytes that are not UTF-8 as \\xNN."""
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Workflow-command property escaping (also `:` and `,`, which separate properties)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """`::warning file=…,line=…,endLine=…,title=… [rule.id]::message` for one finding."""
    properties = ",".join(
        (
            f"file={escape_property(finding.path)}",
            f"line={finding.line}",
            f"endLine={finding.line}",
            f"title={escape_property(annotation_title(finding))}",
        )
    )
    return f"::{workflow_command(finding.severity)} {properties}::{escape_data(finding.message)}"


def emit_annotations(findings: Sequence[Finding], out: TextIO, shown: Counter[str] | None = None) -> list[Finding]:
    """Print the most severe findings as annotations, ten per level counting the notes already `shown`; returns the
    ones left for the summary."""
    shown = Counter(shown or {})
    rest = []
    for finding in findings:
        level = workflow_command(finding.severity)
        if shown[level] < ANNOTATIONS_PER_LEVEL:
            out.write(annotation(finding) + "\n")
            shown[level] += 1
        else:
            rest.append(finding)
    return rest


def write_outputs(path: str | None, values: dict[str, str]) -> None:
    """Append `name=value` step outputs to GITHUB_OUTPUT (heredoc form for anything multi-line)."""
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as handle:
        for name, shown in values.items():
            value = printable(shown)
            if "\n" in value:
                delimiter = f"toasty_{uuid.uuid4().hex}"
                handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                handle.write(f"{name}={value}\n")


def write_summary(path: str | None, markdown: str) -> None:
    """Append to the job summary (GITHUB_STEP_SUMMARY), within SUMMARY_LIMIT bytes."""
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(cut_to_bytes(markdown, SUMMARY_LIMIT) + "\n")


def overflow_section(findings: Iterable[Finding]) -> str:
    """The findings that did not fit as annotations, as a summary table."""
    rows = [
        f"| {code_cell(f'{f.path}:{f.line}')} | {f.severity.value} | {text_cell(f.title)} ({f.rule}) |"
        for f in findings
    ]
    if not rows:
        return ""
    heading = "### More findings (beyond the annotations GitHub shows per step)"
    return f"{heading}\n\n| Where | Severity | Finding |\n|---|---|---|\n" + "\n".join(rows)
