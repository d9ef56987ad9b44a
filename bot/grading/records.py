"""What a grading teaches learning: a commented finding that a push made go away is the author's vote."""

from __future__ import annotations

from bot.context import DeliveryContext, Services
from bot.engine import PullRequestGrade
from bot.feedback import record_feedback
from bot.grading.ref import PullRequestRef
from bot.store import gradings
from bot.store.feedback import NewSignal


async def record_fixes(
    services: Services, context: DeliveryContext, pull: PullRequestRef, grade: PullRequestGrade
) -> set[str]:
    """A commented finding that a push made go away was worth commenting on: the author's fix is a vote. Returns the
    fingerprints Toasty has commented on in the pull request (what the review must not comment on again)."""
    database = services.database
    fixed = await gradings.track_findings(database, pull.key, pull.head_sha, grade.findings)
    commented = await gradings.commented_fingerprints(database, pull.key)
    author = (
        (pull.author, pull.author_association or "NONE")
        if pull.author
        else await gradings.last_author(database, pull.key)
    )
    signals = [
        NewSignal.on_finding(row, actor=author[0], association=author[1], signal="fixed", source="grading")
        for row in fixed
        if row.fingerprint in commented and author is not None
    ]
    if signals:
        await record_feedback(database, services.metrics, signals)
        context.log.info("%d commented finding(s) fixed on %s#%s", len(signals), pull.repository, pull.number)
    return commented
