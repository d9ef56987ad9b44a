"""REST handlers by operation id; operations in the OpenAPI cut without a handler answer 501 and fail the test."""

from __future__ import annotations

from tests.fakegithub.handlers import apps, checks, comments, meta, pulls, repos, reviews
from tests.fakegithub.handlers.context import Handler, HandlerTable, Reply, RequestContext

HANDLERS: HandlerTable = {
    **apps.HANDLERS,
    **checks.HANDLERS,
    **comments.HANDLERS,
    **meta.HANDLERS,
    **pulls.HANDLERS,
    **repos.HANDLERS,
    **reviews.HANDLERS,
}

__all__ = ["HANDLERS", "Handler", "Reply", "RequestContext"]
