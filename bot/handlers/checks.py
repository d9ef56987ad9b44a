"""check_suite and check_run events: re-grade when someone asks for it on GitHub."""

from __future__ import annotations

from typing import Any

from gidgethub import sansio

from bot.context import DeliveryContext, Services
from bot.github.checks import CHECK_NAME, REGRADE
from bot.grading import PullRequestRef, grade_pull_request
from bot.handlers.routes import Routes, payload

routes = Routes()


@routes.on("check_suite", "rerequested")
async def on_suite_rerequested(event: sansio.Event, *, services: Services, context: DeliveryContext) -> None:
    """ "Re-run all checks": re-grade every pull request of the suite's head commit."""
    data = payload(event)
    suite = data["check_suite"]
    await _regrade(services, context, suite["head_sha"], suite.get("pull_requests") or [])


@routes.on("check_run", "rerequested")
async def on_run_rerequested(event: sansio.Event, *, services: Services, context: DeliveryContext) -> None:
    """ "Re-run" on Toasty's check run."""
    data = payload(event)
    run = data["check_run"]
    if run.get("name") == CHECK_NAME:
        await _regrade(services, context, run["head_sha"], run.get("pull_requests") or [])


@routes.on("check_run", "requested_action")
async def on_requested_action(event: sansio.Event, *, services: Services, context: DeliveryContext) -> None:
    """The check run's buttons; "Re-grade" grades the commit again."""
    data = payload(event)
    if (data.get("requested_action") or {}).get("identifier") == REGRADE.identifier:
        run = data["check_run"]
        await _regrade(services, context, run["head_sha"], run.get("pull_requests") or [])


async def _regrade(services: Services, context: DeliveryContext, head_sha: str, pulls: list[dict[str, Any]]) -> None:
    delivery = context.envelope
    if not pulls:  # GitHub leaves this empty for pull requests from forks
        context.log.info("no pull request attached to %s@%s; nothing to re-grade", delivery.repository_name, head_sha)
    for pull in pulls:
        ref = PullRequestRef(
            repository=delivery.repository_name,
            number=int(pull["number"]),
            head_sha=head_sha,
            base_sha=pull["base"]["sha"],
            default_branch=delivery.default_branch,
            installation_id=delivery.installation_id,
        )
        await grade_pull_request(services, context, ref)
