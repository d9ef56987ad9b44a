"""What to grade, from the event that triggered the workflow: a pull request's change, a push, or the last commit."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.git import GitError, git

log = logging.getLogger(__name__)
NULL_SHA = "0" * 40
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


class EventError(RuntimeError):
    """The event cannot be graded as it stands, and what to change in the workflow."""


@dataclass(frozen=True, slots=True)
class Target:
    """The commits to compare, and the pull request when there is one."""

    base: str | None
    """The commit the change starts from (a pull request's merge base); None to grade every file of `head`."""
    head: str
    pull_number: int | None = None
    read_only_token: bool = False
    """A fork's pull request under `pull_request`: GitHub gives the workflow a read-only token."""
    config_revision: str | None = None
    """Where the configuration is read: the base commit for pull requests (the change cannot alter its rules)."""


def read_event(path: str | None) -> dict[str, Any]:
    """The webhook payload GitHub wrote for this run (an empty event when there is none)."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise EventError(f"cannot read the event payload at {path}: {error}") from None
    return data if isinstance(data, dict) else {}


def target_for(event_name: str, event: dict[str, Any], repo: Path) -> Target:
    """The range a workflow run grades."""
    if event_name in PULL_REQUEST_EVENTS and "pull_request" in event:
        return _pull_request(event["pull_request"], repo, forks_read_only=event_name == "pull_request")
    if event_name == "push" and event.get("after") and event["after"] != NULL_SHA:
        return _push(str(event.get("before") or NULL_SHA), str(event["after"]), repo)
    head = _resolve(repo, "HEAD")
    return Target(base=_parent(repo, head), head=head)


def _pull_request(pull: dict[str, Any], repo: Path, *, forks_read_only: bool) -> Target:
    base, head = str(pull["base"]["sha"]), str(pull["head"]["sha"])
    _ensure(repo, base, "the pull request's base commit")
    _ensure(repo, head, "the pull request's head commit")
    fork = (pull["head"].get("repo") or {}).get("full_name") != (pull["base"].get("repo") or {}).get("full_name")
    return Target(
        base=_merge_base(repo, base, head),
        head=head,
        pull_number=int(pull["number"]),
        read_only_token=fork and forks_read_only,
        config_revision=base,
    )


def _push(before: str, after: str, repo: Path) -> Target:
    _ensure(repo, after, "the pushed commit")
    if before == NULL_SHA or not _has(repo, before):
        return Target(base=_parent(repo, after), head=after)  # a new branch: its last commit
    return Target(base=_merge_base(repo, before, after), head=after)


def _merge_base(repo: Path, base: str, head: str) -> str:
    """Where the change forked from its base (what GitHub's "files changed" compares against)."""
    try:
        return git(repo, "merge-base", base, head).decode().strip()
    except GitError:
        pass
    if (repo / ".git" / "shallow").exists() or git(repo, "rev-parse", "--is-shallow-repository").strip() == b"true":
        log.info("shallow checkout: fetching history to find the merge base")
        try:
            git(repo, "fetch", "--no-tags", "--unshallow", "origin")
            return git(repo, "merge-base", base, head).decode().strip()
        except GitError as error:
            raise EventError(
                f"cannot find where {head[:12]} forked from {base[:12]} ({error}); "
                "check out with actions/checkout and `fetch-depth: 0`"
            ) from None
    raise EventError(f"{head[:12]} and {base[:12]} have no common history")


def _ensure(repo: Path, sha: str, what: str) -> None:
    """Make sure a commit is present, fetching it by id when the checkout was shallow."""
    if _has(repo, sha):
        return
    log.info("fetching %s %s", what, sha[:12])
    try:
        git(repo, "fetch", "--no-tags", "--depth=1", "origin", sha)
    except GitError as error:
        raise EventError(
            f"{what} {sha[:12]} is not in the checkout and cannot be fetched ({error}); "
            "check out with actions/checkout and `fetch-depth: 0`"
        ) from None


def _has(repo: Path, sha: str) -> bool:
    try:
        git(repo, "cat-file", "-e", f"{sha}^{{commit}}")
    except GitError:
        return False
    return True


def _resolve(repo: Path, revision: str) -> str:
    return git(repo, "rev-parse", "--verify", f"{revision}^{{commit}}").decode().strip()


def _parent(repo: Path, sha: str) -> str | None:
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{sha}^1^{{commit}}").decode().strip() or None
    except GitError:
        return None
