"""GitHub's failure modes and ours: rejected reviews, rate limits, 5xx, restarts and crashes lose nothing."""

from __future__ import annotations

from concurrent.futures import Executor
from datetime import timedelta

from sqlalchemy import select, update

from bot.store import deliveries, gradings
from bot.store.gradings import NewGrading
from bot.store.models import Delivery, Grading, ReviewComment, utcnow
from bot.web.keys import RUNNER
from tests.app.conftest import RunningApp, app_settings, start_app
from tests.app.scenarios import RISKY, UTIL, branchy
from tests.fakegithub import FakeGitHub

CONTEXT_COMMENT = '"""Utilities."""\n\n\n' + branchy("decide", 8)


def change_with_context_line() -> tuple[dict[str, str], dict[str, str]]:
    """A change whose complexity finding sits on an unchanged (context) line: its comment is the doubtful one."""
    base = {"app/decide.py": CONTEXT_COMMENT}
    early_exits = '    """Decide."""\n    if x == 98:\n        return 98\n    if x == 99:\n        return 99\n'
    head = CONTEXT_COMMENT.replace('    """Decide."""\n', early_exits)
    return base, {"app/decide.py": head, "app/risky.py": RISKY}


async def deliver_opened(fake: FakeGitHub, toasty: RunningApp, pull: object) -> int:
    record = await fake.deliver(fake.webhook("pull_request", "opened.payload", pull=pull), toasty.webhook_url)
    await toasty.settle()
    return record.status_code


