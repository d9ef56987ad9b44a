"""An in-process job runner over the deliveries table: bounded concurrency, nothing lost across restarts.

Jobs are plain async functions of one recorded delivery, so a distributed task queue on the same database can
replace this runner without touching them. A delivery left unfinished by a crash, queued, or waiting to be retried
is picked up again when the runner starts (at once on SQLite, which no other process serves). What a failed attempt
leads to is decided by the retry policy (`bot.jobs.retry`), applied here and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from datetime import datetime, timedelta

from bot.jobs.attempts import Attempts
from bot.metrics import Metrics
from bot.store import deliveries
from bot.store.models import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)
"""How long a replica's claim on a delivery lasts; a grading takes seconds, a crash leaves it to others after this."""


class JobRunner:
    """Workers taking delivery ids from a queue; retries are scheduled on the event loop's clock."""

    def __init__(
        self,
        attempts: Attempts,
        *,
        concurrency: int = 4,
        replica: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.database = attempts.database
        self.attempts = attempts
        self.concurrency = concurrency
        self.replica = replica or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.metrics = metrics
        self.waiting_since: dict[str, float] = {}
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.workers: list[asyncio.Task[None]] = []
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.in_flight: set[str] = set()
        self.running = 0

    async def start(self) -> int:
        """Start the workers and requeue what a previous run left unfinished; returns how many."""
        if self.database.one_process:
            orphaned = await deliveries.release_all(self.database)  # no other process holds them: a crash left them
            if orphaned:
                log.info("took back %d deliveries a previous run of this process was working on", orphaned)
        pending = await deliveries.unfinished(self.database)
        for delivery_id, not_before in pending:
            self.schedule(delivery_id, not_before)
        self.workers = [asyncio.create_task(self._worker(), name=f"toasty-worker-{i}") for i in range(self.concurrency)]
        if pending:
            log.info("resuming %d unfinished deliveries", len(pending))
        return len(pending)

    defer = None
    """The deliveries table is this runner's queue: recording a delivery is queueing it."""

    def accepted(self, delivery_id: str) -> None:
        """A recorded delivery was acknowledged: process it now."""
        self.submit(delivery_id)

    async def run_now(self, delivery_id: str) -> None:
        """Process a delivery now, whatever retry it waits for."""
        self.submit(delivery_id)

    async def measure(self) -> None:
        """The queue gauges are kept as work comes and goes."""

    def submit(self, delivery_id: str) -> None:
        """Queue a recorded delivery for processing now."""
        self._cancel_timer(delivery_id)
        self.waiting_since.setdefault(delivery_id, time.monotonic())
        self.queue.put_nowait(delivery_id)
        self._gauge()

    def _gauge(self) -> None:
        if self.metrics is not None:
            self.metrics.queue_depth.set(self.queue.qsize())
            oldest = next(iter(self.waiting_since.values()), None)  # entries are added in time order
            self.metrics.queue_age.set(time.monotonic() - oldest if oldest is not None else 0.0)

    def schedule(self, delivery_id: str, when: datetime | None) -> None:
        """Queue a delivery at a given time (now when None or past)."""
        delay = (when - utcnow()).total_seconds() if when is not None else 0.0
        if delay <= 0:
            self.submit(delivery_id)
        else:
            self._cancel_timer(delivery_id)
            self.timers[delivery_id] = asyncio.get_running_loop().call_later(delay, self.submit, delivery_id)

    def _cancel_timer(self, delivery_id: str) -> None:
        timer = self.timers.pop(delivery_id, None)
        if timer is not None:
            timer.cancel()  # harmless when it is the timer now firing

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
        try:
            released = await deliveries.release(self.database, self.replica)
        except Exception:  # the database is gone too: the leases lapse on their own, and shutdown goes on
            log.exception("could not release this replica's deliveries; they resume when their leases end")
            return
        if released:
            log.info("released %d deliveries cut short by the stop; the next start resumes them", released)

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
        self.waiting_since.pop(delivery_id, None)
        self._gauge()
        if delivery_id in self.in_flight:
            return  # submitted twice (a retry timer and a run-now); one run is enough
        self.in_flight.add(delivery_id)
        try:
            delivery = await deliveries.claim(self.database, delivery_id, self.replica, LEASE)
            if delivery is not None:  # None: finished already, or another replica holds it
                when = await self.attempts.run(delivery)
                if when is not None:
                    self.schedule(delivery_id, when)
        finally:
            self.in_flight.discard(delivery_id)
