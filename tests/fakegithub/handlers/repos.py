"""Repository metadata, collaborator permissions, file contents and git objects."""

from __future__ import annotations

from tests.fakegithub.errors import ApiError, error_body, not_found
from tests.fakegithub.gitobjects import TreeEntry, blob_sha
from tests.fakegithub.handlers.context import Reply, RequestContext
from tests.fakegithub.render_core import (
    blob,
    collaborator_permission,
    content_directory_entry,
    content_file,
    repository,
    tree,
)
from tests.fakegithub.repository import Commit, Repo
from tests.fakegithub.timestamps import iso

_RAW_MEDIA_TYPES = ("application/vnd.github.raw", "application/vnd.github.v3.raw")


def get_repo(ctx: RequestContext) -> Reply:
    """GET /repos/{owner}/{repo}."""
    return Reply(body=repository(ctx.urls, ctx.repo(), full=True))


def get_permission(ctx: RequestContext) -> Reply:
    """GET /repos/{owner}/{repo}/collaborators/{username}/permission."""
    repo = ctx.repo()
    login = ctx.params["username"]
    if login in ctx.state.deleted_logins:  # GitHub answers 404 for an account that no longer exists
        raise not_found()
    default = "admin" if login == repo.owner.login else "none" if repo.private else "read"
    permission = repo.permissions.get(login, default)
    return Reply(body=collaborator_permission(ctx.urls, ctx.state.user(login), permission))


def get_content(ctx: RequestContext) -> Reply:
    """GET /repos/{owner}/{repo}/contents/{path}?ref=: a file (base64), a directory listing, or 404."""
    repo = ctx.repo()
    ref = ctx.query.get("ref") or repo.default_branch
    commit = repo.resolve(ref)
    if commit is None:
        raise ApiError(404, error_body(f"No commit found for the ref {ref}", ctx.docs, 404))
    path = ctx.params["path"].strip("/")
    if path in commit.files:
        content = commit.files[path]
        if any(media in ctx.headers.get("accept", "") for media in _RAW_MEDIA_TYPES):
            return Reply(raw=content, content_type="application/vnd.github.raw; charset=utf-8")
        return Reply(body=content_file(ctx.urls, repo, path, content, ref, blob_sha(content)))
    entries = _directory(repo, commit, path)
    if entries is None:
        raise not_found(ctx.docs)
    listing = [content_directory_entry(ctx.urls, repo, f"{path}/{e.name}".lstrip("/"), e, ref) for e in entries]
    return Reply(body=listing)


def get_blob(ctx: RequestContext) -> Reply:
    """GET /repos/{owner}/{repo}/git/blobs/{file_sha}."""
    repo = ctx.repo()
    content = repo.blob(ctx.params["file_sha"])
    if content is None:
        raise not_found(ctx.docs)
    return Reply(body=blob(ctx.urls, repo, ctx.params["file_sha"], content))


def get_tree(ctx: RequestContext) -> Reply:
    """GET /repos/{owner}/{repo}/git/trees/{tree_sha}?recursive=1 (a tree SHA, commit SHA or branch)."""
    repo = ctx.repo()
    wanted = ctx.params["tree_sha"]
    commit = repo.resolve(wanted)
    sha = commit.tree_sha if commit else wanted
    entries = repo.tree(sha)
    if entries is None:
        raise not_found(ctx.docs)
    flat = _flatten(repo, entries, "") if "recursive" in ctx.query else [(e.name, e) for e in entries]
    return Reply(body=tree(ctx.urls, repo, sha, flat))


def get_git_commit(ctx: RequestContext) -> Reply:
    """GET /repos/{owner}/{repo}/git/commits/{commit_sha}."""
    repo = ctx.repo()
    commit = repo.commits.get(ctx.params["commit_sha"])
    if commit is None:
        raise not_found(ctx.docs)
    return Reply(body=_git_commit(ctx, repo, commit))


def _git_commit(ctx: RequestContext, repo: Repo, commit: Commit) -> dict[str, object]:
    """A git-commit object."""
    api = ctx.urls.repo(repo)
    person = {"name": "Contributor", "email": "contributor@example.com", "date": iso(commit.created_at)}
    return {
        "sha": commit.sha,
        "node_id": f"C_kwDO{commit.sha[:16]}",
        "url": f"{api}/git/commits/{commit.sha}",
        "html_url": f"{ctx.urls.repo_web(repo)}/commit/{commit.sha}",
        "author": person,
        "committer": person,
        "message": commit.message,
        "tree": {"sha": commit.tree_sha, "url": f"{api}/git/trees/{commit.tree_sha}"},
        "parents": [
            {"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{ctx.urls.repo_web(repo)}/commit/{p}"}
            for p in commit.parents
        ],
        "verification": {
            "verified": False,
            "reason": "unsigned",
            "signature": None,
            "payload": None,
            "verified_at": None,
        },
    }


def _directory(repo: Repo, commit: Commit, path: str) -> list[TreeEntry] | None:
    """The tree entries of a directory path in a commit, or None."""
    entries = repo.tree(commit.tree_sha)
    for part in [p for p in path.split("/") if p]:
        child = next((e for e in entries or [] if e.name == part and e.kind == "tree"), None)
        entries = repo.tree(child.sha) if child else None
    return entries


def _flatten(repo: Repo, entries: list[TreeEntry], prefix: str) -> list[tuple[str, TreeEntry]]:
    """Every entry below a tree with its full path (recursive=1)."""
    flat: list[tuple[str, TreeEntry]] = []
    for entry in entries:
        flat.append((prefix + entry.name, entry))
        if entry.kind == "tree":
            flat += _flatten(repo, repo.tree(entry.sha) or [], f"{prefix}{entry.name}/")
    return flat


HANDLERS = {
    "repos/get": get_repo,
    "repos/get-collaborator-permission-level": get_permission,
    "repos/get-content": get_content,
    "git/get-blob": get_blob,
    "git/get-tree": get_tree,
    "git/get-commit": get_git_commit,
}
