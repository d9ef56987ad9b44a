"""Which queue runs the deliveries: procrastinate on PostgreSQL, the in-process runner on SQLite, one interface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.jobs.attempts import Attempts
from bot.jobs.runner import JobRunner
from bot.jobs.taskqueue import PeriodicWork, TaskQueue, conninfo
from bot.metrics import Metrics
from bot.store.deliveries import Deferral


class DeliveryQueue(Protocol):
    """What the web role and the tests need of a queue of deliveries."""

    @property
    def defer(self) -> Deferral | None:
        """Queues new deliveries' jobs inside the recording transaction (None: recording is queueing)."""

    def accepted(self, delivery_id: str) -> None:
        """A recorded delivery was acknowledged."""

    async def run_now(self, delivery_id: str) -> None:
        """Process a delivery now, whatever retry it waits for."""

    async def start(self) -> int:
        """Start this process's workers."""

    async def stop(self, grace: float = 10.0) -> None:
        """Stop them, handing back what they could not finish."""

    async def drain(self) -> None:
        """Wait until no delivery is due or being processed."""

    async def measure(self) -> None:
        """Bring the queue's gauges up to date (before a scrape)."""


def make_queue(
    attempts: Attempts,
    periodic: Sequence[PeriodicWork],
    *,
    concurrency: int,
    metrics: Metrics,
) -> DeliveryQueue:
    """procrastinate where replicas share the database (PostgreSQL); the in-process runner where one process owns it
    (SQLite). Both run the same attempts under the same retry policy; the periodic work is procrastinate's where it
    runs (the in-process scheduler's on SQLite)."""
    database = attempts.database
    if database.one_process:
        return JobRunner(attempts, concurrency=concurrency, metrics=metrics)
    return TaskQueue(attempts, conninfo(database.url), periodic, concurrency=concurrency, metrics=metrics)
