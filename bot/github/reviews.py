"""One review per head commit, carrying every inline comment (a 422 drops the doubtful ones and retries once); and
reading back what the App itself posted."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from gidgethub import BadRequest

from bot.commenting import CommentTarget
from bot.github.client import GitHubClient
from bot.report.comment import render_comment

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PostedReview:
    """What GitHub accepted: the review's id and the comments it carries (possibly fewer than asked)."""

    review_id: int | None
    posted: list[CommentTarget]
    dropped: list[CommentTarget]


async def post_review(
    gh: GitHubClient, repository: str, number: int, *, commit_id: str, body: str, targets: Sequence[CommentTarget]
) -> PostedReview:
    """Send one COMMENT review. GitHub rejects a whole review (422) when one line is outside the diff, without
    saying which: the retry keeps only comments on added lines, the ones certain to be in the diff."""
    try:
        review_id = await _send(gh, repository, number, commit_id=commit_id, body=body, targets=targets)
        return PostedReview(review_id, list(targets), [])
    except BadRequest as error:
        if error.status_code != 422:
            raise
        log.warning(
            "GitHub refused the review on %s#%s (%s); retrying with added lines only", repository, number, error
        )
    certain = [target for target in targets if target.on_added_line]
    doubtful = [target for target in targets if not target.on_added_line]
    if not doubtful:  # nothing to drop but everything: keep the review's text, drop the comments
        doubtful, certain = list(certain), []
    try:
        review_id = await _send(gh, repository, number, commit_id=commit_id, body=body, targets=certain)
    except BadRequest as error:
        if error.status_code != 422:
            raise
        log.error("GitHub refused the review on %s#%s again (%s); comments stay annotations", repository, number, error)
        return PostedReview(None, [], list(targets))
    return PostedReview(review_id, certain, doubtful)


async def _send(
    gh: GitHubClient, repository: str, number: int, *, commit_id: str, body: str, targets: Sequence[CommentTarget]
) -> int:
    answer = await gh.post(
        f"/repos/{repository}/pulls/{number}/reviews",
        data={
            "commit_id": commit_id,
            "body": body,
            "event": "COMMENT",
            "comments": [
                {"path": t.path, "line": t.line, "side": "RIGHT", "body": render_comment(t.finding, t.exploring)}
                for t in targets
            ],
        },
    )
    return int(answer["id"])


async def comments_by(gh: GitHubClient, repository: str, number: int, login: str) -> AsyncIterator[dict[str, Any]]:
    """A pull request's review comments written by one account (anyone can paste a marker; only its author counts)."""
    async for comment in gh.getiter(f"/repos/{repository}/pulls/{number}/comments?per_page=100"):
        if (comment.get("user") or {}).get("login") == login:
            yield comment
