"""What a REST handler gets (the parsed, validated request) and gives back (a reply)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.fakegithub.access import Credential
from tests.fakegithub.activity import HookDelivery
from tests.fakegithub.errors import not_found
from tests.fakegithub.openapi import Operation
from tests.fakegithub.pagination import paginate
from tests.fakegithub.ratelimit import RateLimits
from tests.fakegithub.render_core import Urls
from tests.fakegithub.repository import Pull, Repo
from tests.fakegithub.state import GitHubState


@dataclass
class Reply:
    """A successful answer: JSON (or raw bytes for raw media types) plus headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    background: Callable[[], Awaitable[object]] | None = None


@dataclass
class RequestContext:
    """A request that passed routing, authentication and validation."""

    state: GitHubState
    urls: Urls
    operation: Operation
    api_path: str
    params: dict[str, Any]
    query: dict[str, Any]
    raw_query: dict[str, str]
    body: Any
    headers: Mapping[str, str]
    credential: Credential
    rate_limits: RateLimits
    redeliver: Callable[[HookDelivery], Awaitable[object]]

    @property
    def docs(self) -> str:
        """The operation's documentation URL, for error bodies."""
        return self.operation.documentation_url

    def repo(self) -> Repo:
        """The repository in the path, or 404 when it does not exist or the token cannot reach it."""
        repo = self.state.repo(self.params["owner"], self.params["repo"])
        token = self.credential.token
        if repo is None or (token is not None and not token.can_see(repo)):
            raise not_found(self.docs)
        return repo

    def pull(self) -> Pull:
        """The pull request in the path, or 404."""
        pull = self.repo().pulls.get(self.params["pull_number"])
        if pull is None:
            raise not_found(self.docs)
        return pull

    def page(self, items: Sequence[Any], render: Callable[[Any], Any]) -> Reply:
        """One page of a list with GitHub's Link header."""
        found = paginate(items, self.raw_query, self.link_base())
        headers = {"link": found.link} if found.link else {}
        return Reply(body=[render(item) for item in found.items], headers=headers)

    def link_base(self) -> str:
        """The URL GitHub puts in Link headers: repository lists are addressed as /repositories/{id}/..."""
        path = self.api_path
        if "owner" in self.params and "repo" in self.params:
            repo = self.repo()
            path = re.sub(r"^/repos/[^/]+/[^/]+", f"/repositories/{repo.id}", path)
        return self.urls.api + path


Handler = Callable[[RequestContext], Reply]
HandlerTable = Mapping[str, Handler]
