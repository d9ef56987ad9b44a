"""The grading's review: the comments worth posting, chosen once and kept with the grading, written down before they
are sent, settled after a crash, and posted by a retry from what was kept (never grading again)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from pydantic import TypeAdapter

from bot.commenting import Commentable, CommentTarget, choose_comments
from bot.context import DeliveryContext, Services
from bot.engine import PullRequestGrade, Strategy
from bot.feedback import count_feedback
from bot.github.reviews import post_review, toasty_fingerprints
from bot.grading.ref import PullRequestRef
from bot.learning.ledger import POSTED
from bot.report.comment import CHECK_RUN_REST, render_review_body
from bot.store import gradings
from bot.store.feedback import NewSignal
from bot.store.models import Grading, utcnow

GITHUB_PROCESSING_LIMIT = timedelta(seconds=10)
"""GitHub ends a request it has worked on for 10 seconds: a review sent longer ago than that is on GitHub, or will
never be (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#timeouts)."""


@dataclass(frozen=True, slots=True)
class PlannedReview:
    """The review a grading chose: its grade, how many findings the check run shows, and its comments. A retry
    after the review failed posts from it, never grading again; it holds findings and lines, never source code."""

    grade: str
    score: float
    findings: int
    comments: tuple[CommentTarget, ...]

    def to_json(self) -> str:
        """What `gradings.review` keeps (the grade and score have columns of their own)."""
        return json.dumps({"findings": self.findings, "comments": _COMMENTS.dump_python(self.comments, mode="json")})


_COMMENTS = TypeAdapter(tuple[CommentTarget, ...])


def kept_review(grading: Grading) -> PlannedReview | None:
    """The review a completed grading chose (None when it chose none: it failed, or was completed before Toasty kept
    reviews with gradings)."""
    if grading.review is None or grading.grade is None or grading.score is None:
        return None
    kept = json.loads(grading.review)
    return PlannedReview(
        grading.grade, grading.score, int(kept["findings"]), _COMMENTS.validate_python(kept["comments"])
    )


def plan_review(
    grade: PullRequestGrade,
    commentable: Mapping[str, Commentable],
    already: Collection[str],
    strategy: Strategy,
    *,
    seed: str,
) -> PlannedReview:
    """The new comments worth posting (none on a finding already commented on), and what the review's text says."""
    comments = tuple(choose_comments(grade, commentable, already, strategy, seed=seed))
    return PlannedReview(grade.grade, grade.score, len(grade.visible_findings), comments)


async def post_planned(
    services: Services,
    context: DeliveryContext,
    pull: PullRequestRef,
    review: PlannedReview,
    comments: Sequence[CommentTarget],
) -> int:
    """Post one review with these of its comments, written down first; returns how many GitHub took."""
    if not comments:
        return 0
    await gradings.add_pending(services.database, pull.key, pull.head_sha, comments)
    result = await post_review(
        context.gh,
        pull.repository,
        pull.number,
        commit_id=pull.head_sha,
        body_for=lambda count: render_review_body(
            review.grade, review.score, count, review.findings, elsewhere=CHECK_RUN_REST
        ),
        targets=list(comments),
    )
    posted, dropped = ({t.finding.fingerprint for t in targets} for targets in (result.posted, result.dropped))
    await _settle(services, context, pull, posted, dropped, review_id=result.review_id)
    return len(result.posted)


async def review_again(services: Services, context: DeliveryContext, pull: PullRequestRef, grading: Grading) -> int:
    """A retry after the review failed: GitHub is asked what it has of the comments written down, and the rest of
    the review the grading kept is posted; returns how many comments that makes."""
    settled = await settle_pending(services, context, pull)
    review = kept_review(grading)
    if review is None:
        return settled
    already = await gradings.commented_fingerprints(services.database, pull.key)
    unsent = [c for c in review.comments if c.finding.fingerprint not in already]
    return settled + await post_planned(services, context, pull, review, unsent)


async def settle_pending(services: Services, context: DeliveryContext, pull: PullRequestRef) -> int:
    """After a crash between writing comments down and hearing GitHub's answer, ask GitHub what the App posted (the
    rest is dropped, for a review to post again); returns how many of the comments it has."""
    pending = await gradings.pending_comments(services.database, pull.key, pull.head_sha)
    if not pending:
        return 0
    waiting = {row.fingerprint for row in pending}
    posted = waiting & await _on_github(context, pull)
    settled_at = max(row.pending_since or row.created_at for row in pending) + GITHUB_PROCESSING_LIMIT
    if posted != waiting and utcnow() < settled_at:  # the review of a process that just died may still be coming
        await asyncio.sleep((settled_at - utcnow()).total_seconds())
        posted = waiting & await _on_github(context, pull)
    await _settle(services, context, pull, posted, waiting - posted)
    return len(posted)


async def _on_github(context: DeliveryContext, pull: PullRequestRef) -> set[str]:
    return await toasty_fingerprints(context.gh, pull.repository, pull.number, context.bot_login)


async def _settle(
    services: Services,
    context: DeliveryContext,
    pull: PullRequestRef,
    posted: Collection[str],
    dropped: Collection[str],
    *,
    review_id: int | None = None,
) -> None:
    """Confirm what GitHub took and refused, and log each comment it took in the same transaction: learning reads
    from these how many of Toasty's comments the team answers, and asks less where few are."""
    signals = await gradings.settle_comments(
        services.database,
        pull.key,
        posted,
        dropped,
        review_id=review_id,
        logged_as=lambda row: NewSignal.on_finding(
            row, actor=context.bot_login, association="BOT", signal=POSTED, source="review"
        ),
    )
    count_feedback(services.metrics, signals)
