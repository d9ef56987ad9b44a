"""The Action's optional review: the same comment policy as the App, de-duplicated across runs by fingerprint,
counting only comments Toasty itself wrote."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from action.rest import GitHubError, RestClient
from bot.commenting import Commentable, choose_comments
from bot.engine.models import PullRequestGrade
from bot.engine.strategy import Strategy
from bot.report.comment import render_review_body
from bot.report.ownership import toasty_marker
from bot.reviewing import ReviewRejected, post_review

log = logging.getLogger(__name__)
WORKFLOW_BOT = "github-actions[bot]"
"""Who writes what a workflow's GITHUB_TOKEN posts."""
INSTALLATION_PREFIX = "ghs_"
"""GitHub's installation tokens (the workflow's own, or an App's) cannot ask GET /user who they are."""
ELSEWHERE = "in this run's annotations and job summary"


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What happened to the review, in words for the log and the summary."""

    posted: int
    note: str
    refused: bool = False
    """GitHub said the token may not write the review (a fork's read-only token, missing permissions)."""


@dataclass(frozen=True, slots=True)
class PullRequest:
    """Where the review goes, and who Toasty is there."""

    repository: str
    number: int
    head_sha: str
    api_url: str
    token: str
    app_logins: Collection[str] = ()
    """Toasty Apps' accounts (`slug[bot]`) whose comments count as Toasty's own too."""


async def review(
    pull: PullRequest, grade: PullRequestGrade, commentable: Mapping[str, Commentable], strategy: Strategy
) -> ReviewOutcome:
    """Post one review with the comments worth posting; a token that cannot write gets a note, never a failure."""
    client = RestClient(pull.api_url, pull.token)
    findings = len(grade.visible_findings)

    async def send(request: dict[str, Any]) -> int:
        try:
            answer = await asyncio.to_thread(
                client.post, f"/repos/{pull.repository}/pulls/{pull.number}/reviews", request
            )
        except GitHubError as error:
            if error.status == 422:
                raise ReviewRejected(str(error)) from error
            raise
        return int(answer["id"])

    try:
        authors = await asyncio.to_thread(own_logins, client, pull)
        already = await asyncio.to_thread(commented, client, pull, authors)
        targets = choose_comments(grade, commentable, already, strategy, seed=pull.head_sha)
        if not targets:
            return ReviewOutcome(0, "No new findings to comment on (earlier runs already commented on the rest).")
        result = await post_review(
            send,
            commit_id=pull.head_sha,
            body_for=lambda comments: render_review_body(
                grade.grade, grade.score, comments, findings, elsewhere=ELSEWHERE
            ),
            targets=targets,
        )
    except GitHubError as error:
        if error.status in (401, 403, 404):
            return ReviewOutcome(0, _read_only_note(error), refused=True)
        return ReviewOutcome(0, f"GitHub did not take the review ({error}); the annotations and summary stand.")
    if result.review_id is None:
        return ReviewOutcome(0, "GitHub refused the review's comments twice (422); they stay annotations.")
    dropped = f" ({len(result.dropped)} left as annotations: GitHub refused their lines)" if result.dropped else ""
    count = len(result.posted)
    return ReviewOutcome(count, f"Posted a review with {count} comment{'s' * (count != 1)}{dropped}.")


def own_logins(client: RestClient, pull: PullRequest) -> frozenset[str]:
    """The accounts whose comments are Toasty's: the token's own, and the Toasty Apps the workflow names."""
    if pull.token.startswith(INSTALLATION_PREFIX):
        mine = WORKFLOW_BOT
    else:  # a personal access token: its owner writes the review
        try:
            mine = str((client.get("/user") or {}).get("login") or "")
        except GitHubError as error:
            log.info("cannot tell whose token this is (%s): only the named Apps' comments count as Toasty's", error)
            mine = ""
    return frozenset(login for login in (mine, *pull.app_logins) if login)


def commented(client: RestClient, pull: PullRequest, authors: Collection[str]) -> set[str]:
    """Fingerprints Toasty already commented on in this pull request: its marker, in a comment Toasty wrote."""
    found = set()
    for comment in client.get_pages(f"/repos/{pull.repository}/pulls/{pull.number}/comments?per_page=100"):
        marker = toasty_marker(comment, authors)
        if marker is not None:
            found.add(marker[0])
    return found


def _read_only_note(error: GitHubError) -> str:
    return (
        f"No review posted: the token may not write to this pull request ({error}). On pull requests from forks the "
        "workflow token is read-only; the annotations, summary and SARIF carry the findings."
    )
