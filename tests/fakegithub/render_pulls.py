"""GitHub's JSON for pull requests, their files, reviews, comments and reactions."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.fakegithub.activity import REACTION_CONTENTS, IssueComment, Reaction, Review, ReviewComment
from tests.fakegithub.render_core import Urls, integration, repository, user
from tests.fakegithub.repository import Pull, PullFile
from tests.fakegithub.timestamps import iso


def pull_request(urls: Urls, pull: Pull, *, simple: bool = False) -> dict[str, Any]:
    """A pull-request object (GET .../pulls/{n}); `simple` gives the list form without counts."""
    repo = pull.repo
    api, web, n = urls.repo(repo), urls.repo_web(repo), pull.number
    body: dict[str, Any] = {
        "url": f"{api}/pulls/{n}",
        "id": pull.id,
        "node_id": pull.node_id,
        "html_url": f"{web}/pull/{n}",
        "diff_url": f"{web}/pull/{n}.diff",
        "patch_url": f"{web}/pull/{n}.patch",
        "issue_url": f"{api}/issues/{n}",
        "commits_url": f"{api}/pulls/{n}/commits",
        "review_comments_url": f"{api}/pulls/{n}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{n}/comments",
        "statuses_url": f"{api}/statuses/{pull.head_sha}",
        "number": n,
        "state": pull.state,
        "locked": False,
        "title": pull.title,
        "user": user(urls, pull.user),
        "body": pull.body,
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": iso(pull.created_at),
        "updated_at": iso(pull.updated_at),
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch(urls, pull, pull.head_ref, pull.head_sha),
        "base": _branch(urls, pull, pull.base_ref, pull.base_sha),
        "_links": _pull_links(api, web, pull),
        "author_association": repo.association(pull.user),
        "auto_merge": None,
        "draft": pull.draft,
    }
    if simple:
        return body
    files = pull.files()
    return body | {
        "merged": False,
        "mergeable": True,
        "rebaseable": True,
        "mergeable_state": "clean",
        "merged_by": None,
        "comments": sum(1 for c in repo.issue_comments.values() if c.issue_number == n),
        "review_comments": len(pull.review_comments),
        "maintainer_can_modify": False,
        "commits": len(pull.commit_shas),
        "additions": sum(f.additions for f in files),
        "deletions": sum(f.deletions for f in files),
        "changed_files": len(files),
    }


def pull_minimal(urls: Urls, pull: Pull) -> dict[str, Any]:
    """The short pull request form in check runs and suites."""
    repo_ref = {"id": pull.repo.id, "url": urls.repo(pull.repo), "name": pull.repo.name}
    return {
        "id": pull.id,
        "number": pull.number,
        "url": f"{urls.repo(pull.repo)}/pulls/{pull.number}",
        "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": repo_ref},
        "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": repo_ref},
    }


def diff_entry(urls: Urls, pull: Pull, entry: PullFile) -> dict[str, Any]:
    """One changed file; `patch` is left out for binary files and diffs GitHub deems too large."""
    api, web, path = urls.repo(pull.repo), urls.repo_web(pull.repo), quote(entry.filename)
    body: dict[str, Any] = {
        "sha": entry.sha,
        "filename": entry.filename,
        "status": entry.status,
        "additions": entry.additions,
        "deletions": entry.deletions,
        "changes": entry.changes,
        "blob_url": f"{web}/blob/{pull.head_sha}/{path}",
        "raw_url": f"{web}/raw/{pull.head_sha}/{path}",
        "contents_url": f"{api}/contents/{path}?ref={pull.head_sha}",
    }
    if entry.patch is not None and entry.patch_shown:
        body["patch"] = entry.patch.text
    if entry.previous_filename:
        body["previous_filename"] = entry.previous_filename
    return body


def review(urls: Urls, item: Review) -> dict[str, Any]:
    """A pull-request-review object."""
    pull = item.pull
    html = f"{urls.repo_web(pull.repo)}/pull/{pull.number}#pullrequestreview-{item.id}"
    pull_url = f"{urls.repo(pull.repo)}/pulls/{pull.number}"
    body: dict[str, Any] = {
        "id": item.id,
        "node_id": f"PRR_kwDO{item.id:010X}",
        "user": user(urls, item.user),
        "body": item.body,
        "state": item.state,
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": pull.repo.association(item.user),
        "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
        "commit_id": item.commit_id,
    }
    if item.submitted_at is not None:
        body["submitted_at"] = iso(item.submitted_at)
    return body


def review_comment(urls: Urls, comment: ReviewComment) -> dict[str, Any]:
    """A pull-request-review-comment object, with its reactions roll-up."""
    pull = comment.pull
    url = f"{urls.repo(pull.repo)}/pulls/comments/{comment.id}"
    html = f"{urls.repo_web(pull.repo)}/pull/{pull.number}#discussion_r{comment.id}"
    pull_url = f"{urls.repo(pull.repo)}/pulls/{pull.number}"
    body: dict[str, Any] = {
        "url": url,
        "pull_request_review_id": comment.review_id,
        "id": comment.id,
        "node_id": f"PRRC_kwDO{comment.id:010X}",
        "diff_hunk": comment.diff_hunk,
        "path": comment.path,
        "commit_id": comment.commit_id,
        "original_commit_id": comment.commit_id,
        "user": user(urls, comment.user),
        "body": comment.body,
        "created_at": iso(comment.created_at),
        "updated_at": iso(comment.updated_at),
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": pull.repo.association(comment.user),
        "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pull_url}},
        "reactions": reaction_rollup(url, comment.reactions),
        "start_line": comment.start_line,
        "original_start_line": comment.start_line,
        "start_side": comment.start_side,
        "line": comment.line,
        "original_line": comment.line,
        "side": comment.side,
        "subject_type": comment.subject_type,
        "position": comment.position,
        "original_position": comment.position,
    }
    if comment.in_reply_to_id is not None:
        body["in_reply_to_id"] = comment.in_reply_to_id
    return {key: value for key, value in body.items() if not (key in _DROP_WHEN_NONE and value is None)}


# Fields GitHub leaves out, rather than nulls, on file-level comments.
_DROP_WHEN_NONE = {"line", "original_line", "side", "position", "original_position"}


def issue_comment(urls: Urls, comment: IssueComment) -> dict[str, Any]:
    """An issue-comment object (pull request conversation comments are issue comments)."""
    repo = comment.repo
    url = f"{urls.repo(repo)}/issues/comments/{comment.id}"
    return {
        "id": comment.id,
        "node_id": f"IC_kwDO{comment.id:010X}",
        "url": url,
        "html_url": f"{urls.repo_web(repo)}/pull/{comment.issue_number}#issuecomment-{comment.id}",
        "body": comment.body,
        "user": user(urls, comment.user),
        "created_at": iso(comment.created_at),
        "updated_at": iso(comment.updated_at),
        "issue_url": f"{urls.repo(repo)}/issues/{comment.issue_number}",
        "author_association": repo.association(comment.user),
        "performed_via_github_app": integration(urls, repo.state.app) if comment.user == repo.state.app.bot else None,
        "reactions": reaction_rollup(url, comment.reactions),
    }


def reaction(urls: Urls, item: Reaction) -> dict[str, Any]:
    """A reaction object."""
    return {
        "id": item.id,
        "node_id": f"REA_lALO{item.id:010X}",
        "user": user(urls, item.user),
        "content": item.content,
        "created_at": iso(item.created_at),
    }


def reaction_rollup(comment_url: str, reactions: list[Reaction]) -> dict[str, Any]:
    """The per-content counts GitHub embeds in every comment."""
    counts = {content: sum(1 for r in reactions if r.content == content) for content in REACTION_CONTENTS}
    return {"url": f"{comment_url}/reactions", "total_count": len(reactions), **counts}


def _branch(urls: Urls, pull: Pull, ref: str, sha: str) -> dict[str, Any]:
    """The head or base of a pull request."""
    return {
        "label": f"{pull.repo.owner.login}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(urls, pull.repo.owner),
        "repo": repository(urls, pull.repo),
    }


def _pull_links(api: str, web: str, pull: Pull) -> dict[str, Any]:
    """The `_links` of a pull request."""
    n = pull.number
    links = {
        "self": f"{api}/pulls/{n}",
        "html": f"{web}/pull/{n}",
        "issue": f"{api}/issues/{n}",
        "comments": f"{api}/issues/{n}/comments",
        "review_comments": f"{api}/pulls/{n}/comments",
        "review_comment": f"{api}/pulls/comments{{/number}}",
        "commits": f"{api}/pulls/{n}/commits",
        "statuses": f"{api}/statuses/{pull.head_sha}",
    }
    return {name: {"href": href} for name, href in links.items()}
