"""Several replicas on one database never do a delivery twice; /metrics says what the App did."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import event, update

from bot.jobs.attempts import Attempts
from bot.jobs.runner import JobRunner
from bot.store import deliveries
from bot.store.db import Database
from bot.store.deliveries import NewDelivery, PendingDelivery, Recorder
from bot.store.models import Delivery, utcnow
from bot.web.keys import SERVICES
from tests.app.conftest import RunningApp
from tests.app.scenarios import RISKY, UTIL
from tests.fakegithub import FakeGitHub


def in_process_only(database_url: str) -> None:
    """The in-process runner serves SQLite; on PostgreSQL procrastinate runs the jobs (test_task_queue.py)."""
    if database_url.startswith("postgresql"):
        pytest.skip("on PostgreSQL the deliveries run on procrastinate: tests/app/test_task_queue.py")


async def test_of_two_replicas_only_one_processes_a_delivery(database_url: str) -> None:
    in_process_only(database_url)
    database = Database(database_url)
    await database.migrate()
    done: list[str] = []

    async def work(delivery: PendingDelivery) -> None:
        await asyncio.sleep(0.05)
        done.append(delivery.id)

    replicas = [JobRunner(Attempts(database, work), concurrency=2, replica=f"replica-{i}") for i in range(2)]
    try:
        for index in range(10):
            await Recorder(database).record(NewDelivery(f"d{index}", "ping", None, None, None, "{}"))
        for runner in replicas:
            await runner.start()  # both find all ten unfinished deliveries
        await asyncio.gather(*(runner.drain() for runner in replicas))
        assert sorted(done) == sorted(f"d{index}" for index in range(10))
    finally:
        for runner in replicas:
            await runner.stop()
        await database.dispose()


async def test_a_crashed_runs_lapsed_lease_is_taken_back_at_start(database_url: str) -> None:
    in_process_only(database_url)
    database = Database(database_url)
    await database.migrate()
    done: list[str] = []

    async def work(delivery: PendingDelivery) -> None:
        done.append(delivery.id)

    runner = JobRunner(Attempts(database, work), replica="survivor")
    try:
        await Recorder(database).record(NewDelivery("orphan", "ping", None, None, None, "{}"))
        held = await deliveries.claim(database, "orphan", "crashed", timedelta(minutes=15))
        assert held is not None
        assert await deliveries.claim(database, "orphan", "survivor", timedelta(minutes=15)) is None  # still held
        async with database.session() as session:
            await session.execute(update(Delivery).values(lease_until=utcnow() - timedelta(seconds=1)))
        await runner.start()
        await runner.drain()
        assert done == ["orphan"]
        assert (await deliveries.get(database, "orphan")).state == "done"  # type: ignore[union-attr]
    finally:
        await runner.stop()
        await database.dispose()


async def test_a_job_cut_short_by_a_stop_is_resumed_by_the_next_start(database_url: str) -> None:
    in_process_only(database_url)
    database = Database(database_url)
    await database.migrate()
    started, done = asyncio.Event(), []

    async def slow(delivery: PendingDelivery) -> None:
        started.set()
        await asyncio.sleep(3600)

    async def quick(delivery: PendingDelivery) -> None:
        done.append(delivery.id)

    first = JobRunner(Attempts(database, slow))
    try:
        await Recorder(database).record(NewDelivery("long", "ping", None, None, None, "{}"))
        await first.start()
        await started.wait()
        await first.stop(grace=0.1)
        second = JobRunner(Attempts(database, quick))  # a new process: another replica name
        await second.start()
        await second.drain()
        await second.stop()
        assert done == ["long"]  # now, not when the first one's 15-minute lease ends
    finally:
        await database.dispose()


async def test_metrics_describe_what_happened(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    await fake_github.deliver(fake_github.webhook("pull_request", "opened.payload", pull=pull), toasty.webhook_url)
    await fake_github.deliver(fake_github.webhook("ping", "payload"), toasty.webhook_url)
    await toasty.settle()
    async with aiohttp.ClientSession() as session, session.get(toasty.url("/metrics")) as response:
        assert response.status == 200
        text = await response.text()
    assert 'toasty_deliveries_total{event="pull_request",outcome="accepted"} 1.0' in text
    assert 'toasty_deliveries_total{event="ping",outcome="ping"} 1.0' in text
    assert 'toasty_jobs_total{event="pull_request",outcome="done"} 1.0' in text
    assert (
        'toasty_github_requests_total{endpoint="/repos/{repo}/pulls/{n}/files",method="GET",status="200"} 1.0' in text
    )
    assert "toasty_grading_seconds_count 1.0" in text
    assert 'toasty_github_rate_limit_remaining{installation="' in text
    assert "toasty_job_queue_depth 0.0" in text


async def test_two_replicas_grade_one_pull_request_one_at_a_time(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serves one process: its in-process lock is the whole story")
    replicas = [Database(database_url) for _ in range(2)]
    order: list[str] = []

    async def grade(replica: Database, name: str) -> None:
        async with replica.locked("pull:octo/demo#1"):
            order.append(f"{name} starts")
            await asyncio.sleep(0.2)
            order.append(f"{name} ends")

    try:
        await asyncio.gather(grade(replicas[0], "first"), grade(replicas[1], "second"))
        async with replicas[1].locked("pull:octo/demo#2"), replicas[0].locked("pull:octo/demo#3"):
            pass  # other pull requests are not held up
    finally:
        for replica in replicas:
            await replica.dispose()
    assert order in (
        ["first starts", "first ends", "second starts", "second ends"],
        ["second starts", "second ends", "first starts", "first ends"],
    )


async def test_a_lock_ends_with_its_holder_even_when_it_is_cut_short(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serves one process: its in-process lock is the whole story")
    replicas = [Database(database_url) for _ in range(2)]
    held = asyncio.Event()

    async def grade_forever() -> None:
        async with replicas[0].locked("pull:octo/demo#1"):
            held.set()
            await asyncio.sleep(3600)

    try:
        grading = asyncio.create_task(grade_forever())
        await asyncio.wait_for(held.wait(), timeout=10)
        grading.cancel()  # a stop, a timeout: the lock's connection goes back to be kept, and the lock ends
        await asyncio.gather(grading, return_exceptions=True)
        for replica in (replicas[1], replicas[0]):  # another replica, and the kept connection's own
            async with asyncio.timeout(10), replica.locked("pull:octo/demo#1"):
                pass
    finally:
        for replica in replicas:
            await replica.dispose()


async def test_pull_request_locks_are_dropped_once_released(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    repo = fake_github.add_repo("octo/demo")
    for _ in range(3):
        pull = repo.add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
        await fake_github.deliver(fake_github.webhook("pull_request", "opened.payload", pull=pull), toasty.webhook_url)
    await toasty.settle()
    assert len(repo.check_runs) == 3
    assert toasty.app[SERVICES].pull_locks.held == {}


async def test_acknowledgements_recorded_together_each_learn_whether_they_were_new(database_url: str) -> None:
    database = Database(database_url)
    await database.migrate()
    try:
        recorder = Recorder(database)
        await recorder.record(NewDelivery("seen", "ping", None, None, None, "{}"))
        transactions: list[object] = []
        event.listen(database.engine.sync_engine, "begin", transactions.append)
        arrivals = ["a", "seen", "b", "a", "c"]  # arriving together: one batch
        answers = await asyncio.gather(
            *(recorder.record(NewDelivery(i, "ping", None, None, None, "{}")) for i in arrivals)
        )
        assert len(transactions) == 1  # one transaction for all five acknowledgements
        assert answers == [True, False, True, False, True]  # a redelivery, and one id twice in the same batch
        for delivery_id in ("a", "b", "c", "seen"):
            assert await deliveries.get(database, delivery_id) is not None  # committed before anyone was answered
    finally:
        await database.dispose()
