"""The App's review: one per head commit through its gidgethub client (the policy is bot.reviewing's); and reading
back what the App itself posted."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from gidgethub import BadRequest

from bot.commenting import CommentTarget
from bot.github.client import GitHubClient
from bot.report.ownership import toasty_marker, written_by
from bot.reviewing import PostedReview, ReviewRejected
from bot.reviewing import post_review as post_with_retry


async def post_review(
    gh: GitHubClient,
    repository: str,
    number: int,
    *,
    commit_id: str,
    body_for: Callable[[int], str],
    targets: Sequence[CommentTarget],
) -> PostedReview:
    """Send one COMMENT review, retried once without the doubtful lines when GitHub refuses it (422)."""

    async def send(request: dict[str, Any]) -> int:
        try:
            answer = await gh.post(f"/repos/{repository}/pulls/{number}/reviews", data=request)
        except BadRequest as error:
            if error.status_code == 422:
                raise ReviewRejected(f"{repository}#{number}: {error}") from error
            raise
        return int(answer["id"])

    return await post_with_retry(send, commit_id=commit_id, body_for=body_for, targets=targets)


async def comments_by(gh: GitHubClient, repository: str, number: int, login: str) -> AsyncIterator[dict[str, Any]]:
    """A pull request's review comments written by one account (anyone can paste a marker; only its author counts)."""
    async for comment in gh.getiter(f"/repos/{repository}/pulls/{number}/comments?per_page=100"):
        if written_by(comment, {login}):
            yield comment


async def toasty_fingerprints(gh: GitHubClient, repository: str, number: int, login: str) -> set[str]:
    """The findings the App already commented on in a pull request (its own comments' markers, nobody else's)."""
    found = set()
    async for comment in gh.getiter(f"/repos/{repository}/pulls/{number}/comments?per_page=100"):
        marker = toasty_marker(comment, {login})
        if marker is not None:
            found.add(marker[0])
    return found
