"""Where GitHub lets a review comment go: inside a hunk of the file's diff, or the whole review is refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakegithub.repository import Pull

# Messages as GitHub words them (422 bodies quoted in public issue reports; no doc states them).
LINE_OUTSIDE_DIFF = "Pull request review thread line must be part of the diff"
HUNK_BLANK = "Pull request review thread diff hunk can't be blank"
PATH_INVALID = "Pull request review thread path is invalid"
START_OTHER_HUNK = "Pull request review thread start line must be part of the same hunk as the line."
START_NOT_BEFORE = "Pull request review thread start line must precede the end line."
POSITION_INVALID = "Pull request review thread position is invalid"


@dataclass(frozen=True)
class Placement:
    """Where an accepted comment landed in the diff."""

    path: str
    line: int | None
    side: str | None
    start_line: int | None
    start_side: str | None
    position: int | None
    diff_hunk: str
    subject_type: str


class PlacementRefused(Exception):
    """GitHub would refuse the comment (and with it the whole review) with these reasons."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(to_sentence(reasons))
        self.reasons = reasons


def place(pull: Pull, commit_id: str, comment: Mapping[str, Any]) -> Placement:
    """Resolve a draft comment's path/line/side (or legacy position) against the diff at `commit_id`."""
    path = comment["path"]
    entry = pull.file(path, commit_id)
    if entry is None:
        raise PlacementRefused([PATH_INVALID, HUNK_BLANK])
    if comment.get("subject_type") == "file":
        return Placement(path, None, None, None, None, None, "", "file")
    patch = entry.patch
    if patch is None:
        raise PlacementRefused([LINE_OUTSIDE_DIFF, HUNK_BLANK])
    if comment.get("line") is None and comment.get("position") is not None:
        return _by_position(pull, commit_id, path, comment["position"])
    side: str = comment.get("side") or "RIGHT"
    line: int | None = comment.get("line")
    target = patch.entry_for(line, side) if line is not None else None
    if line is None or target is None:
        raise PlacementRefused([LINE_OUTSIDE_DIFF, HUNK_BLANK])
    start_line, start_side = comment.get("start_line"), None
    if start_line is not None:
        start_side = comment.get("start_side") or side
        _check_start(pull, commit_id, path, (start_line, start_side), (line, side))
    return Placement(path, line, side, start_line, start_side, target.position, patch.diff_hunk_through(target), "line")


def to_sentence(reasons: list[str]) -> str:
    """Join messages the way GitHub's Rails back end does: "a and b", "a, b, and c"."""
    unique = list(dict.fromkeys(reasons))
    if len(unique) <= 2:
        return " and ".join(unique)
    return ", ".join(unique[:-1]) + ", and " + unique[-1]


def _by_position(pull: Pull, commit_id: str, path: str, position: int) -> Placement:
    """Legacy `position`: the n-th line below the first `@@` of the file's patch."""
    entry = pull.file(path, commit_id)
    patch = entry.patch if entry else None
    target = patch.entry_at(position) if patch else None
    if patch is None or target is None or target.kind == "\\":
        raise PlacementRefused([POSITION_INVALID, HUNK_BLANK])
    side = "RIGHT" if target.new_line is not None else "LEFT"
    line = target.new_line if side == "RIGHT" else target.old_line
    return Placement(path, line, side, None, None, position, patch.diff_hunk_through(target), "line")


def _check_start(pull: Pull, commit_id: str, path: str, start: tuple[int, str], end: tuple[int, str]) -> None:
    """A multi-line comment must start before its end line, within the same hunk."""
    entry = pull.file(path, commit_id)
    patch = entry.patch if entry else None
    assert patch is not None  # place() checked the end line first
    start_hunk, end_hunk = patch.hunk_for(*start), patch.hunk_for(*end)
    if start_hunk is None or start_hunk is not end_hunk:
        raise PlacementRefused([START_OTHER_HUNK])
    first, last = patch.entry_for(*start), patch.entry_for(*end)
    if first is None or last is None or first.position >= last.position:
        raise PlacementRefused([START_NOT_BEFORE])
