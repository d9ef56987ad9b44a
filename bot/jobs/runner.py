"""An in-process job runner over the deliveries table: bounded concurrency, nothing lost across restarts.

Jobs are plain async functions of one recorded delivery, so a distributed task queue on the same database can
replace this runner without touching them. A delivery left `processing` by a crash, `queued`, or waiting to be
retried is picked up again when the runner starts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.github.client import RetryLater
from bot.store import deliveries
from bot.store.db import Database
from bot.store.deliveries import PendingDelivery
from bot.store.models import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
"""Attempts at a delivery that keeps failing; the last one is told it is the last."""
MAX_RESCHEDULES = 20
"""Rate-limit waits are not failures, but a delivery rescheduled this often is given up."""

Work = Callable[[PendingDelivery, bool], Awaitable[None]]


class JobRunner:
    """Workers taking delivery ids from a queue; retries are scheduled on the event loop's clock."""

    def __init__(self, database: Database, work: Work, concurrency: int = 4) -> None:
        self.database = database
        self.work = work
        self.concurrency = concurrency
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.workers: list[asyncio.Task[None]] = []
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.in_flight: set[str] = set()
        self.running = 0

    async def start(self) -> int:
        """Start the workers and requeue what a previous run left unfinished; returns how many."""
        pending = await deliveries.unfinished(self.database)
        for delivery_id, not_before in pending:
            self.schedule(delivery_id, not_before)
        self.workers = [asyncio.create_task(self._worker(), name=f"toasty-worker-{i}") for i in range(self.concurrency)]
        if pending:
            log.info("resuming %d unfinished deliveries", len(pending))
        return len(pending)

    def submit(self, delivery_id: str) -> None:
        """Queue a recorded delivery for processing now."""
        self.timers.pop(delivery_id, None)
        self.queue.put_nowait(delivery_id)

    def schedule(self, delivery_id: str, when: datetime | None) -> None:
        """Queue a delivery at a given time (now when None or past)."""
        delay = (when - utcnow()).total_seconds() if when is not None else 0.0
        if delay <= 0:
            self.submit(delivery_id)
        else:
            self.timers[delivery_id] = asyncio.get_running_loop().call_later(delay, self.submit, delivery_id)

    @property
    def depth(self) -> int:
        """Deliveries waiting for a worker (scheduled retries not included)."""
        return self.queue.qsize()

    async def drain(self) -> None:
        """Wait until every queued delivery has been processed (scheduled retries are not waited for)."""
        await self.queue.join()

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking work; jobs still running after `grace` seconds are cancelled and resumed at next start."""
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        if self.running:
            await asyncio.wait([asyncio.create_task(self._idle())], timeout=grace)
        for worker in self.workers:
            worker.cancel()
        await asyncio.gather(*self.workers, return_exceptions=True)
        self.workers = []

    async def _idle(self) -> None:
        while self.running:
            await asyncio.sleep(0.05)

    async def _worker(self) -> None:
        while True:
            delivery_id = await self.queue.get()
            self.running += 1
            try:
                await self._run(delivery_id)
            except Exception:  # a bug in the runner's own bookkeeping must not kill the worker
                log.exception("runner failed on delivery %s", delivery_id)
            finally:
                self.running -= 1
                self.queue.task_done()

    async def _run(self, delivery_id: str) -> None:
        if delivery_id in self.in_flight:
            return  # submitted twice (a retry timer and a restart); one run is enough
        self.in_flight.add(delivery_id)
        try:
            delivery = await deliveries.load(self.database, delivery_id)
            if delivery is not None:  # None: finished already
                await self._attempt(delivery)
        finally:
            self.in_flight.discard(delivery_id)

    async def _attempt(self, delivery: PendingDelivery) -> None:
        delivery_id = delivery.id
        final = delivery.attempts + 1 >= MAX_ATTEMPTS
        try:
            await self.work(delivery, final)
        except RetryLater as wait:
            if delivery.attempts + 1 >= MAX_RESCHEDULES:
                await deliveries.finish(self.database, delivery_id, "failed", f"gave up: {wait}")
                return
            when = await deliveries.reschedule(self.database, delivery_id, _delay(wait.seconds), str(wait))
            log.warning("delivery %s rescheduled: %s", delivery_id, wait)
            self.schedule(delivery_id, when)
        except Exception as error:
            log.exception("delivery %s (%s.%s) failed", delivery_id, delivery.event, delivery.action)
            await deliveries.finish(self.database, delivery_id, "failed", f"{type(error).__name__}: {error}"[:4000])
        else:
            await deliveries.finish(self.database, delivery_id, "done")


def _delay(seconds: float) -> timedelta:
    return timedelta(seconds=max(1.0, seconds))
