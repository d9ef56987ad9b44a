"""Deliveries on procrastinate (PostgreSQL): once each across replicas, one pull request at a time and in order,
periodic work once per tick, and a job that commits or rolls back with its delivery's record."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.jobs.attempts import Attempts
from bot.jobs.deliveries import pull_request_lock
from bot.jobs.taskqueue import PeriodicWork, TaskQueue, conninfo
from bot.store import deliveries
from bot.store.db import Database
from bot.store.deliveries import NewDelivery, PendingDelivery, Recorder
from tests.fakegithub import FakeGitHub


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is served by one process and its in-process runner; procrastinate needs PostgreSQL")
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.dispose()


async def _nothing() -> None:
    return None


def replica(database: Database, work: Attempts, periodic: Sequence[PeriodicWork] = ()) -> TaskQueue:
    """One replica's queue with its own procrastinate worker (as another process would have)."""
    return TaskQueue(work, conninfo(database.url), periodic, concurrency=2)


def delivery(delivery_id: str, lock: str | None = None) -> NewDelivery:
    return NewDelivery(delivery_id, "ping", None, None, None, "{}", lock=lock)


@pytest.mark.postgres
async def test_of_two_replicas_each_delivery_is_processed_once(database: Database) -> None:
    done: list[str] = []

    async def work(pending: PendingDelivery) -> None:
        await asyncio.sleep(0.05)
        done.append(pending.id)

    queues = [replica(database, Attempts(database, work)) for _ in range(2)]
    recorder = Recorder(database, defer=queues[0].defer)
    for index in range(10):
        await recorder.record(delivery(f"d{index}"))
    for queue in queues:
        await queue.start()
    try:
        await asyncio.wait_for(queues[0].drain(), timeout=30)
    finally:
        for queue in queues:
            await queue.stop()
    assert sorted(done) == sorted(f"d{index}" for index in range(10))
    for index in range(10):
        assert (await deliveries.get(database, f"d{index}")).state == "done"  # type: ignore[union-attr]


@pytest.mark.postgres
async def test_deliveries_of_one_pull_request_run_one_at_a_time_in_order(database: Database) -> None:
    events: list[str] = []

    async def work(pending: PendingDelivery) -> None:
        events.append(f"{pending.id} starts")
        await asyncio.sleep(0.2)
        events.append(f"{pending.id} ends")

    queues = [replica(database, Attempts(database, work)) for _ in range(2)]
    recorder = Recorder(database, defer=queues[0].defer)
    for queue in queues:
        await queue.start()
    try:
        for name in ("opened", "synchronize", "edited"):
            await recorder.record(delivery(name, lock="pull:octo/demo#1"))
        await recorder.record(delivery("other", lock="pull:octo/demo#2"))
        await asyncio.sleep(0.1)
        await asyncio.wait_for(queues[0].drain(), timeout=30)
    finally:
        for queue in queues:
            await queue.stop()
    same_pull = [event for event in events if not event.startswith("other")]
    assert same_pull == [
        "opened starts",
        "opened ends",
        "synchronize starts",
        "synchronize ends",
        "edited starts",
        "edited ends",
    ]
    assert events.index("other starts") < events.index("opened ends")  # another pull request is not held up


@pytest.mark.postgres
async def test_the_job_and_the_record_commit_or_roll_back_together(database: Database) -> None:
    queue = replica(database, Attempts(database, lambda pending: _nothing()))

    async def defer_then_fail(connection: AsyncConnection, new: Sequence[NewDelivery]) -> None:
        await queue.defer(connection, new)
        raise RuntimeError("the database went away before the commit")

    with pytest.raises(RuntimeError):
        await Recorder(database, defer=defer_then_fail).record(delivery("lost"))
    assert await deliveries.get(database, "lost") is None
    assert await _jobs(database, "lost") == 0  # no job without its record
    assert await Recorder(database, defer=queue.defer).record(delivery("kept"))
    assert await deliveries.get(database, "kept") is not None
    assert await _jobs(database, "kept") == 1  # no record without its job
    assert not await Recorder(database, defer=queue.defer).record(delivery("kept"))  # a redelivery
    assert await _jobs(database, "kept") == 1


