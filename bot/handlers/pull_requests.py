"""pull_request events: grade the head commit when a pull request opens, gets new commits or leaves draft."""

from __future__ import annotations

from typing import Any

from gidgethub import sansio

from bot.context import DeliveryContext, Services
from bot.github.webhooks import Envelope
from bot.grading import PullRequestRef, grade_pull_request
from bot.handlers.routes import Routes, payload

routes = Routes()


@routes.on("pull_request", "opened", "synchronize", "reopened", "ready_for_review")
async def on_pull_request(event: sansio.Event, *, services: Services, context: DeliveryContext) -> None:
    """Grade the pull request's current head (drafts only when the repository's config asks for it)."""
    data = payload(event)
    pull = data["pull_request"]
    if pull.get("state") != "open":
        return
    await grade_pull_request(services, context, pull_request_ref(context.envelope, pull))


def pull_request_ref(delivery: Envelope, pull: dict[str, Any]) -> PullRequestRef:
    """The pull request a payload is about."""
    return PullRequestRef(
        repository=delivery.repository_name,
        number=delivery.pull_number,
        head_sha=pull["head"]["sha"],
        base_sha=pull["base"]["sha"],
        default_branch=delivery.default_branch,
        installation_id=delivery.installation_id,
        draft=bool(pull.get("draft")),
        author=(pull.get("user") or {}).get("login"),
        author_association=pull.get("author_association"),
    )
