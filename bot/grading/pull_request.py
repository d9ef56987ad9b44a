"""The App's grading of a pull request: one check run, one review, exactly once per head commit.

GitHub requests, in order: create the check run; list the changed files (100 a page); fetch the configuration
and the contents in GraphQL batches (the first also says whether a newer commit superseded this one); complete
the check run with every annotation (50 per request); post one review. Nothing else, unless a crash or an
unanswered POST forces a check of what GitHub already has. The review is chosen once and kept with the grading:
a retry after it failed posts what GitHub lacks of it, and reads no file again."""

from __future__ import annotations

import logging

from bot.context import DeliveryContext, Services, github_app
from bot.engine import ConfigError
from bot.github import checks, contents
from bot.grading import checkrun, reading, records, review
from bot.grading.ref import PullRequestRef, Superseded
from bot.learning.explain import summary_section
from bot.metrics import Timer
from bot.store import gradings

log = logging.getLogger(__name__)


async def grade_pull_request(services: Services, context: DeliveryContext, pull: PullRequestRef) -> None:
    """Grade the pull request's head commit and answer on GitHub; a pull request is graded once at a time, even
    by several replicas (its findings and comments are unique per pull request)."""
    async with services.pull_locks.hold(pull.repository, pull.number):
        timer = Timer()
        await _grade(services, context, pull)
        services.metrics.grading_seconds.observe(timer.elapsed)


async def _grade(services: Services, context: DeliveryContext, pull: PullRequestRef) -> None:
    gh, database = context.gh, services.database
    if pull.draft and not await reading.grades_drafts(gh, pull):
        context.log.info("draft pull request %s#%s skipped", pull.repository, pull.number)
        return
    grading = await gradings.start(database, pull.new_grading(), context.job.delivery_id)
    if grading.status == "completed":  # the check run says it all; only the review failed
        posted = await review.review_again(services, context, pull, grading)
        await gradings.set_comment_count(database, grading.id, (grading.comments or 0) + posted)
        return
    check_run_id = grading.check_run_id
    if check_run_id is None:
        check_run_id = await checkrun.open_check_run(gh, pull, context.job)
        await gradings.set_check_run(database, grading.id, check_run_id)
    run = checkrun.CheckRun(database, gh, pull, grading.id, check_run_id)
    settled = await review.settle_pending(services, context, pull)  # an earlier grading of this commit crashed
    try:
        files = await contents.list_files(gh, pull.repository, pull.number)
        grade, strategy, commentable = await reading.grade_files(services, gh, pull, files)
        conclusion = checkrun.conclusion_of(grade, strategy)
        output = checkrun.output_of(grade, [summary_section(strategy)])
        await checks.complete(
            gh, pull.repository, check_run_id, conclusion, output, annotations=checkrun.annotations_of(grade)
        )
    except ConfigError as error:
        await checkrun.report_config_error(run, error)
        return
    except Superseded as newer:
        await checkrun.report_superseded(run, newer.newer_sha)
        return
    already = await records.record_fixes(services, context, pull, grade)
    planned = review.plan_review(grade, commentable, already, strategy, seed=pull.head_sha)
    await gradings.complete(database, grading.id, grade, conclusion, review=planned.to_json())
    posted = await review.post_planned(services, context, pull, planned, planned.comments)
    await gradings.set_comment_count(database, grading.id, settled + posted)


async def abandon_gradings(services: Services, delivery_id: str, reason: str) -> None:
    """The delivery was given up: complete each check run it left in progress (one GitHub created without answering
    included), saying why, so no pull request waits on a grading that will not come."""
    for grading in await gradings.unfinished(services.database, delivery_id):
        if grading.installation_id is not None:
            gh = github_app(services).auth.installation_client(grading.installation_id)
            check_run_id = grading.check_run_id or await checks.find_open(
                gh, grading.repository, grading.head_sha, delivery_id
            )
            if check_run_id is not None:
                await checks.complete(gh, grading.repository, check_run_id, "neutral", checkrun.given_up_output(reason))
        await gradings.complete(services.database, grading.id, None, "neutral", error=reason)
        log.warning("grading %s#%s at %s given up", grading.repository, grading.pull_number, grading.head_sha)
