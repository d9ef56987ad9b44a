"""What happens on pull requests: reviews, review and issue comments, reactions, check runs, webhook deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tests.fakegithub.accounts import User
from tests.fakegithub.timestamps import utc_now

if TYPE_CHECKING:
    from tests.fakegithub.repository import Pull, Repo

REACTION_CONTENTS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


@dataclass
class Reaction:
    """An emoji reaction left by a user (or bot) on a comment."""

    id: int
    user: User
    content: str
    created_at: datetime


@dataclass
class ReviewComment:
    """An inline comment on a pull request's diff."""

    id: int
    pull: Pull
    review_id: int
    user: User
    body: str
    path: str
    line: int | None
    side: str | None
    start_line: int | None
    start_side: str | None
    position: int | None
    commit_id: str
    diff_hunk: str
    subject_type: str = "line"
    in_reply_to_id: int | None = None
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class Review:
    """A pull request review; its inline comments are ReviewComments pointing back at it."""

    id: int
    pull: Pull
    user: User
    body: str
    state: str
    commit_id: str
    submitted_at: datetime | None


@dataclass
class IssueComment:
    """A conversation comment on an issue or pull request."""

    id: int
    repo: Repo
    issue_number: int
    user: User
    body: str
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class Annotation:
    """A check-run annotation, stored as given (GitHub appends them across updates)."""

    path: str
    start_line: int
    end_line: int
    annotation_level: str
    message: str
    title: str | None = None
    raw_details: str | None = None
    start_column: int | None = None
    end_column: int | None = None


@dataclass
class CheckSuite:
    """The suite GitHub groups an App's check runs in, one per head commit."""

    id: int
    repo: Repo
    head_sha: str
    head_branch: str | None
    created_at: datetime = field(default_factory=utc_now)


@dataclass
class CheckRun:
    """A check run and its output; annotations accumulate over updates."""

    id: int
    repo: Repo
    suite: CheckSuite
    name: str
    head_sha: str
    status: str = "queued"
    conclusion: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    details_url: str | None = None
    external_id: str | None = None
    output: dict[str, str | None] = field(default_factory=lambda: {"title": None, "summary": None, "text": None})
    annotations: list[Annotation] = field(default_factory=list)
    actions: list[dict[str, str]] = field(default_factory=list)
    updates: int = 0


@dataclass
class HookDelivery:
    """A webhook delivery the fake made to the App, as the App's delivery log (GET /app/hook/deliveries) shows it."""

    id: int
    guid: str
    event: str
    action: str | None
    installation_id: int | None
    repository_id: int | None
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    delivered_at: datetime = field(default_factory=utc_now)
    redelivery: bool = False
    duration: float = 0.0
    status_code: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""

    @property
    def status(self) -> str:
        """GitHub's one-word verdict on the delivery."""
        return "OK" if 200 <= self.status_code < 300 else f"Invalid HTTP Response: {self.status_code}"
