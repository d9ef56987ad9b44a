"""Accounts and credentials: users, the App under test, its installations and their access tokens."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakegithub.auth import make_jwt, private_key_pem
from tests.fakegithub.timestamps import utc_now

if TYPE_CHECKING:
    from tests.fakegithub.repository import Repo

TOKEN_LIFETIME = timedelta(hours=1)
DEFAULT_PERMISSIONS = {
    "checks": "write",
    "contents": "read",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
}
DEFAULT_EVENTS = ["check_run", "check_suite", "issue_comment", "pull_request", "pull_request_review_comment"]


class IdSequence:
    """Distinct, increasing ids per kind of object, in ranges that look like GitHub's."""

    _BASES: Mapping[str, int] = {
        "user": 5_000_000,
        "repo": 700_000_000,
        "installation": 40_000_000,
        "pull": 1_800_000_000,
        "review": 2_100_000_000,
        "review_comment": 1_600_000_000,
        "issue_comment": 2_400_000_000,
        "reaction": 260_000_000,
        "check_run": 30_000_000_000,
        "check_suite": 28_000_000_000,
        "delivery": 90_000_000_000,
    }

    def __init__(self) -> None:
        self._counters = {kind: itertools.count(base + 1) for kind, base in self._BASES.items()}

    def next(self, kind: str) -> int:
        """The next id for `kind`."""
        return next(self._counters[kind])


@dataclass(frozen=True)
class User:
    """A GitHub account: a person, an organisation or an App's bot user."""

    login: str
    id: int
    type: str = "User"

    @property
    def node_id(self) -> str:
        """A global node id in GitHub's current format."""
        prefix = {"Bot": "BOT", "Organization": "O"}.get(self.type, "U")
        return f"{prefix}_kgDO{self.id:08X}"


@dataclass
class App:
    """The GitHub App under test: its id, key, webhook secret and bot user."""

    id: int
    slug: str
    name: str
    client_id: str
    owner: User
    bot: User
    webhook_secret: str
    key: rsa.RSAPrivateKey = field(repr=False)
    permissions: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    events: list[str] = field(default_factory=lambda: list(DEFAULT_EVENTS))
    created_at: datetime = field(default_factory=utc_now)

    @property
    def private_key_pem(self) -> bytes:
        """The PEM the App under test should be configured with."""
        return private_key_pem(self.key)

    def jwt(self, **claims: Any) -> str:
        """A valid App JWT (claims may be overridden to test the fake's refusals)."""
        return make_jwt(self.key, self.id, **claims)


@dataclass
class Installation:
    """The App installed on an account, with access to some of its repositories."""

    id: int
    app: App
    account: User
    permissions: dict[str, str]
    repository_selection: str = "selected"
    repository_ids: set[int] = field(default_factory=set)
    created_at: datetime = field(default_factory=utc_now)
    suspended_at: datetime | None = None


@dataclass
class AccessToken:
    """An installation access token, possibly down-scoped to some repositories and permissions."""

    token: str
    installation: Installation
    expires_at: datetime
    repository_ids: frozenset[int] | None
    permissions: dict[str, str]

    def can_see(self, repo: Repo) -> bool:
        """Whether this token reaches `repo` (GitHub answers 404 for repositories it does not)."""
        in_installation = repo.id in self.installation.repository_ids
        return in_installation and (self.repository_ids is None or repo.id in self.repository_ids)
