"""The Markdown summary: check-run summaries, Action job summaries and `toasty grade --format markdown`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot import __version__
from bot.engine.models import FileGrade, Finding, MetricChange, PullRequestGrade
from bot.engine.rules import format_number
from bot.report.levels import SEVERITY_ICON

CHECK_RUN_LIMIT = 65_535
"""GitHub's maximum length of a check run's output.summary."""
TOP_FINDINGS = 15
_RESERVE = 600
"""Room kept for the closing lines when a section has to be cut short."""
GRADE_ICON = {"A": "🟢", "B": "🟢", "C": "🟡", "D": "🟠", "F": "🔴"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BACKTICKS = re.compile(r"`+")


def render_summary(
    grade: PullRequestGrade,
    limit: int = CHECK_RUN_LIMIT,
    extra_sections: Sequence[str] = (),
    top: int = TOP_FINDINGS,
) -> str:
    """The whole summary, guaranteed to fit in `limit` bytes of UTF-8 (so in `limit` characters too: GitHub counts
    a check run's in characters and a job summary's in bytes); long tables are cut with a count of the rest."""
    budget = _Budget(limit - _RESERVE)
    budget.add(_headline(grade))
    budget.add(_dimension_table(grade))
    budget.add_table(
        "### Top findings",
        "| | Where | Finding |\n|---|---|---|",
        [_finding_row(f) for f in _visible(grade.findings)[:top]],
        more=max(0, len(_visible(grade.findings)) - top),
        noun="findings (see the annotations)",
    )
    for section in extra_sections:
        budget.add(section)
    graded = [f for f in grade.files if not f.skipped and f.status != "removed"]
    budget.add_table(
        "### Files",
        "| File | Status | Maintainability | Complexity | Lines | Findings |\n|---|---|---:|---:|---:|---:|",
        [_file_row(f) for f in graded],
        more=0,
        noun="files",
    )
    budget.add_table(
        "### Not graded",
        "",
        [f"- {code_cell(f.path)}: {text_cell(f.skipped or '')}" for f in grade.skipped],
        more=0,
        noun="files",
    )
    text = budget.text() + f"\n\n<sub>Toasty {__version__} · strategy `{grade.strategy_digest}`</sub>\n"
    return cut_to_bytes(text, limit)


def cut_to_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` that is at most `limit` bytes of UTF-8, never splitting a character."""
    encoded = printable(text).encode("utf-8")
    if len(encoded) <= limit:
        return printable(text)
    return encoded[:limit].decode("utf-8", errors="ignore")


def utf8_size(text: str) -> int:
    """Bytes of UTF-8 (undecodable file-name bytes count as the escapes they are shown as)."""
    return len(printable(text).encode("utf-8"))


def printable(text: str) -> str:
    """Text that can be written anywhere: file-name bytes that are not UTF-8 are shown as \\xNN escapes."""
    try:
        return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")
    except UnicodeEncodeError:  # a surrogate no decoder made: escape it as it stands
        return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def code_cell(text: str) -> str:
    """Text shown verbatim as code inside a Markdown table cell: `|` escaped (GFM splits cells before it reads code
    spans), line breaks and other control characters as escapes, and a fence longer than any backtick run inside."""
    shown = _CONTROL.sub(_control_escape, printable(text)).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(shown)), default=0) + 1)
    # CommonMark strips one space from each end of a code span that has one at both (unless it is all spaces).
    spaced = shown.startswith(" ") and shown.endswith(" ") and shown.strip() != ""
    pad = " " if shown.startswith("`") or shown.endswith("`") or spaced else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def text_cell(text: str) -> str:
    """Prose inside a Markdown table cell: `|` and backticks escaped, line breaks as spaces."""
    return _CONTROL.sub(" ", printable(text)).replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def _control_escape(match: re.Match[str]) -> str:
    character = match.group(0)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(character, f"\\x{ord(character):02x}")


def _visible(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.visible]


def _headline(grade: PullRequestGrade) -> str:
    findings = _visible(grade.findings)
    graded = sum(1 for f in grade.files if not f.skipped and f.status != "removed")
    line = f"## {GRADE_ICON[grade.grade]} Toasty grade: {grade.grade} ({format_number(grade.score)}/100)"
    counts = f"**{len(findings)} finding{'s' * (len(findings) != 1)}** in {graded} graded file{'s' * (graded != 1)}"
    if not graded and not grade.skipped:
        counts = "Nothing to grade: the change touches no files."
    if grade.fail_under is not None:
        verdict = "passed ✅" if grade.passed else "**failed** ❌"
        counts += f" · minimum score {format_number(grade.fail_under)}: {verdict}"
    return f"{line}\n\n{counts}"


def _dimension_table(grade: PullRequestGrade) -> str:
    rows = ["| Dimension | Score | Findings | Weight |", "|---|---:|---:|---:|"]
    for dimension, score in grade.dimensions.items():
        rows.append(
            f"| {dimension.value.capitalize()} | {format_number(score.score)} | {score.findings} "
            f"| {format_number(score.weight)} |"
        )
    return "\n".join(rows)


def _finding_row(finding: Finding) -> str:
    where = code_cell(f"{finding.path}:{finding.line}")
    return f"| {SEVERITY_ICON[finding.severity]} | {where} | **{text_cell(finding.title)}** ({finding.rule}) |"


def _file_row(file: FileGrade) -> str:
    name = code_cell(file.path) if not file.old_path else f"{code_cell(file.old_path)} → {code_cell(file.path)}"
    metrics = file.metrics
    maintainability = _change(metrics.get("maintainability"), higher_is_better=True)
    complexity, lines = _change(metrics.get("complexity")), _change(metrics.get("lines"))
    findings = len(_visible(list(file.findings)))
    return f"| {name} | {file.status} | {maintainability} | {complexity} | {lines} | {findings} |"


def _change(change: MetricChange | None, higher_is_better: bool = False) -> str:
    """`before → after (±delta)`, with the arrow marked when the change made it worse."""
    if change is None or change.after is None:
        return "–"
    after = format_number(round(change.after, 1))
    if change.before is None:
        return f"new: {after}"
    delta = round(change.after - change.before, 1)
    if delta == 0:
        return after
    worse = delta < 0 if higher_is_better else delta > 0
    sign = "+" if delta > 0 else "−"
    marker = " ⚠️" if worse and higher_is_better else ""
    return f"{format_number(round(change.before, 1))} → {after} ({sign}{format_number(abs(delta))}){marker}"


class _Budget:
    """Accumulates sections while keeping the total under a budget of UTF-8 bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.used = 0

    def add(self, section: str) -> None:
        size = utf8_size(section)
        if section and self.used + size + 2 <= self.limit:
            self.parts.append(section)
            self.used += size + 2

    def add_table(self, heading: str, header: str, rows: list[str], more: int, noun: str) -> None:
        if not rows:
            return
        lines = [heading, header] if header else [heading]
        size = sum(utf8_size(line) + 1 for line in lines)
        kept = 0
        for row in rows:
            row_size = utf8_size(row) + 1
            if self.used + size + row_size > self.limit:
                break
            lines.append(row)
            size += row_size
            kept += 1
        left = more + len(rows) - kept
        if left:
            lines.append(f"\n… and {left} more {noun}.")
        if kept or left:
            self.parts.append("\n".join(lines))
            self.used += size + 2

    def text(self) -> str:
        return printable("\n\n".join(self.parts))