async def test_a_rejected_review_is_retried_once_with_only_added_lines(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    base, head = change_with_context_line()
    pull = fake_github.add_repo("octo/demo").add_pull(base_files=base, changes=head)
    fake_github.reject_next_review()
    assert await deliver_opened(fake_github, toasty, pull) == 202
    assert fake_github.count("pulls/create-review") == 2
    lines = sorted((c.path, c.line) for c in pull.review_comments.values())
    assert lines == [("app/risky.py", 8), ("app/risky.py", 13)]  # the def-line comment on a context line was dropped
    (review,) = pull.reviews.values()
    assert "2 comments on what this push made worse" in review.body  # the retry's own count, not the first try's
    async with toasty.database.session() as session:
        statuses = {row.rule: row.status for row in await session.scalars(select(ReviewComment))}
    assert statuses["complexity.cyclomatic"] == "dropped"
    assert statuses["security.eval"] == "posted"


async def test_short_secondary_rate_limit_is_waited_out(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.secondary_rate_limit_next("pulls/create-review", retry_after=1)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    assert len(pull.reviews) == 1
    assert [r.status for r in fake_github.requests("pulls/create-review")] == [403, 200]


async def test_long_rate_limit_reschedules_the_delivery_and_resumes_the_same_check_run(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.primary_rate_limit_next("pulls/list-files", reset_in=3600)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    async with toasty.database.session() as session:
        (row,) = (await session.scalars(select(Delivery).where(Delivery.event == "pull_request"))).all()
    assert row.state == "retry"
    assert row.not_before is not None
    assert timedelta(seconds=3500) < row.not_before - utcnow() <= timedelta(seconds=3605)  # x-ratelimit-reset
    assert '"pull_request"' in row.payload  # kept for the next attempt
    (run,) = pull.repo.check_runs.values()
    assert run.status == "in_progress"
    # the reset time arrives: the runner picks the delivery up again
    async with toasty.database.session() as session:
        await session.execute(update(Delivery).where(Delivery.id == row.id).values(not_before=None))
    await toasty.app[RUNNER].run_now(row.id)
    await toasty.settle()
    assert len(pull.repo.check_runs) == 1
    assert run.status == "completed"
    finished = await deliveries.get(toasty.database, row.id)
    assert finished is not None
    assert (finished.state, finished.payload) == ("done", "{}")  # the body (it can quote code) is not kept


async def test_server_errors_are_retried_then_succeed(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.server_error_next("pulls/list-files", status=502, html=True)
    fake_github.server_error_next("graphql", status=503)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    assert [r.status for r in fake_github.requests("pulls/list-files")] == [502, 200]
    (run,) = pull.repo.check_runs.values()
    assert run.conclusion == "success"


async def test_when_github_keeps_failing_the_fourth_attempt_gives_up_and_the_check_run_says_so(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    # Completing the run with its annotations is never sent twice (GitHub would append them again): one 502 each.
    fake_github.server_error_next("checks/update", status=502, times=4)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    states = [(await retry_now(toasty)).state for _ in range(3)]
    assert states == ["retry", "retry", "failed"]  # the documented four attempts
    assert fake_github.count("pulls/list-files") == 4
    (run,) = pull.repo.check_runs.values()
    assert (run.status, run.conclusion) == ("completed", "neutral")
    assert run.output["title"] == "Toasty could not finish grading"
    assert "GitHub kept failing (4 attempts)" in (run.output["summary"] or "")
    assert not pull.reviews


async def test_rate_limit_waits_do_not_use_up_the_attempts_github_failures_get(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.primary_rate_limit_next("pulls/list-files", reset_in=3600)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    for _ in range(2):
        fake_github.primary_rate_limit_next("pulls/list-files", reset_in=3600)
        assert (await retry_now(toasty)).state == "retry"
    fake_github.server_error_next("checks/update", status=502)  # three waits, then one failure
    row = await retry_now(toasty)
    assert (row.state, row.attempts, row.waits) == ("retry", 4, 3)
    assert (await retry_now(toasty)).state == "done"
    (run,) = pull.repo.check_runs.values()
    assert (run.status, run.conclusion) == ("completed", "success")
    assert len(pull.reviews) == 1


async def test_retry_after_is_the_delay_before_the_next_attempt(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.secondary_rate_limit_next("pulls/list-files", retry_after=240)  # longer than the 5 s waited in place
    before = utcnow()
    assert await deliver_opened(fake_github, toasty, pull) == 202
    async with toasty.database.session() as session:
        (row,) = (await session.scalars(select(Delivery).where(Delivery.event == "pull_request"))).all()
    assert row.state == "retry"
    assert row.not_before is not None
    assert timedelta(seconds=235) <= row.not_before - before <= timedelta(seconds=250)


async def test_deliveries_recorded_before_a_restart_are_processed_after_it(
    fake_github: FakeGitHub, database_url: str, analysis_pool: Executor
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    # First life: no App credentials yet, so deliveries are verified and recorded but not processed.
    first = await start_app(app_settings(fake_github, database_url, GITHUB_APP_ID=None), analysis_pool)
    record = await fake_github.deliver(
        fake_github.webhook("pull_request", "opened.payload", pull=pull), first.webhook_url
    )
    assert record.status_code == 202
    await first.server.close()
    assert fake_github.count("checks/create") == 0
    # A delivery a crash left half-done (state processing) is resumed too.
    crashed = fake_github.webhook("pull_request", "synchronize.payload", pull=pull)
    second = await start_app(app_settings(fake_github, database_url, GITHUB_APP_ID=None), analysis_pool)
    await fake_github.deliver(crashed, second.webhook_url)
    async with second.database.session() as session:
        await session.execute(update(Delivery).where(Delivery.id == crashed.delivery_id).values(state="processing"))
    await second.server.close()
    third = await start_app(app_settings(fake_github, database_url), analysis_pool)
    await third.settle()
    async with third.database.session() as session:
        states = {row.id: row.state for row in await session.scalars(select(Delivery))}
    await third.server.close()
    assert set(states.values()) == {"done"}
    assert fake_github.count("checks/create") == 2
    assert len(pull.reviews) == 1  # the second grading found nothing new to comment on


async def test_a_crash_between_recording_comments_and_posting_never_duplicates_them(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    assert await deliver_opened(fake_github, toasty, pull) == 202
    # Pretend the review's answer was lost: the comments are still marked pending.
    async with toasty.database.session() as session:
        await session.execute(update(ReviewComment).values(status="pending"))
    rerun = fake_github.webhook("check_suite", "rerequested.payload", pull=pull)
    assert (await fake_github.deliver(rerun, toasty.webhook_url)).status_code == 202
    await toasty.settle()
    assert len(pull.reviews) == 1
    assert len(pull.review_comments) == 2
    async with toasty.database.session() as session:
        statuses = {row.status for row in await session.scalars(select(ReviewComment))}
    assert statuses == {"posted"}


async def test_installation_tokens_are_cached_and_renewed_when_github_revokes_them(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    repo = fake_github.add_repo("octo/demo")
    first = repo.add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    await deliver_opened(fake_github, toasty, first)
    second = repo.add_pull(base=first.base_sha, changes={"c.py": RISKY})
    await deliver_opened(fake_github, toasty, second)
    assert fake_github.count("apps/create-installation-access-token") == 1
    fake_github.expire_tokens()
    third = repo.add_pull(base=first.base_sha, changes={"d.py": RISKY})
    await deliver_opened(fake_github, toasty, third)
    assert fake_github.count("apps/create-installation-access-token") == 2
    assert len(third.reviews) == 1
    fake_github.take_invalid_requests()  # the one request made with the revoked token


async def retry_now(toasty: RunningApp, event: str = "pull_request") -> Delivery:
    """The delivery was rescheduled: run it again at once instead of waiting out its delay (the comments it left
    pending are as old as they would be by then)."""
    async with toasty.database.session() as session:
        (row,) = (await session.scalars(select(Delivery).where(Delivery.event == event))).all()
        skipped = row.not_before - utcnow() if row.not_before is not None else timedelta(0)
        await session.execute(update(Delivery).where(Delivery.id == row.id).values(not_before=None))
        for comment in await session.scalars(select(ReviewComment).where(ReviewComment.status == "pending")):
            comment.pending_since = (comment.pending_since or comment.created_at) - skipped
    await toasty.app[RUNNER].run_now(row.id)
    await toasty.settle()
    found = await deliveries.get(toasty.database, row.id)
    assert found is not None
    return found


async def test_a_review_github_created_but_answered_502_is_not_posted_twice(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.server_error_after_next("pulls/create-review", status=502)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    assert len(pull.reviews) == 1
    assert (await retry_now(toasty)).state == "done"
    assert fake_github.count("pulls/create-review") == 1
    assert len(pull.reviews) == 1
    assert len(pull.review_comments) == 2
    (run,) = pull.repo.check_runs.values()  # the retry did not open a second check run
    assert (run.status, run.conclusion) == ("completed", "success")
    async with toasty.database.session() as session:
        assert {row.status for row in await session.scalars(select(ReviewComment))} == {"posted"}
        (grading,) = (await session.scalars(select(Grading))).all()
    assert grading.comments == 2


async def test_a_review_lost_to_a_502_is_posted_by_the_retry(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.server_error_next("pulls/create-review", status=502)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    assert len(pull.reviews) == 0
    assert (await retry_now(toasty)).state == "done"
    assert len(pull.reviews) == 1
    assert len(pull.review_comments) == 2
    assert len(pull.repo.check_runs) == 1


async def test_a_retry_after_the_review_failed_posts_the_kept_review_without_grading_again(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.server_error_next("pulls/create-review", status=502)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    (run,) = pull.repo.check_runs.values()
    assert (run.status, len(pull.reviews)) == ("completed", 0)
    first_attempt = len(fake_github.requests())
    assert (await retry_now(toasty)).state == "done"
    retried = [r.operation_id for r in fake_github.requests()[first_attempt:]]
    assert retried == ["pulls/list-review-comments", "pulls/create-review"]  # what GitHub has, then the rest
    assert fake_github.count("pulls/list-files") == 1
    (review,) = pull.reviews.values()
    assert "2 comments on what this push made worse" in review.body
    assert sorted(c.line for c in pull.review_comments.values()) == [8, 13]
    async with toasty.database.session() as session:
        (grading,) = (await session.scalars(select(Grading))).all()
        assert {row.status for row in await session.scalars(select(ReviewComment))} == {"posted"}
    assert grading.comments == 2
    assert grading.review is not None
    for code in ("subprocess.run(command, shell=True)", "eval(expression)", "Evaluate user input"):
        assert code not in grading.review  # what the review needs (findings, lines, messages), never the code


async def test_a_retry_after_a_review_github_created_posts_nothing_and_reads_nothing_again(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.server_error_after_next("pulls/create-review", status=502)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    first_attempt = len(fake_github.requests())
    assert (await retry_now(toasty)).state == "done"
    assert [r.operation_id for r in fake_github.requests()[first_attempt:]] == ["pulls/list-review-comments"]
    assert len(pull.reviews) == 1
    assert len(pull.review_comments) == 2


async def test_one_delivery_grading_two_pull_requests_keeps_their_gradings_apart(toasty: RunningApp) -> None:
    first = NewGrading("octo/demo", 1, "a" * 40, "b" * 40, 1)
    second = NewGrading("octo/demo", 2, "a" * 40, "b" * 40, 1)
    one = await gradings.start(toasty.database, first, "suite-delivery")
    await gradings.set_check_run(toasty.database, one.id, 99)
    two = await gradings.start(toasty.database, second, "suite-delivery")  # same delivery, same commit
    assert two.id != one.id
    assert two.check_run_id is None  # never pull request #1's check run
    assert (await gradings.start(toasty.database, first, "suite-delivery")).id == one.id


async def test_a_check_run_github_created_but_answered_502_is_reused_by_the_retry(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.server_error_after_next("checks/create", status=502)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    assert (await retry_now(toasty)).state == "done"
    (run,) = pull.repo.check_runs.values()
    assert (run.status, run.conclusion) == ("completed", "success")
    assert len(pull.reviews) == 1


async def test_when_the_runner_gives_up_waiting_the_check_run_says_so(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.primary_rate_limit_next("pulls/list-files", reset_in=3600)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    async with toasty.database.session() as session:  # the delivery has been rescheduled as often as allowed
        await session.execute(update(Delivery).where(Delivery.event == "pull_request").values(attempts=19, waits=19))
    fake_github.primary_rate_limit_next("pulls/list-files", reset_in=3600)
    assert (await retry_now(toasty)).state == "failed"
    (run,) = pull.repo.check_runs.values()
    assert (run.status, run.conclusion) == ("completed", "neutral")
    assert run.output["title"] == "Toasty could not finish grading"


async def test_a_check_run_github_refused_to_complete_is_not_left_in_progress(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.fail_next("checks/update", status=422)
    assert await deliver_opened(fake_github, toasty, pull) == 202
    (run,) = pull.repo.check_runs.values()
    assert (run.status, run.conclusion) == ("completed", "neutral")
    assert len(pull.reviews) == 0


async def test_a_marker_pasted_by_someone_else_does_not_count_as_posted(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    assert await deliver_opened(fake_github, toasty, pull) == 202
    # The review's answer was lost and GitHub holds only a stranger's copies of Toasty's comments, markers included.
    for comment in pull.review_comments.values():
        comment.user = fake_github.state.user("mallory")
    async with toasty.database.session() as session:  # a minute ago: GitHub has long finished with that review
        await session.execute(
            update(ReviewComment).values(status="pending", pending_since=utcnow() - timedelta(minutes=1))
        )
    rerun = fake_github.webhook("check_suite", "rerequested.payload", pull=pull)
    assert (await fake_github.deliver(rerun, toasty.webhook_url)).status_code == 202
    await toasty.settle()
    authors = sorted(c.user.login for c in pull.review_comments.values())
    assert authors == ["mallory", "mallory", "toasty[bot]", "toasty[bot]"]  # Toasty posted its own comments


async def test_finished_deliveries_are_forgotten_once_github_cannot_redeliver_them(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    opened = fake_github.webhook("pull_request", "opened.payload", pull=pull)
    assert (await fake_github.deliver(opened, toasty.webhook_url)).status_code == 202
    await toasty.settle()
    waiting = fake_github.webhook("pull_request", "synchronize.payload", pull=pull)
    await fake_github.deliver(waiting, toasty.webhook_url)
    await toasty.settle()
    async with toasty.database.session() as session:
        await session.execute(update(Delivery).where(Delivery.id == waiting.delivery_id).values(state="retry"))
    now = utcnow()
    assert await deliveries.prune(toasty.database, now + timedelta(days=7)) == 0  # still redeliverable
    assert (await fake_github.deliver(opened, toasty.webhook_url)).status_code == 200  # so still a duplicate
    assert await deliveries.prune(toasty.database, now + timedelta(days=9)) == 1
    assert await deliveries.get(toasty.database, opened.delivery_id) is None
    assert await deliveries.get(toasty.database, waiting.delivery_id) is not None  # unfinished work is never dropped


async def test_a_check_run_created_unanswered_on_the_last_attempt_is_not_left_in_progress(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    fake_github.server_error_next("apps/create-installation-access-token", status=503, times=4)
    assert await deliver_opened(fake_github, toasty, pull) == 202  # GitHub down before any check run
    assert not pull.repo.check_runs
    async with toasty.database.session() as session:  # the attempts GitHub's outage used up
        await session.execute(update(Delivery).where(Delivery.event == "pull_request").values(attempts=3))
    fake_github.server_error_after_next("checks/create", status=502)
    assert (await retry_now(toasty)).state == "failed"
    (run,) = pull.repo.check_runs.values()
    assert (run.status, run.conclusion) == ("completed", "neutral")
