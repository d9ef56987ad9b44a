"""`kill -9` of `toasty serve` mid-grading, then a restart: the work resumes at once and its effects stay single."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.scenarios import RISKY, UTIL
from tests.app.served import ServedApp, app_environment, jobs_done, start_served, until
from tests.fakegithub import FakeGitHub

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "killed_during",
    ["pulls/list-files", "pulls/create-review"],
    ids=["while-reading-files", "while-posting-the-review"],
)
async def test_a_process_killed_mid_grading_resumes_at_once_when_restarted(
    fake_github: FakeGitHub, tmp_path: Path, killed_during: str
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    env = app_environment(fake_github, tmp_path, f"sqlite:///{tmp_path / 'toasty.db'}")
    held = fake_github.delay_next(killed_during, seconds=3)  # the request arrives; its answer is slow to come
    first = await start_served(env, tmp_path)
    try:
        record = await fake_github.deliver(
            fake_github.webhook("pull_request", "opened.payload", pull=pull), first.webhook_url
        )
        assert record.status_code == 202
        await until(lambda: held.times == 0, timeout=30, what=f"the grading's {killed_during} request")
    finally:
        first.kill()
    (run,) = pull.repo.check_runs.values()
    if killed_during == "pulls/list-files":
        assert run.status == "in_progress"  # the dead process left it so
    second = await start_served(env, tmp_path)
    try:
        waited = await until(lambda: _finished(second), timeout=60, what="the interrupted delivery's processing")
    finally:
        second.stop()
    assert waited < 30  # resumed at once, not when the dead process's 15-minute lease ran out
    assert len(pull.repo.check_runs) == 1
    assert run.status == "completed"
    assert run.conclusion == "success"
    assert len(pull.reviews) == 1
    assert len(pull.review_comments) == 2  # each finding commented once


async def _finished(served: ServedApp) -> bool:
    return await jobs_done(served) >= 1


async def test_a_worker_killed_mid_grading_has_its_job_taken_by_a_live_worker_within_a_minute(
    fake_github: FakeGitHub, tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("workers of their own need PostgreSQL")
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    env = app_environment(fake_github, tmp_path, database_url)
    held = fake_github.delay_next("pulls/list-files", seconds=3)
    web = await start_served(env, tmp_path, "serve", "--no-workers")
    doomed = await start_served(env, tmp_path, "worker")
    survivor = None
    try:
        record = await fake_github.deliver(
            fake_github.webhook("pull_request", "opened.payload", pull=pull), web.webhook_url
        )
        assert record.status_code == 202
        await until(lambda: held.times == 0, timeout=30, what="the grading's file listing")
        doomed.kill()
        survivor = await start_served(env, tmp_path, "worker")
        (run,) = pull.repo.check_runs.values()
        assert run.status == "in_progress"
        await until(lambda: run.status == "completed", timeout=60, what="the check run's completion by a live worker")
        await until(lambda: _finished(survivor), timeout=30, what="the delivery's end")
    finally:
        for process in (web, doomed, survivor):
            if process is not None:
                process.stop()
    assert len(pull.repo.check_runs) == 1
    assert run.conclusion == "success"
    assert len(pull.reviews) == 1
    assert len(pull.review_comments) == 2
