"""Repositories as git sees them (commits, trees, blobs, branches) and pull requests with their computed files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tests.fakegithub.accounts import User
from tests.fakegithub.activity import CheckRun, CheckSuite, IssueComment, Review, ReviewComment
from tests.fakegithub.diffs import Patch, compute_patch
from tests.fakegithub.gitobjects import TreeEntry, blob_sha, build_trees, commit_sha, is_binary
from tests.fakegithub.timestamps import iso, utc_now

if TYPE_CHECKING:
    from tests.fakegithub.state import GitHubState

# https://docs.github.com/rest/pulls/pulls#list-pull-requests-files: "a maximum of 3000 files".
LIST_FILES_CAP = 3000


@dataclass
class Commit:
    """A commit: a full snapshot of the repository's files."""

    sha: str
    files: dict[str, bytes]
    parents: tuple[str, ...]
    message: str
    created_at: datetime
    tree_sha: str


@dataclass(frozen=True)
class PullFile:
    """One entry of a pull request's changed files, with the full diff the fake knows even when it hides `patch`."""

    filename: str
    status: str
    sha: str
    additions: int
    deletions: int
    patch: Patch | None
    patch_shown: bool
    previous_filename: str | None = None

    @property
    def changes(self) -> int:
        """Lines added plus lines deleted, as GitHub reports them."""
        return self.additions + self.deletions


