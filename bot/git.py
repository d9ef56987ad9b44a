"""The git operations the CLI and the Action share: find the base, diff against it, read file versions."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.engine import ChangedFile
from bot.engine.diff import changed_file_from_patch

_DEFAULT_BRANCH_CANDIDATES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")
_STATUS = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "C": "copied", "T": "changed"}
"""git's status letters as GitHub's list-files names them."""


class GitError(RuntimeError):
    """A git command failed; the message says which and why."""


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git in `repo` and return its output; never through a shell."""
    command = ["git", "-c", "core.quotePath=false", "-C", str(repo), *args]
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}"
        raise GitError(f"git {' '.join(args[:3])}: {message}")
    return done.stdout


def repository_root(start: Path) -> Path:
    """The top of the git work tree containing `start`."""
    return Path(git(start, "rev-parse", "--show-toplevel").decode().strip())


def default_branch(repo: Path) -> str:
    """origin's HEAD if known, else the first of origin/main, origin/master, main, master that exists."""
    for candidate in _DEFAULT_BRANCH_CANDIDATES:
        try:
            git(repo, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
        except GitError:
            continue
        return candidate
    raise GitError("cannot find the default branch (no origin/HEAD, main or master); pass a base revision")


def merge_base(repo: Path, branch: str, head: str = "HEAD") -> str:
    """The commit where HEAD forked from `branch`: what a pull request would be compared against."""
    return git(repo, "merge-base", branch, head).decode().strip()


def resolve(repo: Path, revision: str) -> str:
    """A revision's full commit id."""
    return git(repo, "rev-parse", "--verify", f"{revision}^{{commit}}").decode().strip()


@dataclass(frozen=True, slots=True)
class Diff:
    """A change as git sees it: every file with its true name, and each file's hunks (GitHub's `patch` field)."""

    files: list[ChangedFile]
    hunks: dict[str, str]


def diff(repo: Path, base: str, head: str | None = None) -> Diff:
    """Files that differ between `base` and `head` (or the work tree). Names come from `--raw -z` as bytes, so
    nothing git would quote (a newline, a tab, a quote mark) or cannot decode is lost or misnamed."""
    revisions = [base] if head is None else [base, head]
    entries = _raw_entries(git(repo, "diff", "--raw", "-z", "-M", "--no-abbrev", *revisions))
    patch = git(repo, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", *revisions)
    sections: list[bytes | None] = list(_sections(patch))
    if len(sections) != len(entries):  # never seen; the raw listing stays the truth, with every line counted
        sections = [None] * len(entries)
    files: list[ChangedFile] = []
    hunks: dict[str, str] = {}
    for (status, old_path, path), section in zip(entries, sections, strict=True):
        patch_text = _hunks(section)
        if patch_text:
            hunks[path] = patch_text
        files.append(changed_file_from_patch(path, status, patch_text if section is not None else None, old_path))
    return Diff(files, hunks)


def changes_against(
    repo: Path, base: str, head: str | None = None, include_untracked: bool = True
) -> list[ChangedFile]:
    """Files that differ between `base` and the work tree (or `head`), untracked files included as added."""
    changes = diff(repo, base, head).files
    if head is None and include_untracked:
        known = {change.path for change in changes}
        changes.extend(
            ChangedFile(path=path, status="added", whole_file=True) for path in untracked(repo) if path not in known
        )
    return changes


def _raw_entries(listing: bytes) -> list[tuple[str, str | None, str]]:
    """(GitHub's status name, the old name of a rename or copy, the name) for each `--raw -z` entry."""
    fields = listing.split(b"\0")
    entries: list[tuple[str, str | None, str]] = []
    position = 0
    while position < len(fields) and fields[position].startswith(b":"):
        letter = fields[position].rsplit(b" ", 1)[-1][:1].decode()
        if letter in "RC":
            old, new = _name(fields[position + 1]), _name(fields[position + 2])
            entries.append((_STATUS[letter], old, new))
            position += 3
        else:
            entries.append((_STATUS.get(letter, "modified"), None, _name(fields[position + 1])))
            position += 2
    return entries


def _sections(patch: bytes) -> list[bytes]:
    """The patch split per file: each starts at a `diff --git` line (content lines always carry a prefix)."""
    starts = [0] if patch.startswith(b"diff --git ") else []
    starts += [match + 1 for match in _find_all(patch, b"\ndiff --git ")]
    if not starts:
        return []
    return [patch[begin:end] for begin, end in zip(starts, [*starts[1:], len(patch)], strict=True)]


def _find_all(data: bytes, needle: bytes) -> Iterator[int]:
    position = data.find(needle)
    while position != -1:
        yield position
        position = data.find(needle, position + 1)


def _hunks(section: bytes | None) -> str:
    """A file's hunks, from its first `@@` line (none for binary, mode-only and empty files)."""
    start = section.find(b"\n@@") if section is not None else -1
    return section[start + 1 :].decode("utf-8", errors="surrogateescape") if section and start != -1 else ""


def _name(raw: bytes) -> str:
    """A path as Toasty carries it: text, with undecodable bytes kept as surrogates (see bot.report for display)."""
    return raw.decode("utf-8", errors="surrogateescape")


def untracked(repo: Path) -> list[str]:
    """Untracked files that .gitignore does not exclude."""
    listing = git(repo, "ls-files", "--others", "--exclude-standard", "-z")
    return [name for name in listing.decode("utf-8", errors="surrogateescape").split("\0") if name]


def tracked_files(repo: Path, under: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files under a directory, relative to the repository root."""
    listing = git(repo, "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", str(under))
    return sorted({name for name in listing.decode("utf-8", errors="surrogateescape").split("\0") if name})


def read_blobs(repo: Path, revision: str, paths: Iterable[str]) -> dict[str, bytes]:
    """Contents of many files at one revision with a single `git cat-file --batch -z` (NUL-separated names, so a
    newline in a name cannot derail the batch); missing ones are left out."""
    wanted = list(dict.fromkeys(paths))
    if not wanted:
        return {}
    names = [f"{revision}:{path}".encode("utf-8", errors="surrogateescape") for path in wanted]
    try:
        output = git(repo, "cat-file", "--batch", "-z", stdin=b"".join(name + b"\0" for name in names))
    except GitError:  # git before 2.36 has no -z: the line protocol, and names with a newline one at a time
        lined = [path for path in wanted if "\n" not in path]
        blobs = _parse_batch(
            git(repo, "cat-file", "--batch", stdin=b"".join(n + b"\n" for n in names if b"\n" not in n)), lined
        )
        for path in wanted:
            if "\n" in path:
                try:
                    blobs[path] = git(repo, "cat-file", "blob", f"{revision}:{path}")
                except GitError:
                    continue
        return blobs
    return _parse_batch(output, wanted)


def _parse_batch(output: bytes, wanted: list[str]) -> dict[str, bytes]:
    blobs: dict[str, bytes] = {}
    position = 0
    for path in wanted:
        header_end = output.index(b"\n", position)
        header = output[position:header_end]
        position = header_end + 1
        if header.endswith((b" missing", b" ambiguous")):
            continue
        _, kind, size_text = header.rsplit(b" ", 2)
        size = int(size_text)
        if kind == b"blob":
            blobs[path] = output[position : position + size]
        position += size + 1
    return blobs
