"""Unified-diff patches as GitHub shows them per file, and the hunk geometry its review rules depend on."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CONTEXT_LINES = 3
_NO_NEWLINE = "\\ No newline at end of file"


@dataclass(frozen=True)
class DiffLine:
    """One line of a patch, with the file line numbers it stands for and its review `position`."""

    kind: str
    text: str
    old_line: int | None
    new_line: int | None
    position: int


@dataclass(frozen=True)
class Hunk:
    """One `@@` section of a patch."""

    header: str
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    header_position: int
    lines: tuple[DiffLine, ...]

    def covers(self, line: int, side: str) -> bool:
        """Whether a review comment on `line` of `side` (RIGHT = new file, LEFT = old file) falls in this hunk."""
        attribute = "new_line" if side == "RIGHT" else "old_line"
        return any(getattr(entry, attribute) == line for entry in self.lines)


@dataclass(frozen=True)
class Patch:
    """A file's diff as the hunks-only text GitHub returns in `patch`, plus the counts it reports."""

    hunks: tuple[Hunk, ...]
    additions: int
    deletions: int

    @property
    def text(self) -> str:
        """The `patch` string: hunk headers and lines, no file headers, no trailing newline."""
        out: list[str] = []
        for hunk in self.hunks:
            out.append(hunk.header)
            out.extend(line.kind + line.text if line.kind != "\\" else _NO_NEWLINE for line in hunk.lines)
        return "\n".join(out)

    def hunk_for(self, line: int, side: str) -> Hunk | None:
        """The hunk a comment on `line`/`side` would attach to, if any (GitHub rejects the review otherwise)."""
        return next((hunk for hunk in self.hunks if hunk.covers(line, side)), None)

    def entry_for(self, line: int, side: str) -> DiffLine | None:
        """The patch line showing `line` of `side`."""
        attribute = "new_line" if side == "RIGHT" else "old_line"
        for hunk in self.hunks:
            for entry in hunk.lines:
                if getattr(entry, attribute) == line:
                    return entry
        return None

    def entry_at(self, position: int) -> DiffLine | None:
        """The patch line at a legacy review `position` (1 = the line under the first `@@`)."""
        for hunk in self.hunks:
            for entry in hunk.lines:
                if entry.position == position:
                    return entry
        return None

    def diff_hunk_through(self, entry: DiffLine) -> str:
        """The `diff_hunk` GitHub stores on a review comment: its hunk's header through the commented line."""
        for hunk in self.hunks:
            if entry in hunk.lines:
                shown = [line for line in hunk.lines if line.position <= entry.position]
                body = [line.kind + line.text if line.kind != "\\" else _NO_NEWLINE for line in shown]
                return "\n".join([hunk.header, *body])
        return ""


def compute_patch(old: bytes, new: bytes) -> Patch:
    """Diff two versions of a text file into hunks with three lines of context, as git and GitHub do."""
    old_lines, new_lines = _split(old), _split(new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    hunks: list[Hunk] = []
    position = 0
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        hunk = _hunk(group, old_lines, new_lines, position)
        hunks.append(hunk)
        position = hunk.lines[-1].position + 1  # the next hunk's header line takes a position too
    additions = sum(1 for hunk in hunks for line in hunk.lines if line.kind == "+")
    deletions = sum(1 for hunk in hunks for line in hunk.lines if line.kind == "-")
    return Patch(tuple(hunks), additions, deletions)


def _hunk(group: list[tuple[str, int, int, int, int]], old_lines: list[str], new_lines: list[str], start: int) -> Hunk:
    """One hunk from a group of difflib opcodes; `start` is the position of its `@@` line."""
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            for offset in range(i2 - i1):
                _append(lines, " ", old_lines[i1 + offset], i1 + offset + 1, j1 + offset + 1, start)
            continue
        for index in range(i1, i2):
            _append(lines, "-", old_lines[index], index + 1, None, start)
        for index in range(j1, j2):
            _append(lines, "+", new_lines[index], None, index + 1, start)
    first, last = group[0], group[-1]
    old_start, old_count = first[1], last[2] - first[1]
    new_start, new_count = first[3], last[4] - first[3]
    ranges = f"-{_range(old_start, old_count)} +{_range(new_start, new_count)}"
    header = f"@@ {ranges} @@{_function_context(old_lines, old_start)}"
    return Hunk(
        header,
        old_start + (old_count > 0),
        old_count,
        new_start + (new_count > 0),
        new_count,
        start,
        tuple(lines),
    )


def _append(lines: list[DiffLine], kind: str, raw: str, old_line: int | None, new_line: int | None, start: int) -> None:
    """Add a patch line; git follows a last line lacking its newline with a marker that takes a position too."""
    position = (lines[-1].position if lines else start) + 1
    lines.append(DiffLine(kind, _text(raw), old_line, new_line, position))
    if not raw.endswith("\n"):
        lines.append(DiffLine("\\", "", None, None, position + 1))


def _split(content: bytes) -> list[str]:
    """Lines as git sees them: split on LF only, each keeping its LF (the last may lack one)."""
    text = content.decode("utf-8", errors="replace")
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _text(line: str) -> str:
    """A line as shown in the patch, without its newline."""
    return line.removesuffix("\n")


def _function_context(old_lines: list[str], hunk_start: int) -> str:
    """git's default funcname: the nearest earlier line starting with a letter, `_` or `$`, cut to 80 bytes."""
    for raw in reversed(old_lines[:hunk_start]):
        if raw[:1].isalpha() or raw[:1] in ("_", "$"):
            return " " + raw.rstrip()[:80].rstrip()
    return ""


def _range(start: int, count: int) -> str:
    """git's hunk range: `start,count`, `start` alone for one line, and the line before for an empty side."""
    first = start + 1 if count > 0 else start
    return str(first) if count == 1 else f"{first},{count}"
