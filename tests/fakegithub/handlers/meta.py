"""The API root, the rate-limit endpoint and the App's webhook delivery log."""

from __future__ import annotations

import json
from typing import Any

from tests.fakegithub.activity import HookDelivery
from tests.fakegithub.errors import ApiError, error_body, not_found
from tests.fakegithub.handlers.context import Reply, RequestContext
from tests.fakegithub.timestamps import iso

_ROOT_PATHS = {
    "current_user_url": "/user",
    "authorizations_url": "/authorizations",
    "code_search_url": "/search/code?q={query}{&page,per_page,sort,order}",
    "commit_search_url": "/search/commits?q={query}{&page,per_page,sort,order}",
    "emails_url": "/user/emails",
    "emojis_url": "/emojis",
    "events_url": "/events",
    "feeds_url": "/feeds",
    "followers_url": "/user/followers",
    "following_url": "/user/following{/target}",
    "gists_url": "/gists{/gist_id}",
    "issue_search_url": "/search/issues?q={query}{&page,per_page,sort,order}",
    "issues_url": "/issues",
    "keys_url": "/user/keys",
    "label_search_url": "/search/labels?q={query}&repository_id={repository_id}{&page,per_page}",
    "notifications_url": "/notifications",
    "organization_url": "/orgs/{org}",
    "organization_repositories_url": "/orgs/{org}/repos{?type,page,per_page,sort}",
    "organization_teams_url": "/orgs/{org}/teams",
    "public_gists_url": "/gists/public",
    "rate_limit_url": "/rate_limit",
    "repository_url": "/repos/{owner}/{repo}",
    "repository_search_url": "/search/repositories?q={query}{&page,per_page,sort,order}",
    "current_user_repositories_url": "/user/repos{?type,page,per_page,sort}",
    "starred_url": "/user/starred{/owner}{/repo}",
    "starred_gists_url": "/gists/starred",
    "topic_search_url": "/search/topics?q={query}{&page,per_page}",
    "user_url": "/users/{user}",
    "user_organizations_url": "/user/orgs",
    "user_repositories_url": "/users/{user}/repos{?type,page,per_page,sort}",
    "user_search_url": "/search/users?q={query}{&page,per_page,sort,order}",
}
_RATE_RESOURCES = ("core", "graphql", "search", "code_search", "integration_manifest", "code_scanning_upload")


def root(ctx: RequestContext) -> Reply:
    """GET /: the hypermedia index."""
    body = {key: ctx.urls.api + path for key, path in _ROOT_PATHS.items()}
    body["current_user_authorizations_html_url"] = f"{ctx.urls.web}/settings/connections/applications{{/client_id}}"
    return Reply(body=body)


def rate_limit(ctx: RequestContext) -> Reply:
    """GET /rate_limit (Enterprise Server answers 404 when rate limiting is off, its default)."""
    if not ctx.rate_limits.enabled:
        raise ApiError(404, error_body("Rate limiting is not enabled.", ctx.docs, 404))
    who = ctx.credential.rate_key
    resources = {name: _budget(ctx, who, name) for name in _RATE_RESOURCES}
    return Reply(body={"resources": resources, "rate": resources["core"]})


def list_deliveries(ctx: RequestContext) -> Reply:
    """GET /app/hook/deliveries: newest first, optionally only failures or successes."""
    found = sorted(ctx.state.deliveries, key=lambda d: d.id, reverse=True)
    wanted = ctx.query.get("status")
    if wanted is not None:
        found = [d for d in found if (d.status == "OK") == (wanted == "success")]
    per_page = ctx.query.get("per_page", 30)
    return Reply(body=[_delivery_item(d) for d in found[:per_page]])


def get_delivery(ctx: RequestContext) -> Reply:
    """GET /app/hook/deliveries/{delivery_id}, with the request and response as recorded."""
    delivery = _delivery(ctx)
    body = _delivery_item(delivery) | {
        "url": delivery.url,
        "request": {"headers": delivery.request_headers, "payload": json.loads(delivery.request_body)},
        "response": {"headers": delivery.response_headers, "payload": delivery.response_body},
    }
    return Reply(body=body)


def redeliver(ctx: RequestContext) -> Reply:
    """POST /app/hook/deliveries/{delivery_id}/attempts: sends the same delivery (same GUID) again."""
    delivery = _delivery(ctx)
    return Reply(status=202, body={}, background=lambda: ctx.redeliver(delivery))


def _budget(ctx: RequestContext, who: str, resource: str) -> dict[str, int]:
    """One resource's budget in /rate_limit form."""
    budget = ctx.rate_limits.budget(who, resource)
    return {"limit": budget.limit, "remaining": budget.remaining, "reset": budget.reset, "used": budget.used}


def _delivery(ctx: RequestContext) -> HookDelivery:
    """The logged delivery in the path, or 404."""
    found = next((d for d in ctx.state.deliveries if d.id == ctx.params["delivery_id"]), None)
    if found is None:
        raise not_found(ctx.docs)
    return found


def _delivery_item(delivery: HookDelivery) -> dict[str, Any]:
    """A hook-delivery-item object."""
    return {
        "id": delivery.id,
        "guid": delivery.guid,
        "delivered_at": iso(delivery.delivered_at),
        "redelivery": delivery.redelivery,
        "duration": round(delivery.duration, 3),
        "status": delivery.status,
        "status_code": delivery.status_code,
        "event": delivery.event,
        "action": delivery.action,
        "installation_id": delivery.installation_id,
        "repository_id": delivery.repository_id,
        "throttled_at": None,
    }


HANDLERS = {
    "meta/root": root,
    "rate-limit/get": rate_limit,
    "apps/list-webhook-deliveries": list_deliveries,
    "apps/get-webhook-delivery": get_delivery,
    "apps/redeliver-webhook-delivery": redeliver,
}
