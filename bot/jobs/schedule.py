"""Timed work: polling reactions, refreshing the collective priors, forgetting old finished deliveries.

Each runs once across replicas: where replicas share the database (PostgreSQL) as procrastinate's periodic tasks,
where one process owns it (SQLite) on apscheduler in the server's event loop. Either way every process reads the
collective priors the last refresh stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.context import Services
from bot.jobs.reactions import poll_reactions
from bot.jobs.taskqueue import PeriodicWork
from bot.logs import log_context
from bot.store import deliveries
from bot.store.models import utcnow

log = logging.getLogger(__name__)
PRIORS_EVERY = timedelta(hours=1)
PRUNE_EVERY = timedelta(hours=6)
FIRST_PRUNE = timedelta(seconds=30)


def periodic_work(services: Services) -> list[PeriodicWork]:
    """The reaction poll every TOASTY_POLL_MINUTES, the collective priors hourly, old deliveries every six hours."""
    return [
        PeriodicWork("poll-reactions", timedelta(minutes=services.settings.poll_minutes), partial(poll_once, services)),
        PeriodicWork("collective-priors", PRIORS_EVERY, partial(refresh_priors_once, services)),
        PeriodicWork("prune-deliveries", PRUNE_EVERY, partial(prune_once, services), first=FIRST_PRUNE),
    ]


def in_process_scheduler(work: Sequence[PeriodicWork]) -> AsyncIOScheduler:
    """The periodic work in this process's event loop (the only process, on SQLite); a run still going when the
    next is due is skipped."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for each in work:
        scheduler.add_job(
            each.run,
            "interval",
            seconds=each.every.total_seconds(),
            id=each.name,
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow() + (each.first or each.every),
        )
    return scheduler


async def poll_once(services: Services) -> None:
    """One reaction poll; its failure is logged, and the next interval tries again."""
    with log_context(job="poll-reactions"):
        try:
            await poll_reactions(services)
        except Exception:  # the scheduler must keep running
            log.exception("reaction poll failed")


async def prune_once(services: Services) -> None:
    """Forget the finished deliveries GitHub can no longer redeliver."""
    with log_context(job="prune-deliveries"):
        try:
            removed = await deliveries.prune(services.database)
        except Exception:
            log.exception("pruning old deliveries failed")
            return
        if removed:
            log.info("forgot %d finished deliveries GitHub can no longer redeliver", removed)


async def refresh_priors_once(services: Services) -> None:
    """Recompute the collective priors and store them for every process."""
    with log_context(job="collective-priors"):
        try:
            await services.learning.refresh_priors()
        except Exception:
            log.exception("refreshing the collective priors failed")