class Repo:
    """A repository: commits, branches, pull requests, and the bot-written objects on them."""

    def __init__(self, state: GitHubState, owner: User, name: str, *, default_branch: str, private: bool) -> None:
        self.state = state
        self.id = state.ids.next("repo")
        self.owner = owner
        self.name = name
        self.default_branch = default_branch
        self.private = private
        self.created_at = utc_now()
        self.commits: dict[str, Commit] = {}
        self.branches: dict[str, str] = {}
        self.pulls: dict[int, Pull] = {}
        self.permissions: dict[str, str] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.check_suites: dict[int, CheckSuite] = {}
        self.issue_comments: dict[int, IssueComment] = {}
        self._trees: dict[str, list[TreeEntry]] = {}
        self._blobs: dict[str, bytes] = {}

    @property
    def full_name(self) -> str:
        """`owner/name`, as GitHub spells it."""
        return f"{self.owner.login}/{self.name}"

    @property
    def node_id(self) -> str:
        """A global node id in GitHub's current format."""
        return f"R_kgDO{self.id:08X}"

    def commit(
        self,
        files: Mapping[str, bytes | str | None],
        *,
        parent: str | None = None,
        branch: str | None = None,
        message: str = "Change files",
        sha: str | None = None,
    ) -> str:
        """Record a commit: `files` over the parent's snapshot (None deletes a path); moves `branch` to it.

        `sha` adopts a given commit id, to mirror a local git repository (the Action's tests grade one)."""
        parent_sha = parent or (self.branches.get(branch) if branch else None)
        snapshot = dict(self.commits[parent_sha].files) if parent_sha else {}
        for path, content in files.items():
            if content is None:
                snapshot.pop(path, None)
            else:
                snapshot[path] = content.encode() if isinstance(content, str) else content
        tree_sha, trees = build_trees(snapshot)
        self._trees.update(trees)
        self._blobs.update({blob_sha(content): content for content in snapshot.values()})
        moment = utc_now()
        parents = (parent_sha,) if parent_sha else ()
        sha = sha or commit_sha(tree_sha, list(parents), message, f"{iso(moment)} {len(self.commits)}")
        self.commits[sha] = Commit(sha, snapshot, parents, message, moment, tree_sha)
        if branch:
            self.branches[branch] = sha
        return sha

    def add_pull(
        self,
        number: int | None = None,
        *,
        base: str | None = None,
        head: str | None = None,
        base_files: Mapping[str, bytes | str | None] | None = None,
        changes: Mapping[str, bytes | str | None] | None = None,
        head_ref: str | None = None,
        renames: Mapping[str, str] | None = None,
        oversized: Iterable[str] = (),
        title: str = "Improve things",
        body: str | None = "Please review.",
        author: str = "contributor",
        draft: bool = False,
    ) -> Pull:
        """Open a pull request between two commits (or refs), creating them from `base_files`/`changes` if given."""
        number = number or max(self.pulls, default=0) + 1
        head_ref = head_ref or f"feature-{number}"
        if base is None:
            base = self.commit(base_files or {}, branch=self.default_branch, message="Base") if base_files else None
            base = base or self.branches.get(self.default_branch) or self.commit({}, branch=self.default_branch)
        base_sha, base_ref = self._resolve_for_pull(base)
        if head is None:
            head = self.commit(changes or {}, parent=base_sha, branch=head_ref, message="Pull request change")
        head_sha, _ = self._resolve_for_pull(head)
        self.branches.setdefault(head_ref, head_sha)
        pull = Pull(
            self, number, base_sha, head_sha, base_ref=base_ref, head_ref=head_ref, title=title, body=body, draft=draft
        )
        pull.user = self.state.user(author)
        pull.renames = dict(renames or {})
        pull.oversized = set(oversized)
        self.pulls[number] = pull
        return pull

    def merge_base(self, first: str, second: str) -> str:
        """The nearest common ancestor of two commits (the first one itself when it is an ancestor of the second)."""
        ancestors = self._ancestors(first)
        queue, seen = [second], set()
        while queue:
            sha = queue.pop(0)
            if sha in ancestors:
                return sha
            if sha not in seen:
                seen.add(sha)
                queue.extend(self.commits[sha].parents)
        return first

    def _ancestors(self, sha: str) -> set[str]:
        found, stack = set(), [sha]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.commits[current].parents)
        return found

    def set_permission(self, login: str, permission: str) -> None:
        """Give a user a role (admin, maintain, write, triage, read, none) for the collaborator endpoint."""
        self.permissions[login] = permission

    def resolve(self, ref: str) -> Commit | None:
        """A commit from a SHA, a branch (optionally `refs/heads/...`), or HEAD for the default branch."""
        ref = ref.removeprefix("refs/heads/")
        if ref == "HEAD":
            ref = self.default_branch
        sha = self.branches.get(ref, ref)
        if sha in self.commits:
            return self.commits[sha]
        matches = [c for key, c in self.commits.items() if len(ref) >= 7 and key.startswith(ref)]
        return matches[0] if len(matches) == 1 else None

    def tree(self, sha: str) -> list[TreeEntry] | None:
        """A git tree by SHA."""
        return self._trees.get(sha)

    def blob(self, sha: str) -> bytes | None:
        """A blob's content by SHA."""
        return self._blobs.get(sha)

    def check_suite_for(self, head_sha: str) -> CheckSuite:
        """The App's suite for a commit, created on first use as GitHub does."""
        for suite in self.check_suites.values():
            if suite.head_sha == head_sha:
                return suite
        branch = next((name for name, sha in self.branches.items() if sha == head_sha), None)
        suite = CheckSuite(self.state.ids.next("check_suite"), self, head_sha, branch)
        self.check_suites[suite.id] = suite
        return suite

    def review_comments(self) -> list[ReviewComment]:
        """Every review comment on every pull request, in id order."""
        found = [c for pull in self.pulls.values() for c in pull.review_comments.values()]
        return sorted(found, key=lambda c: c.id)

    def association(self, user: User) -> str:
        """The author_association GitHub would show for `user` on this repository."""
        if user.login == self.owner.login:
            return "OWNER"
        if self.permissions.get(user.login, "none") not in ("none", "read"):
            return "COLLABORATOR"
        return "NONE"

    def _resolve_for_pull(self, ref: str) -> tuple[str, str]:
        """A commit SHA and the branch it was named by (or the default branch)."""
        commit = self.resolve(ref)
        if commit is None:
            raise KeyError(f"{self.full_name} has no commit or branch {ref!r}")
        branch = ref if ref in self.branches else self.default_branch
        return commit.sha, branch


