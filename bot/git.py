"""The git operations the CLI and the Action share: find the base, diff against it, read file versions."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from bot.engine import ChangedFile, parse_diff

_DEFAULT_BRANCH_CANDIDATES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")


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


def changes_against(
    repo: Path, base: str, head: str | None = None, include_untracked: bool = True
) -> list[ChangedFile]:
    """Files that differ between `base` and the work tree (or `head`), untracked files included as added."""
    revisions = [base] if head is None else [base, head]
    diff = git(repo, "diff", "--no-color", "--no-ext-diff", "-M", "--src-prefix=a/", "--dst-prefix=b/", *revisions)
    changes = parse_diff(diff.decode("utf-8", errors="surrogateescape"))
    if head is None and include_untracked:
        known = {change.path for change in changes}
        changes.extend(
            ChangedFile(path=path, status="added", whole_file=True) for path in untracked(repo) if path not in known
        )
    return changes


def untracked(repo: Path) -> list[str]:
    """Untracked files that .gitignore does not exclude."""
    listing = git(repo, "ls-files", "--others", "--exclude-standard", "-z")
    return [name for name in listing.decode("utf-8", errors="surrogateescape").split("\0") if name]


def tracked_files(repo: Path, under: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files under a directory, relative to the repository root."""
    listing = git(repo, "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", str(under))
    return sorted({name for name in listing.decode("utf-8", errors="surrogateescape").split("\0") if name})


def read_blobs(repo: Path, revision: str, paths: Iterable[str]) -> dict[str, bytes]:
    """Contents of many files at one revision with a single `git cat-file --batch`; missing ones are left out."""
    wanted = list(dict.fromkeys(paths))
    if not wanted:
        return {}
    request = "".join(f"{revision}:{path}\n" for path in wanted).encode("utf-8", errors="surrogateescape")
    output = git(repo, "cat-file", "--batch", stdin=request)
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
