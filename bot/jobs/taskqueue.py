"""Deliveries on procrastinate, the PostgreSQL task queue: any worker of any replica takes any delivery.

- The delivery's job is deferred in the transaction that records the delivery (procrastinate's own versioned SQL
  function, on the App's connection), so nothing acknowledged is without its job and nothing queued without its
  record; the deliveries table stays the redelivery ledger and the attempt counter.
- Jobs of one pull request carry its lock: procrastinate runs them one at a time, in the order they arrived.
- Each attempt goes through the same `Attempts` as the in-process runner; a retry the policy asks for becomes a
  retried job due when GitHub said.
- Workers send heartbeats; a periodic task gives the jobs of a worker whose heartbeat stopped (killed, its node
  gone) back to the queue, so a live worker takes them within a minute.
- The reaction poll, the collective priors' refresh and the retention of old deliveries are periodic tasks,
  deferred once per tick across every replica (procrastinate records each tick once), never two runs at once.

The workers have their own small psycopg pool; the App's own connections (asyncpg, through SQLAlchemy) are not
shared with them, so a busy queue cannot slow acknowledgements down. Its connections run each statement as its own
transaction and commit without waiting for the disk (see `_queue_pool`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from psycopg import AsyncConnection as QueueConnection
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.jobs.attempts import Attempts
from bot.metrics import Metrics
from bot.store import deliveries
from bot.store.deliveries import NewDelivery

log = logging.getLogger(__name__)

QUEUE = "deliveries"
TASK = "process_delivery"
HEARTBEAT_SECONDS = 5.0
STALLED_AFTER_SECONDS = 20.0
"""A worker silent this long is taken for dead; its jobs go back to the queue (recovery well within a minute)."""
STALLED_CHECK_CRON = "* * * * * */10"
"""Every ten seconds (procrastinate's cron takes a sixth field for seconds)."""
POLL_FALLBACK = 1.0
"""Seconds between looks for due jobs when no notification came: a retry whose time has come, or the next job of a
pull request whose previous one just finished (procrastinate notifies only insertions). One indexed query."""
PERIODIC_CATCH_UP = 5.0
"""A worker starting runs a periodic tick only this late (a restart does not repeat an hour-old poll at once);
procrastinate needs a little, to take the very tick it woke up for."""
MEASURE_EVERY = 1.0
"""Seconds between two measurements of the queue for /metrics (Prometheus scrapes every 15 s or so)."""
STOP_GRACE = 10.0
"""A stop lets running jobs finish this long; the rest are cut short and handed back to the queue."""
WORKER_POOL = 4
"""psycopg connections per worker process: fetching, finishing and heartbeats share them."""
IDLE_BEFORE_CHECK = 10.0
"""Seconds a queue connection may rest before it is checked on its next use (a server may drop idle ones); one in
steady use is not (psycopg's pool would check it on every use, a round trip per statement)."""

_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY("
    "  SELECT ROW(:queue, :task, 0, job.lock, NULL, jsonb_build_object('delivery_id', job.id), NULL)"
    "::procrastinate_job_to_defer_v1"
    "  FROM unnest(CAST(:ids AS text[]), CAST(:locks AS text[])) AS job(id, lock))))"
)
_RUN_NOW = text(
    "UPDATE procrastinate_jobs SET scheduled_at = now() "
    "WHERE task_name = :task AND status = 'todo' AND args->>'delivery_id' = :id RETURNING id"
)
_WAITING = text(
    "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task AND status = 'todo' "
    "AND (scheduled_at IS NULL OR scheduled_at <= now())"
)
_UNDONE = text(
    "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task AND (status = 'doing' "
    "OR (status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())))"
)
_OLDEST = text(
    "SELECT extract(epoch FROM now() - min(e.at)) FROM procrastinate_jobs j JOIN procrastinate_events e "
    "ON e.job_id = j.id AND e.type = 'deferred' WHERE j.task_name = :task AND j.status = 'todo' "
    "AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())"
)


class RetryAt(Exception):
    """The retry policy asked for another attempt at `when`."""

    def __init__(self, when: datetime) -> None:
        super().__init__(f"retry at {when.isoformat()}")
        self.when = when


class _PolicyRetry(BaseRetryStrategy):
    """procrastinate retries exactly what Toasty's retry policy asked for, at the time it asked; nothing else."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        return RetryDecision(retry_at=exception.when) if isinstance(exception, RetryAt) else None


@dataclass(frozen=True, slots=True)
class PeriodicWork:
    """Work on a timer that must run once across replicas: a periodic task here, an interval in one process."""

    name: str
    every: timedelta
    run: Callable[[], Awaitable[None]]
    first: timedelta | None = None
    """In one process: how long after start it first runs (default: one interval). procrastinate keeps to `cron`."""

    @property
    def cron(self) -> str:
        """The same interval as procrastinate's cron takes it."""
        return cron_every(self.every.total_seconds() / 60)


class TaskQueue:
    """The deliveries' queue on procrastinate, with the interface of the in-process runner."""

    def __init__(
        self,
        attempts: Attempts,
        conninfo: str,
        periodic: Sequence[PeriodicWork],
        *,
        concurrency: int = 4,
        metrics: Metrics | None = None,
    ) -> None:
        self.database = attempts.database
        self.attempts = attempts
        self.concurrency = concurrency
        self.metrics = metrics
        self.pool = _queue_pool(conninfo)
        self.app = App(connector=PsycopgConnector(), periodic_defaults={"max_delay": PERIODIC_CATCH_UP})
        self._worker: asyncio.Task[None] | None = None
        self._measured = -MEASURE_EVERY
        self._register()
        for work in periodic:
            self._register_periodic(work)

    def _register(self) -> None:
        app = self.app

        @app.task(name=TASK, queue=QUEUE, pass_context=True, retry=_PolicyRetry())
        async def process_delivery(context: JobContext, delivery_id: str) -> None:
            await self._process(context, delivery_id)

        @app.periodic(cron=STALLED_CHECK_CRON)
        @app.task(name="retry-stalled-jobs", queue="periodic", queueing_lock="retry-stalled-jobs")
        async def retry_stalled_jobs(timestamp: int) -> None:
            await self._retry_stalled()

    def _register_periodic(self, work: PeriodicWork) -> None:
        """Deferred once per tick across replicas, and never run twice at once (a slow run delays the next)."""

        async def run(timestamp: int) -> None:
            await work.run()

        task = self.app.task(name=work.name, queue="periodic", queueing_lock=work.name, lock=work.name)(run)
        self.app.periodic(cron=work.cron)(task)

    async def defer(self, connection: AsyncConnection, new: Sequence[NewDelivery]) -> None:
        """Queue the jobs of newly recorded deliveries in the transaction recording them."""
        if new:
            await connection.execute(
                _DEFER,
                {"queue": QUEUE, "task": TASK, "ids": [d.id for d in new], "locks": [d.lock for d in new]},
            )

    def accepted(self, delivery_id: str) -> None:
        """Nothing to do: the job committed with the record, and its insertion notified the workers."""

    async def run_now(self, delivery_id: str) -> None:
        """Make the delivery's waiting job due now (or queue one, if it has none)."""
        async with self.database.begin() as connection:
            moved = (await connection.execute(_RUN_NOW, {"task": TASK, "id": delivery_id})).first()
            if moved is None:
                await connection.execute(_DEFER, {"queue": QUEUE, "task": TASK, "ids": [delivery_id], "locks": [None]})

    async def start(self) -> int:
        """Start this process's workers; what other replicas left is already in the queue. Returns 0."""
        await self.pool.open(wait=True)
        await self.app.open_async(self.pool)
        self._worker = asyncio.create_task(
            self.app.run_worker_async(
                concurrency=self.concurrency,
                install_signal_handlers=False,
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_AFTER_SECONDS,
                fetch_job_polling_interval=POLL_FALLBACK,
                shutdown_graceful_timeout=STOP_GRACE,
                delete_jobs="successful",
            ),
            name="toasty-procrastinate-worker",
        )
        return 0

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop taking jobs; jobs still running after STOP_GRACE seconds are handed back to the queue."""
        if self._worker is None:
            return  # never started (the web role, or no credentials): nothing was opened
        self._worker.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(self._wait_worker()), timeout=grace + 5)
        except TimeoutError:
            log.warning("procrastinate's worker did not stop in time")
        self._worker = None
        await self.app.close_async()
        await self.pool.close()

    async def _wait_worker(self) -> None:
        if self._worker is not None:
            await asyncio.gather(self._worker, return_exceptions=True)

    async def drain(self) -> None:
        """Wait until no delivery job is due or running (retries scheduled later are not waited for)."""
        while await self._count(_UNDONE):
            await asyncio.sleep(0.02)

    async def measure(self) -> None:
        """Queue depth and the age of the oldest due job, across every replica: what the workers autoscale on.
        Measured at most once per MEASURE_EVERY, however often something scrapes."""
        now = time.monotonic()
        if self.metrics is None or now - self._measured < MEASURE_EVERY:
            return
        self._measured = now
        self.metrics.queue_depth.set(await self._count(_WAITING))
        async with self.database.autocommit() as connection:
            oldest = await connection.scalar(_OLDEST, {"task": TASK})
        self.metrics.queue_age.set(float(oldest or 0.0))

    async def _count(self, query: Any) -> int:
        async with self.database.autocommit() as connection:
            return int(await connection.scalar(query, {"task": TASK}) or 0)

    async def _process(self, context: JobContext, delivery_id: str) -> None:
        """One attempt at the delivery; a stop that cuts it short hands it back, uncounted, for another worker."""
        worker = f"procrastinate:{context.job.id}"
        delivery = await deliveries.take(self.database, delivery_id, worker)
        if delivery is None:
            return  # finished already (a job deferred twice, or the ledger says done)
        try:
            when = await self.attempts.run(delivery)
        except asyncio.CancelledError:
            await asyncio.shield(self._hand_back(delivery_id, context.job.lock))
            raise
        if when is not None:
            raise RetryAt(when)

    async def _hand_back(self, delivery_id: str, lock: str | None) -> None:
        """A job aborted at shutdown ends for procrastinate; its delivery gets a new job so it is not lost."""
        async with self.database.begin() as connection:
            await deliveries.hand_back(connection, delivery_id)
            await connection.execute(_DEFER, {"queue": QUEUE, "task": TASK, "ids": [delivery_id], "locks": [lock]})
        log.info("delivery %s cut short by the stop; queued again", delivery_id)

    async def _retry_stalled(self) -> None:
        """Jobs of workers whose heartbeat stopped go back to the queue, for a live worker to take."""
        manager = self.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS):
            await manager.retry_job(job)
            log.warning("job %s (%s) of a stalled worker is queued again", job.id, job.task_name)


def _queue_pool(conninfo: str) -> AsyncConnectionPool[QueueConnection]:
    """The workers' connections: each statement its own transaction (procrastinate's are single calls of its SQL
    functions; BEGIN and COMMIT would double the round trips), committed without waiting for the disk.

    Waiting for the disk buys nothing here: what a database crash could lose of the queue's own writes is taking a
    job, finishing it, or a periodic tick, and each is redone (the job found stalled or due again, the tick deferred
    again). The delivery's record and its job, and every effect a job records, commit on the App's connections,
    which wait for the disk, and a commit that waits makes durable every write before it."""
    rested: weakref.WeakKeyDictionary[QueueConnection, float] = weakref.WeakKeyDictionary()

    async def opened(connection: QueueConnection) -> None:
        await connection.set_autocommit(True)  # not a connection argument: procrastinate's LISTEN passes its own
        await connection.execute("SET synchronous_commit = off")  # for this connection's whole life

    async def returned(connection: QueueConnection) -> None:
        rested[connection] = time.monotonic()

    async def check_if_rested(connection: QueueConnection) -> None:
        if time.monotonic() - rested.get(connection, time.monotonic()) >= IDLE_BEFORE_CHECK:
            await connection.execute("")  # raises if the server dropped it; the pool then opens another

    return AsyncConnectionPool(
        conninfo,
        min_size=1,
        max_size=WORKER_POOL,
        configure=opened,
        check=check_if_rested,
        reset=returned,
        open=False,
    )


def cron_every(minutes: float) -> str:
    """A cron string for "every `minutes`", the shape procrastinate takes: seconds below a minute, whole minutes
    below an hour, whole hours below a day, else daily."""
    if minutes < 1:
        return f"* * * * * */{max(1, round(minutes * 60))}"
    if minutes < 60:
        return f"*/{round(minutes)} * * * *"
    if minutes < 24 * 60:
        return f"0 */{round(minutes / 60)} * * *"
    return "0 0 * * *"


def conninfo(database_url: str) -> str:
    """A libpq connection string from the App's SQLAlchemy URL (its driver name dropped)."""
    scheme, rest = database_url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"
