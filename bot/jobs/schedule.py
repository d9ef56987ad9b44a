"""Timed work: polling reactions, refreshing the collective priors, forgetting old finished deliveries.

Where one process owns the database (SQLite), apscheduler runs all of it in the server's event loop. Where replicas
share it (PostgreSQL), the poll and the retention are procrastinate's periodic tasks, run once across replicas; the
priors stay per process (each keeps its own copy in memory), refreshed by apscheduler in every process.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.context import Services
from bot.jobs.reactions import poll_reactions
from bot.jobs.taskqueue import ScheduledWork, cron_every
from bot.logs import log_context
from bot.store import deliveries
from bot.store.models import utcnow

log = logging.getLogger(__name__)
PRIORS_EVERY = timedelta(hours=1)
PRUNE_EVERY = timedelta(hours=6)
FIRST_PRUNE = timedelta(seconds=30)


def schedule_learning(context: Services, *, shared_work: bool) -> AsyncIOScheduler:
    """The priors hourly; with `shared_work` (no other replica), also the reaction poll every TOASTY_POLL_MINUTES
    (first run one interval after start) and old deliveries pruned."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    _every(scheduler, PRIORS_EVERY, _refresh_priors, context, name="collective-priors")
    if shared_work:
        _every(scheduler, timedelta(minutes=context.settings.poll_minutes), poll_once, context, name="poll-reactions")
        _every(scheduler, PRUNE_EVERY, prune_once, context, name="prune-deliveries", first=FIRST_PRUNE)
    return scheduler


def scheduled_work(context: Services) -> ScheduledWork:
    """The same poll and retention, for the queue that runs them once across replicas."""
    return ScheduledWork(
        poll_reactions=partial(poll_once, context),
        poll_cron=cron_every(context.settings.poll_minutes),
        prune=partial(prune_once, context),
    )


def _every(
    scheduler: AsyncIOScheduler,
    interval: timedelta,
    job: Callable[[Any], Awaitable[None]],
    arg: object,
    name: str,
    *,
    first: timedelta | None = None,
) -> None:
    """Run `job(arg)` every interval, first after `first` (default one interval); a run still going when the next
    is due is skipped."""
    scheduler.add_job(
        job,
        "interval",
        args=[arg],
        seconds=interval.total_seconds(),
        id=name,
        max_instances=1,
        coalesce=True,
        next_run_time=utcnow() + (first or interval),
    )


async def poll_once(context: Services) -> None:
    """One reaction poll; its failure is logged, and the next interval tries again."""
    with log_context(job="poll-reactions"):
        try:
            await poll_reactions(context)
        except Exception:  # the scheduler must keep running
            log.exception("reaction poll failed")


async def prune_once(context: Services) -> None:
    """Forget the finished deliveries GitHub can no longer redeliver."""
    with log_context(job="prune-deliveries"):
        try:
            removed = await deliveries.prune(context.database)
        except Exception:
            log.exception("pruning old deliveries failed")
            return
        if removed:
            log.info("forgot %d finished deliveries GitHub can no longer redeliver", removed)


async def _refresh_priors(context: Services) -> None:
    with log_context(job="collective-priors"):
        try:
            await context.learning.refresh_priors()
        except Exception:
            log.exception("refreshing the collective priors failed")
