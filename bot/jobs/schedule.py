"""Timed work in the server's event loop (apscheduler): polling reactions, refreshing the collective priors."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.context import AppContext
from bot.jobs.reactions import poll_reactions
from bot.jobs.runner import JobRunner
from bot.logs import log_context
from bot.store.models import utcnow

log = logging.getLogger(__name__)
PRIORS_EVERY = timedelta(hours=1)


SWEEP_EVERY = timedelta(seconds=30)


def schedule_learning(context: AppContext, runner: JobRunner) -> AsyncIOScheduler:
    """The reaction poll every TOASTY_POLL_MINUTES (first run one interval after start), the priors hourly, and a
    sweep for deliveries nobody is working on (another replica crashed) every half minute."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        _sweep,
        "interval",
        args=[runner],
        seconds=SWEEP_EVERY.total_seconds(),
        id="sweep-deliveries",
        max_instances=1,
        coalesce=True,
        next_run_time=utcnow() + SWEEP_EVERY,
    )
    interval = timedelta(minutes=context.settings.poll_minutes)
    scheduler.add_job(
        _poll,
        "interval",
        args=[context],
        seconds=interval.total_seconds(),
        id="poll-reactions",
        max_instances=1,
        coalesce=True,
        next_run_time=utcnow() + interval,
    )
    scheduler.add_job(
        _refresh_priors,
        "interval",
        args=[context],
        seconds=PRIORS_EVERY.total_seconds(),
        id="collective-priors",
        max_instances=1,
        coalesce=True,
        next_run_time=utcnow() + PRIORS_EVERY,
    )
    return scheduler


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
