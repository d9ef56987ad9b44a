"""The grading's review: the comments worth posting, written down before they are sent, settled after a crash."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.commenting import Commentable, CommentTarget, choose_comments
from bot.context import DeliveryContext, Services
from bot.engine import PullRequestGrade, Strategy
from bot.github.reviews import post_review, toasty_fingerprints
from bot.grading.ref import PullRequestRef
from bot.report.comment import CHECK_RUN_REST, render_review_body
from bot.store import gradings
from bot.store.gradings import PlannedComment


async def review(
    services: Services,
    context: DeliveryContext,
    pull: PullRequestRef,
    grade: PullRequestGrade,
    *,
    strategy: Strategy,
    commentable: Mapping[str, Commentable],
) -> int:
    """Post one review with the new comments worth posting; returns how many were posted (found posted too)."""
    settled = await _settle_pending(services, context, pull)
    already = await gradings.commented_fingerprints(services.database, pull.key)
    targets = choose_comments(grade, commentable, already, strategy, seed=pull.head_sha)
    if not targets:
        return settled
    await gradings.add_pending(services.database, pull.key, pull.head_sha, _planned(targets))
    findings = len(grade.visible_findings)
    result = await post_review(
        context.gh,
        pull.repository,
        pull.number,
        commit_id=pull.head_sha,
        body_for=lambda comments: render_review_body(grade, comments, findings, elsewhere=CHECK_RUN_REST),
        targets=targets,
    )
    await gradings.mark_comments(
        services.database, pull.key, [t.finding.fingerprint for t in result.posted], "posted", result.review_id
    )
    await gradings.mark_comments(
        services.database, pull.key, [t.finding.fingerprint for t in result.dropped], "dropped"
    )
    return settled + len(result.posted)


def _planned(targets: Sequence[CommentTarget]) -> list[PlannedComment]:
    return [PlannedComment(t.finding, t.path, t.line, t.exploring) for t in targets]


async def _settle_pending(services: Services, context: DeliveryContext, pull: PullRequestRef) -> int:
    """After a crash between writing comments down and hearing GitHub's answer, ask GitHub what the App posted; returns
    how many of the comments it has."""
    pending = await gradings.pending_comments(services.database, pull.key, pull.head_sha)
    if not pending:
        return 0
    posted = await toasty_fingerprints(context.gh, pull.repository, pull.number, context.bot_login)
    waiting = {row.fingerprint for row in pending}
    await gradings.mark_comments(services.database, pull.key, waiting & posted, "posted")
    await gradings.mark_comments(services.database, pull.key, waiting - posted, "dropped")
    return len(waiting & posted)
