"""GitHub's JSON for accounts, repositories, Apps, installations, contents and git objects, as REST shows them."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tests.fakegithub.accounts import AccessToken, App, Installation, User
from tests.fakegithub.gitobjects import TreeEntry
from tests.fakegithub.repository import Repo
from tests.fakegithub.timestamps import iso

_REPO_URL_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}
# GitHub wraps base64 file content at 60 characters per line.
_BASE64_LINE = 60


@dataclass(frozen=True)
class Urls:
    """Where the fake lives: API URLs in payloads point back at it so clients can follow them."""

    api: str
    web: str

    def repo(self, repo: Repo) -> str:
        """The API URL of a repository."""
        return f"{self.api}/repos/{repo.full_name}"

    def repo_web(self, repo: Repo) -> str:
        """The web URL of a repository."""
        return f"{self.web}/{repo.full_name}"


def user(urls: Urls, account: User) -> dict[str, Any]:
    """A simple-user object."""
    base = f"{urls.api}/users/{quote(account.login)}"
    return {
        "login": account.login,
        "id": account.id,
        "node_id": account.node_id,
        "avatar_url": f"https://avatars.githubusercontent.com/u/{account.id}?v=4",
        "gravatar_id": "",
        "url": base,
        "html_url": f"{urls.web}/{account.login.removesuffix('[bot]')}"
        if account.type != "Bot"
        else f"{urls.web}/apps/{account.login.removesuffix('[bot]')}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": account.type,
        "user_view_type": "public",
        "site_admin": False,
    }


def repository(urls: Urls, repo: Repo, *, full: bool = False) -> dict[str, Any]:
    """A repository object; `full` adds the fields of GET /repos/{owner}/{repo}."""
    api = urls.repo(repo)
    web = urls.repo_web(repo)
    host = urls.web.split("://", 1)[-1]
    body: dict[str, Any] = {
        "id": repo.id,
        "node_id": repo.node_id,
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": user(urls, repo.owner),
        "html_url": web,
        "description": None,
        "fork": False,
        "url": api,
        **{key: api + template for key, template in _REPO_URL_TEMPLATES.items()},
        "git_url": f"git://{host}/{repo.full_name}.git",
        "ssh_url": f"git@{host}:{repo.full_name}.git",
        "clone_url": f"{web}.git",
        "svn_url": web,
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "forks_count": 0,
        "forks": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 0,
        "default_branch": repo.default_branch,
        "open_issues_count": sum(1 for p in repo.pulls.values() if p.state == "open"),
        "open_issues": sum(1 for p in repo.pulls.values() if p.state == "open"),
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": True,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private" if repo.private else "public",
        "pushed_at": iso(repo.created_at),
        "created_at": iso(repo.created_at),
        "updated_at": iso(repo.created_at),
        "license": None,
        "allow_forking": True,
        "web_commit_signoff_required": False,
    }
    if full:
        body |= {"network_count": 0, "subscribers_count": 0, "temp_clone_token": None}
    return body


def integration(urls: Urls, app: App) -> dict[str, Any]:
    """The App as GET /app and check runs' `app` show it."""
    return {
        "id": app.id,
        "slug": app.slug,
        "node_id": f"A_kwHO{app.id:08X}",
        "client_id": app.client_id,
        "owner": user(urls, app.owner),
        "name": app.name,
        "description": "Grades pull requests",
        "external_url": "https://toasty.example",
        "html_url": f"{urls.web}/apps/{app.slug}",
        "created_at": iso(app.created_at),
        "updated_at": iso(app.created_at),
        "permissions": dict(app.permissions),
        "events": list(app.events),
    }


def installation(urls: Urls, inst: Installation) -> dict[str, Any]:
    """An installation object."""
    return {
        "id": inst.id,
        "client_id": inst.app.client_id,
        "account": user(urls, inst.account),
        "repository_selection": inst.repository_selection,
        "access_tokens_url": f"{urls.api}/app/installations/{inst.id}/access_tokens",
        "repositories_url": f"{urls.api}/installation/repositories",
        "html_url": f"{urls.web}/organizations/{inst.account.login}/settings/installations/{inst.id}",
        "app_id": inst.app.id,
        "app_slug": inst.app.slug,
        "target_id": inst.account.id,
        "target_type": inst.account.type,
        "permissions": dict(inst.permissions),
        "events": list(inst.app.events),
        "created_at": iso(inst.created_at),
        "updated_at": iso(inst.created_at),
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": None,
        "suspended_at": iso(inst.suspended_at) if inst.suspended_at else None,
    }