@pytest.mark.postgres
async def test_a_job_cut_short_by_a_stop_is_handed_back_uncounted(database: Database) -> None:
    started, done = asyncio.Event(), []

    async def stuck(pending: PendingDelivery) -> None:
        started.set()
        await asyncio.sleep(3600)

    async def quick(pending: PendingDelivery) -> None:
        done.append((pending.id, pending.attempt))

    first = replica(database, Attempts(database, stuck))
    await Recorder(database, defer=first.defer).record(delivery("long"))
    await first.start()
    await asyncio.wait_for(started.wait(), timeout=30)
    await first.stop()  # a rolling update: the job outlives the grace period
    second = replica(database, Attempts(database, quick))
    await second.start()
    try:
        await asyncio.wait_for(second.drain(), timeout=30)
    finally:
        await second.stop()
    assert done == [("long", 1)]  # taken over, and the cut-short attempt did not count against it
    assert (await deliveries.get(database, "long")).state == "done"  # type: ignore[union-attr]


@pytest.mark.postgres
async def test_periodic_work_runs_once_per_tick_across_replicas(database: Database) -> None:
    polls: list[float] = []

    async def poll() -> None:
        polls.append(asyncio.get_running_loop().time())

    every_second = [PeriodicWork("poll-reactions", timedelta(seconds=1), poll)]
    queues = [replica(database, Attempts(database, lambda pending: _nothing()), every_second) for _ in range(3)]
    for queue in queues:
        await queue.start()
    started = asyncio.get_running_loop().time()
    await asyncio.sleep(4.5)
    for queue in queues:
        await queue.stop()
    elapsed = asyncio.get_running_loop().time() - started
    assert 2 <= len(polls) <= elapsed + 1  # three replicas, yet one run per second's tick


@pytest.mark.postgres
async def test_taking_a_job_keeps_to_the_index_whatever_the_statistics_say(database: Database) -> None:
    """Stale statistics (a queue analysed while empty) would have every fetch sort the whole backlog."""
    async with database.autocommit() as connection:
        settings = await connection.scalar(
            text("SELECT proconfig FROM pg_proc WHERE proname = 'procrastinate_fetch_job_v2'")
        )
    assert "enable_sort=off" in settings


@pytest.mark.postgres
async def test_only_the_queues_own_connections_commit_without_waiting_for_the_disk(database: Database) -> None:
    queue = replica(database, Attempts(database, lambda pending: _nothing()))
    await queue.start()
    try:
        async with queue.pool.connection() as connection:
            assert connection.autocommit
            assert await (await connection.execute("SHOW synchronous_commit")).fetchone() == ("off",)
    finally:
        await queue.stop()
    async with database.autocommit() as connection:  # the delivery's record, its job, and every effect: durable
        assert await connection.scalar(text("SHOW synchronous_commit")) == "on"


async def _jobs(database: Database, delivery_id: str) -> int:
    async with database.begin() as connection:
        found = await connection.scalar(
            text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'delivery_id' = :id"), {"id": delivery_id}
        )
    return int(found or 0)


@pytest.mark.parametrize(
    ("event", "name"),
    [
        ("pull_request", "opened.payload"),
        ("pull_request", "synchronize.payload"),
        ("check_suite", "rerequested.payload"),
        ("pull_request_review_comment", "created.payload"),
    ],
)
async def test_a_delivery_is_locked_on_the_pull_request_it_is_about(
    fake_github: FakeGitHub, event: str, name: str
) -> None:
    pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": "x = 1\n"}, changes={"a.py": "x = 2\n"})
    payload = fake_github.webhook_payload(event, name, pull=pull)
    assert pull_request_lock(event, payload) == f"pull:octo/demo#{pull.number}"


async def test_a_delivery_about_no_single_pull_request_has_no_lock(fake_github: FakeGitHub) -> None:
    repo = fake_github.add_repo("octo/demo")
    payload = fake_github.webhook_payload("installation_repositories", "added.payload", repo=repo)
    assert pull_request_lock("installation_repositories", payload) is None
    shared_commit = {
        "repository": {"full_name": "octo/demo"},
        "check_suite": {"pull_requests": [{"number": 1}, {"number": 2}]},
    }
    assert pull_request_lock("check_suite", shared_commit) is None
