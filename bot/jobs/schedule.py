"""Timed work in the server's event loop (apscheduler): polling reactions, refreshing the collective priors,
resubmitting forgotten deliveries and forgetting old finished ones."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.context import AppContext
from bot.jobs.reactions import poll_reactions
from bot.jobs.runner import JobRunner
from bot.logs import log_context
from bot.store import deliveries
from bot.store.models import utcnow

log = logging.getLogger(__name__)
PRIORS_EVERY = timedelta(hours=1)
SWEEP_EVERY = timedelta(seconds=30)
PRUNE_EVERY = timedelta(hours=6)


def schedule_learning(context: AppContext, runner: JobRunner) -> AsyncIOScheduler:
    """The reaction poll every TOASTY_POLL_MINUTES (first run one interval after start), the priors hourly, a sweep
    for deliveries nobody is working on (another replica crashed) every half minute, and old deliveries pruned."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    _every(scheduler, SWEEP_EVERY, _sweep, runner, name="sweep-deliveries")
    _every(scheduler, timedelta(minutes=context.settings.poll_minutes), _poll, context, name="poll-reactions")
    _every(scheduler, PRIORS_EVERY, _refresh_priors, context, name="collective-priors")
    _every(scheduler, PRUNE_EVERY, _prune, context, name="prune-deliveries", first=SWEEP_EVERY)  # short-lived pods
    return scheduler


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


async def _poll(context: AppContext) -> None:
    with log_context(job="poll-reactions"):
        try:
            async with context.database.exclusive("poll-reactions") as held:
                if held:  # another replica is polling: two would log the same reactions twice
                    await poll_reactions(context)
        except Exception:  # the next interval tries again; the scheduler must keep running
            log.exception("reaction poll failed")


async def _refresh_priors(context: AppContext) -> None:
    with log_context(job="collective-priors"):
        try:
            await context.learning.refresh_priors()
        except Exception:
            log.exception("refreshing the collective priors failed")


async def _sweep(runner: JobRunner) -> None:
    with log_context(job="sweep-deliveries"):
        try:
            found = await runner.sweep()
        except Exception:
            log.exception("sweeping deliveries failed")
            return
        if found:
            log.info("resubmitted %d deliveries nobody was working on", found)


async def _prune(context: AppContext) -> None:
    with log_context(job="prune-deliveries"):
        try:
            removed = await deliveries.prune(context.database)
        except Exception:
            log.exception("pruning old deliveries failed")
            return
        if removed:
            log.info("forgot %d finished deliveries GitHub can no longer redeliver", removed)