class Pull:
    """A pull request; its changed files are computed from the base and head snapshots, like GitHub's."""

    def __init__(
        self,
        repo: Repo,
        number: int,
        base_sha: str,
        head_sha: str,
        *,
        base_ref: str,
        head_ref: str,
        title: str,
        body: str | None,
        draft: bool,
    ) -> None:
        self.repo = repo
        self.number = number
        self.id = repo.state.ids.next("pull")
        self.base_sha = base_sha
        self.head_sha = head_sha
        self.base_ref = base_ref
        self.head_ref = head_ref
        self.title = title
        self.body = body
        self.draft = draft
        self.state = "open"
        self.user = repo.owner
        self.created_at = utc_now()
        self.updated_at = self.created_at
        self.commit_shas = [head_sha]
        self.renames: dict[str, str] = {}
        self.oversized: set[str] = set()
        self.reviews: dict[int, Review] = {}
        self.review_comments: dict[int, ReviewComment] = {}
        self._files_cache: dict[tuple[str, str], list[PullFile]] = {}

    @property
    def node_id(self) -> str:
        """A global node id in GitHub's current format."""
        return f"PR_kwDO{self.id:08X}"

    def push(self, changes: Mapping[str, bytes | str | None], message: str = "Follow-up") -> str:
        """Add a commit to the head branch (what a `synchronize` webhook reports); returns its SHA."""
        sha = self.repo.commit(changes, parent=self.head_sha, branch=self.head_ref, message=message)
        self.head_sha = sha
        self.commit_shas.append(sha)
        self.updated_at = utc_now()
        return sha

    def files(self, head_sha: str | None = None) -> list[PullFile]:
        """All changed files, sorted by path (the API shows at most the first 3000)."""
        key = (self.base_sha, head_sha or self.head_sha)
        if key not in self._files_cache:
            self._files_cache[key] = self._compute_files(*key)
        return self._files_cache[key]

    def file(self, path: str, head_sha: str | None = None) -> PullFile | None:
        """One changed file by its (new) path."""
        return next((f for f in self.files(head_sha) if f.filename == path), None)

    def _compute_files(self, base_sha: str, head_sha: str) -> list[PullFile]:
        """Compare the merge base with the head (GitHub's three-dot comparison), pairing explicit renames, sorted by
        path as GitHub lists them: commits that reached the base branch after the fork do not appear."""
        base = self.repo.commits[self.repo.merge_base(base_sha, head_sha)].files
        head = self.repo.commits[head_sha].files
        renamed_from = {old: new for new, old in self.renames.items() if new in head and old in base}
        entries: list[PullFile] = []
        for path in sorted(set(base) | set(head)):
            if path in renamed_from:
                continue
            old_path = self.renames.get(path) if path in self.renames and path not in base else None
            old = base.get(old_path or path)
            new = head.get(path)
            if old == new and old_path is None:
                continue
            entries.append(self._entry(path, old, new, old_path))
        return entries

    def _entry(self, path: str, old: bytes | None, new: bytes | None, old_path: str | None) -> PullFile:
        """One changed file; binary files get no patch, as on GitHub."""
        status = "renamed" if old_path else "added" if old is None else "removed" if new is None else "modified"
        binary = is_binary(old or b"") or is_binary(new or b"")
        patch = None if binary or old == new else compute_patch(old or b"", new or b"")
        return PullFile(
            filename=path,
            status=status,
            sha=blob_sha(new if new is not None else old or b""),
            additions=patch.additions if patch else 0,
            deletions=patch.deletions if patch else 0,
            patch=patch,
            patch_shown=patch is not None and path not in self.oversized,
            previous_filename=old_path,
        )
