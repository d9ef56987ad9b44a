"""What a change touched: unified diffs (git) and per-file patches (GitHub's list-files) to ChangedFile."""

from __future__ import annotations

import re
from typing import Any

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from bot.engine.models import ChangedFile, FileStatus

_GITHUB_STATUS: dict[str, FileStatus] = {
    "added": "added",
    "removed": "removed",
    "modified": "modified",
    "renamed": "renamed",
    "copied": "copied",
    "changed": "modified",
    "unchanged": "unchanged",
}


_LINES_WITH_ENDS = re.compile(r"[^\n]*\n|[^\n]+")


class DiffError(ValueError):
    """The text is not a unified diff we can read."""


def parse_diff(text: str) -> list[ChangedFile]:
    """Every file of a unified diff (renames, deletions, binary and mode-only changes included)."""
    try:
        patch = PatchSet(text)
    except (UnidiffParseError, ValueError, IndexError) as error:
        raise DiffError(f"not a valid unified diff: {error}") from None
    return [_from_patched_file(patched) for patched in patch]


def changed_file_from_patch(path: str, status: str, patch: str | None, previous_path: str | None = None) -> ChangedFile:
    """A file as GitHub's list-files describes it; a missing patch (huge or binary) means every line counts."""
    file_status = _GITHUB_STATUS.get(status, "modified")
    old_path = previous_path if file_status in ("renamed", "copied") else None
    if file_status == "removed":
        return ChangedFile(path=path, old_path=old_path, status=file_status)
    if patch is None:
        return ChangedFile(
            path=path,
            old_path=old_path,
            status=file_status,
            whole_file=file_status == "added",
            patch_available=False,
        )
    added = added_lines(patch)
    return ChangedFile(
        path=path, old_path=old_path, status=file_status, added_lines=added, whole_file=file_status == "added"
    )


def added_lines(hunks: str) -> frozenset[int]:
    """Head-side numbers of the lines a patch (hunks only, no file header) adds."""
    try:
        patch = PatchSet(f"--- a/file\n+++ b/file\n{hunks}\n")
    except (UnidiffParseError, ValueError, IndexError) as error:
        raise DiffError(f"not a valid patch: {error}") from None
    return frozenset(number for patched in patch for number in _added(patched))


def _from_patched_file(patched: Any) -> ChangedFile:
    if patched.is_removed_file:
        status: FileStatus = "removed"
    elif patched.is_added_file:
        status = "added"
    elif patched.is_rename:
        status = "renamed"
    else:
        status = "modified"
    old_path = _strip_prefix(patched.source_file) if status == "renamed" else None
    added = frozenset(_added(patched))
    return ChangedFile(
        path=str(patched.path),
        old_path=old_path,
        status=status,
        added_lines=added,
        whole_file=status == "added",
        is_binary=bool(patched.is_binary_file),
    )


def _added(patched: Any) -> list[int]:
    """Head-side line numbers of a file's added lines."""
    return [line.target_line_no for hunk in patched for line in hunk if line.is_added and line.target_line_no]


def _strip_prefix(name: str) -> str:
    return name[2:] if name.startswith(("a/", "b/")) else name


def right_side_lines(hunks: str) -> tuple[frozenset[int], frozenset[int]]:
    """(added, inside any hunk) head-side line numbers of a patch: GitHub accepts comments only on the latter."""
    try:
        patch = PatchSet(f"--- a/file\n+++ b/file\n{hunks}\n")
    except (UnidiffParseError, ValueError, IndexError) as error:
        raise DiffError(f"not a valid patch: {error}") from None
    added: set[int] = set()
    inside: set[int] = set()
    for patched in patch:
        for hunk in patched:
            for line in hunk:
                if line.target_line_no and (line.is_added or line.is_context):
                    inside.add(line.target_line_no)
                    if line.is_added:
                        added.add(line.target_line_no)
    return frozenset(added), frozenset(inside)


def reverse_patch(head: str, hunks: str) -> str | None:
    """The file before the change, rebuilt from the file after it and the patch; None if the two disagree.

    GitHub's pull-request patches are relative to the merge base, so this gives exactly the version the change
    started from, without fetching it.
    """
    try:
        patch = PatchSet(f"--- a/file\n+++ b/file\n{hunks}\n")
    except (UnidiffParseError, ValueError, IndexError):
        return None
    if len(patch) != 1:
        return None
    head_lines = _LINES_WITH_ENDS.findall(head)
    rebuilt: list[str] = []
    position = 0
    for hunk in patch[0]:
        start = hunk.target_start if hunk.target_length == 0 else hunk.target_start - 1
        if start < position or start > len(head_lines):
            return None
        rebuilt.extend(head_lines[position:start])
        position = start
        previous = ""
        for line in hunk:
            if line.line_type == "\\":
                if previous in (" ", "-") and rebuilt:
                    rebuilt[-1] = rebuilt[-1].rstrip("\n")
                continue
            if line.is_context or line.is_added:
                if position >= len(head_lines) or head_lines[position].rstrip("\r\n") != line.value.rstrip("\r\n"):
                    return None
                position += 1
            if line.is_context or line.is_removed:
                rebuilt.append(line.value)
            previous = line.line_type
    rebuilt.extend(head_lines[position:])
    return "".join(rebuilt)


def patches_by_path(diff: str) -> dict[str, str]:
    """Each file's hunks (as GitHub's list-files `patch` gives them) from a whole unified diff."""
    try:
        patch = PatchSet(diff)
    except (UnidiffParseError, ValueError, IndexError) as error:
        raise DiffError(f"not a valid unified diff: {error}") from None
    return {str(patched.path): "".join(str(hunk) for hunk in patched) for patched in patch if len(patched)}
