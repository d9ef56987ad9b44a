"""The Action's optional review: the same comment policy as the App, de-duplicated across runs by fingerprint."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from gidgethub import BadRequest

from bot.commenting import Commentable, choose_comments
from bot.engine.models import PullRequestGrade
from bot.engine.strategy import Strategy
from bot.github.client import GitHubClient, GitHubUnavailable, RetryLater
from bot.github.reviews import post_review
from bot.report.comment import parse_marker, render_review_body

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What happened to the review, in words for the log and the summary."""

    posted: int
    note: str


@dataclass(frozen=True, slots=True)
class PullRequest:
    """Where the review goes."""

    repository: str
    number: int
    head_sha: str
    api_url: str
    graphql_url: str
    token: str


async def review(
    pull: PullRequest, grade: PullRequestGrade, commentable: Mapping[str, Commentable], strategy: Strategy
) -> ReviewOutcome:
    """Post one review with the comments worth posting; a token that cannot write gets a note, never a failure."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        gh = GitHubClient(session, base_url=pull.api_url, graphql_url=pull.graphql_url, oauth_token=pull.token)
        try:
            already = await _commented(gh, pull)
            targets = choose_comments(grade, commentable, already, strategy, seed=pull.head_sha)
            if not targets:
                return ReviewOutcome(0, "No new findings to comment on (earlier runs already commented on the rest).")
            body = render_review_body(grade, len(targets), len(grade.visible_findings))
            result = await post_review(
                gh, pull.repository, pull.number, commit_id=pull.head_sha, body=body, targets=targets
            )
        except BadRequest as error:
            if error.status_code in (401, 403, 404):
                return ReviewOutcome(0, _read_only_note(error))
            raise
        except (GitHubUnavailable, RetryLater) as error:
            return ReviewOutcome(0, f"GitHub did not take the review ({error}); the annotations and summary stand.")
    dropped = f" ({len(result.dropped)} left as annotations: GitHub refused their lines)" if result.dropped else ""
    return ReviewOutcome(len(result.posted), f"Posted a review with {len(result.posted)} comments{dropped}.")


async def _commented(gh: GitHubClient, pull: PullRequest) -> set[str]:
    """Fingerprints earlier runs (or the App) already commented on in this pull request."""
    found = set()
    async for comment in gh.getiter(f"/repos/{pull.repository}/pulls/{pull.number}/comments?per_page=100"):
        if (comment.get("user") or {}).get("type") != "Bot":
            continue  # only a bot's marker counts: anyone can paste one
        marker = parse_marker(comment.get("body") or "")
        if marker is not None:
            found.add(marker[0])
    return found


def _read_only_note(error: BadRequest) -> str:
    return (
        f"No review posted: the token may not write to this pull request ({error}). On pull requests from forks the "
        "workflow token is read-only; the annotations, summary and SARIF carry the findings."
    )
