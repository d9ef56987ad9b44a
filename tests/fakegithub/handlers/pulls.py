"""Pull requests and their changed files."""

from __future__ import annotations

from tests.fakegithub.handlers.context import Reply, RequestContext
from tests.fakegithub.render_pulls import diff_entry, pull_request
from tests.fakegithub.repository import LIST_FILES_CAP


def get_pull(ctx: RequestContext) -> Reply:
    """GET /repos/{owner}/{repo}/pulls/{pull_number}."""
    return Reply(body=pull_request(ctx.urls, ctx.pull()))


def list_pulls(ctx: RequestContext) -> Reply:
    """GET /repos/{owner}/{repo}/pulls with state/head/base filters and sorting."""
    repo = ctx.repo()
    state = ctx.query.get("state", "open")
    found = [p for p in repo.pulls.values() if state == "all" or p.state == state]
    if "base" in ctx.query:
        found = [p for p in found if p.base_ref == ctx.query["base"]]
    if "head" in ctx.query:
        found = [p for p in found if f"{repo.owner.login}:{p.head_ref}" == ctx.query["head"]]
    by_update = ctx.query.get("sort") == "updated"
    descending = ctx.query.get("direction", "desc") == "desc"
    found.sort(key=lambda p: (p.updated_at if by_update else p.created_at, p.number), reverse=descending)
    return ctx.page(found, lambda pull: pull_request(ctx.urls, pull, simple=True))


def list_files(ctx: RequestContext) -> Reply:
    """GET .../pulls/{pull_number}/files: sorted by path, at most the first 3000, paginated."""
    pull = ctx.pull()
    shown = pull.files()[:LIST_FILES_CAP]
    return ctx.page(shown, lambda entry: diff_entry(ctx.urls, pull, entry))


HANDLERS = {
    "pulls/get": get_pull,
    "pulls/list": list_pulls,
    "pulls/list-files": list_files,
}
