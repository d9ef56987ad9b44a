"""The scheduled reaction poll. GitHub sends no webhook for reactions, so Toasty reads them on a timer, cheaply:
each pull request's comment pages are asked for with their ETags (an unchanged page is a free 304), and the
per-user reactions only for comments whose roll-up changed. Differences become feedback-log entries."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.context import Services, github_app
from bot.feedback import record_feedback
from bot.github import feedback as github_feedback
from bot.github.client import GitHubClient, RetryLater
from bot.report.ownership import toasty_marker
from bot.store import feedback
from bot.store.feedback import NewSignal, PollTarget, ReactionState
from bot.store.models import ReviewComment, utcnow

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    """What one poll did: for logs, metrics and tests."""

    pulls: int = 0
    requests: int = 0
    not_modified: int = 0
    reaction_fetches: int = 0
    signals: int = 0


async def poll_reactions(services: Services, now: datetime | None = None) -> PollReport:
    """Poll every pull request Toasty commented on within the window; a rate limit ends this round early."""
    now = now or utcnow()
    since = now - timedelta(days=services.settings.poll_window_days)
    report = PollReport()
    app = github_app(services)
    targets = await feedback.poll_targets(services.database, since)
    bot = await app.login() if targets else ""
    for target in targets:
        try:
            gh = app.auth.installation_client(target.installation_id)
            await _PullPoll(services, gh, target, bot, report).run()
        except RetryLater as wait:
            log.warning("reaction poll stopped early: %s", wait)
            break
        except Exception:  # one pull request's trouble must not stop the others
            log.exception("polling %s#%s failed", target.repository, target.pull_number)
        report.pulls += 1
    log.info("reaction poll done", extra={"poll": vars(report)})
    return report


@dataclass
class _PullPoll:
    """One pull request's poll: which comments changed, and what their reactions now say."""

    services: Services
    gh: GitHubClient
    target: PollTarget
    bot: str
    report: PollReport

    async def run(self) -> None:
        database, target = self.services.database, self.target
        known = await feedback.etags(database, target.repository, target.pull_number)
        pages = await github_feedback.changed_review_comments(self.gh, target.repository, target.pull_number, known)
        self.report.requests += pages.requests
        self.report.not_modified += pages.not_modified
        ours = await feedback.comments_by_fingerprint(database, target.repository, target.pull_number)
        for comment in pages.changed_comments:
            row = _toasty_comment(comment, ours, self.bot)
            if row is not None:
                await self.comment(row, comment)
        await feedback.save_etags(database, target.repository, target.pull_number, pages.pages)

    async def comment(self, row: ReviewComment, comment: dict[str, Any]) -> None:
        comment_id = int(comment["id"])
        if row.comment_id is None:
            await feedback.set_comment_id(self.services.database, row.id, comment_id)
            row.comment_id = comment_id
        rollup = github_feedback.rollup(comment)
        if rollup != row.rollup:
            self.report.reaction_fetches += 1
            self.report.signals += await self.reactions(row, comment_id, rollup)

    async def reactions(self, row: ReviewComment, comment_id: int, rollup: str) -> int:
        """Diff the comment's reactions against the last poll; every addition and removal is a signal."""
        reactions = [
            r for r in await github_feedback.reactions(self.gh, row.repository, comment_id) if r.login != self.bot
        ]
        present = {(r.login, r.content) for r in reactions}
        before = await feedback.reactions(self.services.database, comment_id)
        created = {(r.login, r.content): r for r in reactions}
        signals = []
        for login, content in sorted(present - before):
            reaction = created[(login, content)]
            occurred = datetime.fromisoformat(reaction.created_at.replace("Z", "+00:00"))
            signals.append(
                await self.signal(row, login, reaction.is_bot, kind="reaction", content=content, at=occurred)
            )
        for login, content in sorted(before - present):
            signals.append(await self.signal(row, login, False, kind="reaction_removed", content=content, at=utcnow()))
        state = ReactionState(comment_id, frozenset(present), rollup)
        await record_feedback(self.services.database, self.services.metrics, signals, state)
        return len(signals)

    async def signal(
        self, row: ReviewComment, actor: str, is_bot: bool, *, kind: str, content: str, at: datetime
    ) -> NewSignal:
        association = await self.services.trust.association(self.gh, row.repository, actor, is_bot=is_bot)
        return NewSignal.on_finding(
            row, actor=actor, association=association, signal=kind, source="poll", occurred_at=at, content=content
        )


def _toasty_comment(comment: dict[str, Any], ours: dict[str, ReviewComment], bot: str) -> ReviewComment | None:
    """Only comments the App itself wrote count: a marker quoted by someone else is not Toasty's."""
    marker = toasty_marker(comment, {bot})
    return ours.get(marker[0]) if marker is not None else None
