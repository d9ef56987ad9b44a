"""Posting one review with every inline comment, for any HTTP client (the App's gidgethub one, the Action's urllib
one): the request body, and the retry after GitHub's 422, which rejects a whole review without saying which line."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.commenting import CommentTarget
from bot.report.comment import render_comment

log = logging.getLogger(__name__)


class ReviewRejected(Exception):
    """GitHub refused the review as a whole (422 Unprocessable Entity)."""


SendReview = Callable[[dict[str, Any]], Awaitable[int]]
"""Sends a review request body (POST …/pulls/N/reviews); returns the review's id or raises ReviewRejected."""


@dataclass(frozen=True, slots=True)
class PostedReview:
    """What GitHub accepted: the review's id and the comments it carries (possibly fewer than asked)."""

    review_id: int | None
    posted: list[CommentTarget]
    dropped: list[CommentTarget]


async def post_review(
    send: SendReview, *, commit_id: str, body_for: Callable[[int], str], targets: Sequence[CommentTarget]
) -> PostedReview:
    """Send one COMMENT review; on a 422 the retry keeps only comments on added lines, the ones certain to be in
    the diff. The body is written for the comments each attempt carries, so its counts are true."""
    try:
        return PostedReview(await send(review_request(commit_id, body_for(len(targets)), targets)), list(targets), [])
    except ReviewRejected as error:
        log.warning("GitHub refused the review (%s); retrying with comments on added lines only", error)
    certain = [target for target in targets if target.on_added_line]
    doubtful = [target for target in targets if not target.on_added_line]
    if not doubtful:  # nothing to drop but everything: keep the review's text, drop the comments
        doubtful, certain = list(certain), []
    try:
        review_id = await send(review_request(commit_id, body_for(len(certain)), certain))
    except ReviewRejected as error:
        log.error("GitHub refused the review again (%s); the comments stay annotations", error)
        return PostedReview(None, [], list(targets))
    return PostedReview(review_id, certain, doubtful)


def review_request(commit_id: str, body: str, targets: Sequence[CommentTarget]) -> dict[str, Any]:
    """The body of POST /repos/{owner}/{repo}/pulls/{number}/reviews."""
    return {
        "commit_id": commit_id,
        "body": body,
        "event": "COMMENT",
        "comments": [
            {"path": t.path, "line": t.line, "side": "RIGHT", "body": render_comment(t.finding, t.exploring)}
            for t in targets
        ],
    }
