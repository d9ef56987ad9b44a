"""The App endpoints: who the App is, its installations, installation tokens, webhook deliveries."""

from __future__ import annotations

from tests.fakegithub.accounts import Installation
from tests.fakegithub.errors import ApiError, error_body, forbidden, not_found, validation_failed
from tests.fakegithub.handlers.context import Reply, RequestContext
from tests.fakegithub.render_core import installation, installation_token, integration, repository
from tests.fakegithub.repository import Repo

_LEVELS = {"read": 1, "write": 2, "admin": 3}


def get_authenticated(ctx: RequestContext) -> Reply:
    """GET /app."""
    body = integration(ctx.urls, ctx.state.app) | {"installations_count": len(ctx.state.installations)}
    return Reply(body=body)


def list_installations(ctx: RequestContext) -> Reply:
    """GET /app/installations."""
    found = sorted(ctx.state.installations.values(), key=lambda i: i.id)
    return ctx.page(found, lambda inst: installation(ctx.urls, inst))


def get_installation(ctx: RequestContext) -> Reply:
    """GET /app/installations/{installation_id}."""
    return Reply(body=installation(ctx.urls, _installation(ctx)))


def get_repo_installation(ctx: RequestContext) -> Reply:
    """GET /repos/{owner}/{repo}/installation (called with the App's JWT)."""
    repo = ctx.repo()
    found = ctx.state.installation_for(repo)
    if found is None:
        raise not_found(ctx.docs)
    return Reply(body=installation(ctx.urls, found))


def create_access_token(ctx: RequestContext) -> Reply:
    """POST /app/installations/{installation_id}/access_tokens, optionally down-scoped."""
    inst = _installation(ctx)
    if inst.suspended_at is not None:
        raise forbidden("This installation has been suspended", ctx.docs)
    body = ctx.body or {}
    repos = _requested_repos(ctx, inst, body.get("repositories"), body.get("repository_ids"))
    permissions = body.get("permissions")
    if permissions and not _within(permissions, inst.permissions):
        raise validation_failed("The permissions requested are not granted to this installation.", ctx.docs)
    token = ctx.state.issue_token(
        inst, repository_ids=[r.id for r in repos] if repos is not None else None, permissions=permissions
    )
    return Reply(status=201, body=installation_token(ctx.urls, token, repos))


def list_installation_repos(ctx: RequestContext) -> Reply:
    """GET /installation/repositories: what the token's installation reaches."""
    token = ctx.credential.token
    assert token is not None  # the router only lets installation tokens in here
    visible = sorted((r for r in ctx.state.repos.values() if token.can_see(r)), key=lambda r: r.id)
    page = ctx.page(visible, lambda repo: repository(ctx.urls, repo))
    page.body = {
        "total_count": len(visible),
        "repository_selection": token.installation.repository_selection,
        "repositories": page.body,
    }
    return page


def _installation(ctx: RequestContext) -> Installation:
    """The installation in the path, or 404."""
    found = ctx.state.installations.get(ctx.params["installation_id"])
    if found is None:
        raise not_found(ctx.docs)
    return found


def _requested_repos(
    ctx: RequestContext, inst: Installation, names: list[str] | None, ids: list[int] | None
) -> list[Repo] | None:
    """Repositories a token is down-scoped to; any outside the installation is a 422."""
    if names is None and ids is None:
        return None
    reachable = {r.id: r for r in ctx.state.repos.values() if r.id in inst.repository_ids}
    by_name = {r.name.lower(): r for r in reachable.values()}
    wanted_names = [name.lower() for name in names or []]
    missing = [n for n in wanted_names if n not in by_name] + [i for i in ids or [] if i not in reachable]
    if missing:
        message = (
            "There is at least one repository that does not exist or is not accessible to the parent installation."
        )
        raise ApiError(422, error_body(message, ctx.docs, 422))
    chosen = {by_name[n].id: by_name[n] for n in wanted_names} | {i: reachable[i] for i in ids or []}
    return sorted(chosen.values(), key=lambda r: r.id)


def _within(requested: dict[str, str], granted: dict[str, str]) -> bool:
    """Whether requested permissions are no more than the installation was granted."""
    return all(_LEVELS.get(level, 9) <= _LEVELS.get(granted.get(name, ""), 0) for name, level in requested.items())


HANDLERS = {
    "apps/get-authenticated": get_authenticated,
    "apps/list-installations": list_installations,
    "apps/get-installation": get_installation,
    "apps/get-repo-installation": get_repo_installation,
    "apps/create-installation-access-token": create_access_token,
    "apps/list-repos-accessible-to-installation": list_installation_repos,
}
