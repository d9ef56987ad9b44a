"""The pull request a grading is about, as a webhook gives it, and the news that its head moved on."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.gradings import NewGrading, PullKey


class Superseded(Exception):
    """The pull request's head moved on: its files and patches are no longer those of the commit being graded."""

    def __init__(self, newer_sha: str) -> None:
        super().__init__(f"superseded by {newer_sha}")
        self.newer_sha = newer_sha


@dataclass(frozen=True, slots=True)
class PullRequestRef:
    """The pull request and commits a grading is about, as a webhook payload gives them."""

    repository: str
    number: int
    head_sha: str
    base_sha: str
    default_branch: str
    installation_id: int
    draft: bool = False
    author: str | None = None
    author_association: str | None = None

    @property
    def key(self) -> PullKey:
        return PullKey(self.repository, self.number)

    def new_grading(self) -> NewGrading:
        """What the grading's record keeps about this pull request."""
        return NewGrading(
            self.repository,
            self.number,
            self.head_sha,
            self.base_sha,
            self.installation_id,
            self.author,
            self.author_association,
        )