def installation_token(urls: Urls, token: AccessToken, repos: list[Repo] | None) -> dict[str, Any]:
    """The body of POST /app/installations/{id}/access_tokens."""
    body: dict[str, Any] = {
        "token": token.token,
        "expires_at": iso(token.expires_at),
        "permissions": dict(token.permissions),
        "repository_selection": token.installation.repository_selection,
    }
    if repos is not None:
        body["repositories"] = [repository(urls, repo) for repo in repos]
    return body


def collaborator_permission(urls: Urls, account: User, permission: str) -> dict[str, Any]:
    """GET /repos/{owner}/{repo}/collaborators/{username}/permission."""
    role = {"admin": "admin", "maintain": "maintain", "write": "write", "triage": "triage", "read": "read"}
    return {
        "permission": {"maintain": "write", "triage": "read"}.get(permission, permission),
        "role_name": role.get(permission, "none"),
        "user": {**user(urls, account), "role_name": role.get(permission, "none")},
    }


def content_file(urls: Urls, repo: Repo, path: str, content: bytes, ref: str, sha: str) -> dict[str, Any]:
    """A file from the contents API; files over 1 MB come without content, as on GitHub."""
    too_big = len(content) > 1024 * 1024
    self_url = f"{urls.repo(repo)}/contents/{path}?ref={ref}"
    return {
        "type": "file",
        "encoding": "none" if too_big else "base64",
        "size": len(content),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": "" if too_big else wrapped_base64(content),
        "sha": sha,
        "url": self_url,
        "git_url": f"{urls.repo(repo)}/git/blobs/{sha}",
        "html_url": f"{urls.repo_web(repo)}/blob/{ref}/{path}",
        "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}",
        "_links": {
            "self": self_url,
            "git": f"{urls.repo(repo)}/git/blobs/{sha}",
            "html": f"{urls.repo_web(repo)}/blob/{ref}/{path}",
        },
    }


def content_directory_entry(urls: Urls, repo: Repo, path: str, entry: TreeEntry, ref: str) -> dict[str, Any]:
    """One item of a directory listing from the contents API."""
    kind = "dir" if entry.kind == "tree" else "file"
    self_url = f"{urls.repo(repo)}/contents/{path}?ref={ref}"
    git_url = f"{urls.repo(repo)}/git/{'trees' if kind == 'dir' else 'blobs'}/{entry.sha}"
    html_url = f"{urls.repo_web(repo)}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{path}"
    return {
        "type": kind,
        "size": entry.size or 0,
        "name": entry.name,
        "path": path,
        "sha": entry.sha,
        "url": self_url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": None if kind == "dir" else f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}",
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    }


def blob(urls: Urls, repo: Repo, sha: str, content: bytes) -> dict[str, Any]:
    """GET /repos/{owner}/{repo}/git/blobs/{sha}."""
    return {
        "sha": sha,
        "node_id": f"B_kwDO{sha[:12]}",
        "size": len(content),
        "url": f"{urls.repo(repo)}/git/blobs/{sha}",
        "content": wrapped_base64(content),
        "encoding": "base64",
    }


def tree(urls: Urls, repo: Repo, sha: str, entries: list[tuple[str, TreeEntry]]) -> dict[str, Any]:
    """GET /repos/{owner}/{repo}/git/trees/{sha}, entries already flattened when recursive."""
    items = []
    for path, entry in entries:
        item: dict[str, Any] = {"path": path, "mode": entry.mode, "type": entry.kind, "sha": entry.sha}
        if entry.kind == "blob":
            item["size"] = entry.size
        item["url"] = f"{urls.repo(repo)}/git/{entry.kind}s/{entry.sha}"
        items.append(item)
    return {"sha": sha, "url": f"{urls.repo(repo)}/git/trees/{sha}", "tree": items, "truncated": False}


def wrapped_base64(content: bytes) -> str:
    """Base64 in 60-character lines, each ending in a newline, as GitHub returns file content."""
    encoded = base64.b64encode(content).decode()
    return "".join(encoded[i : i + _BASE64_LINE] + "\n" for i in range(0, len(encoded), _BASE64_LINE))
