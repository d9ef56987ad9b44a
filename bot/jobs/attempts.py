"""One attempt at a recorded delivery under the retry policy: the part every runner shares.

A runner claims the delivery, hands it here, and learns when to try again (or that it is finished: done, or given
up with its check run closed). How the retry is scheduled is the runner's business: a timer in the in-process
runner, a retried job on procrastinate.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.jobs.retry import MAX_FAILURES, Budget, GiveUp, decide
from bot.metrics import Metrics
from bot.store import deliveries
from bot.store.db import Database
from bot.store.deliveries import PendingDelivery

log = logging.getLogger(__name__)

Work = Callable[[PendingDelivery], Awaitable[None]]
GiveUpHook = Callable[[PendingDelivery, str], Awaitable[None]]
"""Told when a delivery is given up, with why: what it leaves on GitHub (a check run in progress) is closed."""


@dataclass
class Attempts:
    """Runs the job for a claimed delivery and records the outcome the retry policy gives."""

    database: Database
    work: Work
    give_up: GiveUpHook | None = None
    metrics: Metrics | None = None

    async def run(self, delivery: PendingDelivery) -> datetime | None:
        """One attempt; when to try again, or None when the delivery is finished (done or given up)."""
        if delivery.failures >= MAX_FAILURES:  # every attempt so far ended in a crash: this one may cause them
            await self._abandon(delivery, f"interrupted {delivery.failures} times without finishing")
            return None
        try:
            await self.work(delivery)
        except Exception as error:
            outcome = decide(error, Budget(delivery.failures, delivery.waits))
            if isinstance(outcome, GiveUp):
                log.exception("delivery %s (%s.%s) given up", delivery.id, delivery.event, delivery.action)
                await self._abandon(delivery, outcome.reason)
                return None
            when = await deliveries.reschedule(
                self.database,
                delivery.id,
                timedelta(seconds=outcome.delay),
                outcome.reason,
                rate_limited=outcome.rate_limited,
            )
            log.warning("delivery %s rescheduled: %s", delivery.id, outcome.reason)
            self._count(delivery, "retry")
            return when
        await deliveries.finish(self.database, delivery.id, "done")
        self._count(delivery, "done")
        return None

    async def _abandon(self, delivery: PendingDelivery, reason: str) -> None:
        """Close what the delivery left open on GitHub, then record it failed with the reason."""
        if self.give_up is not None:
            try:
                await self.give_up(delivery, reason)
            except Exception:  # GitHub may be what keeps failing; the delivery's record keeps the reason
                log.exception("could not close what delivery %s left open", delivery.id)
        await deliveries.finish(self.database, delivery.id, "failed", reason)
        self._count(delivery, "failed")

    def _count(self, delivery: PendingDelivery, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.jobs.labels(delivery.event, outcome).inc()
