"""The collective priors: computed once per period across replicas, stored, and read by every process."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from concurrent.futures import Executor
from datetime import datetime, timedelta

import pytest

from bot.jobs import schedule
from bot.jobs.attempts import Attempts
from bot.jobs.taskqueue import TaskQueue, conninfo
from bot.learning import service
from bot.learning.service import LearningService
from bot.settings import Settings
from bot.store import feedback, priors
from bot.store.db import Database
from bot.store.deliveries import PendingDelivery
from bot.store.feedback import NewSignal
from bot.store.models import utcnow
from bot.store.priors import StoredPrior
from bot.web.keys import SERVICES
from tests.app.conftest import RunningApp, app_settings, install, start_app
from tests.fakegithub import FakeGitHub


def votes(repository: str, content: str = "+1") -> list[NewSignal]:
    """Six maintainers reacting to findings of one rule."""
    return [
        NewSignal(
            repository=repository,
            rule="security.eval",
            fingerprint=f"f{i}",
            actor=f"member{i}",
            association="MEMBER",
            signal="reaction",
            content=content,
            source="cli",
            occurred_at=utcnow() - timedelta(minutes=i),
        )
        for i in range(6)
    ]


async def test_a_process_that_did_not_compute_the_priors_grades_with_the_stored_ones(
    fake_github: FakeGitHub, toasty: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    await install(fake_github, toasty, "octo/demo")
    await feedback.append(toasty.database, votes("octo/demo"))
    computed = await toasty.app[SERVICES].learning.refresh_priors()
    assert computed.rules["security.eval"].positive > 0

    elsewhere = LearningService(toasty.database, toasty.settings.learning_parameters())  # another replica
    try:
        assert await elsewhere.current_priors() == computed
        await feedback.append(toasty.database, votes("octo/demo", "-1"))
        recomputed = await toasty.app[SERVICES].learning.refresh_priors()
        assert await elsewhere.current_priors() == computed  # its copy lasts a minute: one small query a minute
        monkeypatch.setattr(service, "PRIORS_READ_EVERY", 0.0)
        assert await elsewhere.current_priors() == recomputed != computed
    finally:
        elsewhere.close()


async def test_both_schedulers_run_the_same_periodic_work(toasty: RunningApp) -> None:
    """procrastinate's periodic tasks where replicas share PostgreSQL, the in-process scheduler on SQLite: one list."""
    work = schedule.periodic_work(toasty.app[SERVICES])
    names = ["poll-reactions", "collective-priors", "prune-deliveries"]
    assert [each.name for each in work] == names
    assert sorted(job.id for job in schedule.in_process_scheduler(work).get_jobs()) == sorted(names)
    if not toasty.database.one_process:
        queue = TaskQueue(Attempts(toasty.database, _nothing), conninfo(toasty.database.url), work)
        assert set(names) <= set(queue.app.tasks)


async def _nothing(pending: PendingDelivery) -> None:
    return None


@pytest.mark.postgres
async def test_two_replicas_compute_the_priors_once_per_period(
    fake_github: FakeGitHub,
    database_url: str,
    analysis_pool: Executor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite one process serves, and its in-process scheduler refreshes the priors")
    monkeypatch.setattr(schedule, "PRIORS_EVERY", timedelta(seconds=1))
    settings = app_settings(fake_github, database_url)
    replicas = [await start_app(settings, analysis_pool) for _ in range(2)]
    try:
        await install(fake_github, replicas[0], "octo/demo")
        await feedback.append(replicas[0].database, votes("octo/demo"))
        stored = _count_stores(monkeypatch)
        await asyncio.sleep(4.5)
    finally:
        for replica in replicas:
            await replica.server.close()
    assert 2 <= len(stored) <= 4.5 + 1  # two replicas, yet one computation per second's tick
    assert all(later - earlier > 0.5 for earlier, later in itertools.pairwise(stored))
    assert await _stored_rules(settings) == ["security.eval"]


def _count_stores(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When either replica stores newly computed priors, from now on."""
    stored: list[float] = []
    replace = priors.replace

    async def counted(database: Database, computed: Sequence[StoredPrior], computed_at: datetime) -> None:
        stored.append(asyncio.get_running_loop().time())
        await replace(database, computed, computed_at)

    monkeypatch.setattr(priors, "replace", counted)
    return stored


async def _stored_rules(settings: Settings) -> list[str]:
    database = Database(settings.database_url)
    try:
        return [prior.rule for prior in await priors.latest(database)]
    finally:
        await database.dispose()


async def test_collective_priors_count_installed_repositories_only(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    await install(fake_github, toasty, "octo/demo")
    await feedback.append(toasty.database, votes("never/installed", "-1"))
    computed = await toasty.app[SERVICES].learning.refresh_priors()
    assert "security.eval" not in computed.rules or computed.rules["security.eval"].negative == 0
    await feedback.append(toasty.database, votes("octo/demo", "+1"))
    prior = (await toasty.app[SERVICES].learning.refresh_priors()).rules["security.eval"]
    assert (prior.repositories, prior.negative, prior.positive > 0) == (1, 0, True)
