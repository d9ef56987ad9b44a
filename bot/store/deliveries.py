"""Webhook deliveries: recorded before they are acknowledged, then finished or rescheduled by the runner.

This is the App's hot path (every webhook, every job), so it uses plain SQL statements rather than ORM units of
work: one INSERT for the acknowledgements that arrive together, one UPDATE … RETURNING to claim, one UPDATE to
finish; a statement that stands alone commits by itself (one round trip on PostgreSQL, not three).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.db import Database, upsert_statements
from bot.store.models import Delivery, utcnow
from bot.store.turns import URGENT

UNFINISHED = ("queued", "processing", "retry")

# Built once: executing a prepared statement with parameters skips SQLAlchemy's per-call compilation work.
# ON CONFLICT DO NOTHING RETURNING: the ids that come back are the new ones, without an error to catch.
_RECORD = upsert_statements(
    lambda insert: insert(Delivery).on_conflict_do_nothing(index_elements=["id"]).returning(Delivery.id)
)
_CLAIMED = (
    Delivery.id,
    Delivery.event,
    Delivery.action,
    Delivery.installation_id,
    Delivery.repository,
    Delivery.payload,
    Delivery.attempts,
    Delivery.waits,
)
_CLAIM = (
    update(Delivery)
    .where(
        Delivery.id == bindparam("delivery_id"),
        Delivery.state.in_(UNFINISHED),
        or_(Delivery.lease_until.is_(None), Delivery.lease_until < bindparam("now")),
    )
    .values(claimed_by=bindparam("replica"), lease_until=bindparam("until"), attempts=Delivery.attempts + 1)
    .returning(*_CLAIMED)
)
# The queue in charge (procrastinate) already runs each job once at a time: its claim needs no lease.
_TAKE = (
    update(Delivery)
    .where(Delivery.id == bindparam("delivery_id"), Delivery.state.in_(UNFINISHED))
    .values(claimed_by=bindparam("replica"), lease_until=None, attempts=Delivery.attempts + 1)
    .returning(*_CLAIMED)
)
_RESCHEDULE = (
    update(Delivery)
    .where(Delivery.id == bindparam("delivery_id"))
    .values(
        state=bindparam("new_state"),
        error=bindparam("reason"),
        finished_at=bindparam("finished"),
        not_before=bindparam("retry_at"),
        waits=Delivery.waits + bindparam("waited"),
        claimed_by=None,
        lease_until=None,
    )
)
# A finished delivery keeps its id (to recognise redeliveries) but not its body: bodies can quote source code.
_FINISH = _RESCHEDULE.values(payload="{}")
KEEP_FINISHED = timedelta(days=8)
"""Longer than GitHub lets anyone redeliver (3 days on github.com, 7 on Enterprise Server): duplicates stay known."""


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """What the webhook endpoint knows about a delivery when it arrives."""

    id: str
    event: str
    action: str | None
    installation_id: int | None
    repository: str | None
    payload: str
    state: str = "queued"
    lock: str | None = None
    """What its processing must not overlap with (its pull request), for a queue that serialises by key."""


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """A delivery to process: everything a job needs, which attempt this is, and how many ended in a wait."""

    id: str
    event: str
    action: str | None
    installation_id: int | None
    repository: str | None
    payload: str
    attempt: int = 1
    waits: int = 0

    @property
    def failures(self) -> int:
        """Attempts before this one that did not end in a rate-limit wait (failed, or cut short by a crash)."""
        return self.attempt - 1 - self.waits


async def _insert_new(connection: AsyncConnection, batch: Sequence[NewDelivery]) -> list[bool]:
    """Insert deliveries in one statement; for each, whether it was new (of one id repeated, only the first is)."""
    received = utcnow()
    result = await connection.execute(
        _RECORD[connection.dialect.name],
        [
            {
                "id": delivery.id,
                "event": delivery.event,
                "action": delivery.action,
                "installation_id": delivery.installation_id,
                "repository": delivery.repository,
                "payload": delivery.payload,
                "state": delivery.state,
                "attempts": 0,
                "received_at": received,
            }
            for delivery in batch
        ],
    )
    inserted = set(result.scalars())
    new = []
    for delivery in batch:
        new.append(delivery.id in inserted)
        inserted.discard(delivery.id)
    return new


Deferral = Callable[[AsyncConnection, Sequence[NewDelivery]], Awaitable[None]]


def _to_process(batch: Sequence[tuple[NewDelivery, asyncio.Future[bool]]], new: Sequence[bool]) -> list[NewDelivery]:
    """The deliveries of a batch that need a job: new ones Toasty acts on (not redeliveries, not ignored events)."""
    return [delivery for (delivery, _), is_new in zip(batch, new, strict=True) if is_new and delivery.state == "queued"]


class Recorder:
    """Records the deliveries that arrive while the database is busy together, in one transaction (group commit).

    Each waiter is answered only once its row is committed, so an acknowledgement still follows a durable record,
    and learns whether its id was new. One transaction for many acknowledgements leaves the connection to the
    jobs for longer and costs the event loop one round of awaits instead of one per delivery."""

    def __init__(self, database: Database, defer: Deferral | None = None) -> None:
        self.database = database
        self.defer = defer
        """Queues the jobs of the new deliveries in the transaction that records them: both commit, or neither."""
        self.pending: list[tuple[NewDelivery, asyncio.Future[bool]]] = []
        self.flushing: asyncio.Task[None] | None = None

    async def record(self, delivery: NewDelivery) -> bool:
        """Store a delivery with whatever else is waiting; False when its id was seen before."""
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.pending.append((delivery, answer))
        if self.flushing is None:
            self.flushing = asyncio.create_task(self._flush())
        return await answer

    async def _flush(self) -> None:
        try:
            while self.pending:
                await self._round()
        finally:
            self.flushing = None

    async def _round(self) -> None:
        """Insert everything pending once the turn comes (what arrived while waiting for it included)."""
        batch: list[tuple[NewDelivery, asyncio.Future[bool]]] = []
        try:
            async with self.database.begin(URGENT) as connection:
                batch, self.pending = self.pending, []
                new = await _insert_new(connection, [delivery for delivery, _ in batch])
                if self.defer is not None:
                    await self.defer(connection, _to_process(batch, new))
        except Exception as error:  # the shared statement failed: one member the database refuses fails them all
            if not batch:  # failed before the batch was taken: it is this round's all the same
                batch, self.pending = self.pending, []
            if len(batch) == 1:
                _answer_error(batch[0][1], error)
                return
            await self._one_by_one(batch)
            return
        for (_, answer), is_new in zip(batch, new, strict=True):
            if not answer.done():  # a cancelled waiter's row is recorded all the same
                answer.set_result(is_new)

    async def _one_by_one(self, batch: list[tuple[NewDelivery, asyncio.Future[bool]]]) -> None:
        """Record each member of a failed round alone, so only the one the database refuses is refused."""
        for delivery, answer in batch:
            try:
                async with self.database.begin(URGENT) as connection:
                    (is_new,) = await _insert_new(connection, [delivery])
                    if self.defer is not None:  # its job commits with its record, as in a whole round
                        await self.defer(connection, _to_process([(delivery, answer)], [is_new]))
            except Exception as error:  # this delivery's own error, for its own waiter
                _answer_error(answer, error)
            else:
                if not answer.done():
                    answer.set_result(is_new)


def _answer_error(answer: asyncio.Future[bool], error: BaseException) -> None:
    if not answer.done():
        answer.set_exception(error)


async def claim(database: Database, delivery_id: str, replica: str, lease: timedelta) -> PendingDelivery | None:
    """Take an unfinished delivery for this replica until the lease ends, counting the attempt; None when finished
    or held elsewhere.

    The conditional UPDATE is atomic in SQLite and PostgreSQL alike, so of several replicas only one wins."""
    now = utcnow()
    async with database.autocommit() as connection:
        row = (
            await connection.execute(
                _CLAIM, {"delivery_id": delivery_id, "now": now, "replica": replica, "until": now + lease}
            )
        ).first()
    return _pending(row)


async def take(database: Database, delivery_id: str, worker: str) -> PendingDelivery | None:
    """Take an unfinished delivery for a job the queue runs once at a time (no lease), counting the attempt; None
    when it is finished."""
    async with database.autocommit() as connection:
        row = (await connection.execute(_TAKE, {"delivery_id": delivery_id, "replica": worker})).first()
    return _pending(row)


async def hand_back(connection: AsyncConnection, delivery_id: str) -> None:
    """The attempt was cut short by a stop, not by the delivery: uncount it and free the claim (in the caller's
    transaction, which queues its job again)."""
    await connection.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.state.in_(UNFINISHED))
        .values(claimed_by=None, lease_until=None, attempts=Delivery.attempts - 1)
    )


def _pending(row: Row[*tuple[Any, ...]] | None) -> PendingDelivery | None:
    if row is None:
        return None
    return PendingDelivery(
        row.id, row.event, row.action, row.installation_id, row.repository, row.payload, row.attempts, row.waits
    )


async def finish(database: Database, delivery_id: str, state: str, error: str | None = None) -> None:
    """Mark a delivery done, failed or ignored and drop its body."""
    async with database.autocommit() as connection:
        await connection.execute(
            _FINISH,
            {
                "delivery_id": delivery_id,
                "new_state": state,
                "reason": error,
                "finished": utcnow(),
                "retry_at": None,
                "waited": 0,
            },
        )


async def release(database: Database, replica: str) -> int:
    """Give up this replica's claims (it is stopping), so a restart resumes them now, not when the lease ends; the
    attempts it cut short are not counted against the deliveries."""
    async with database.begin() as connection:
        result = await connection.execute(
            update(Delivery)
            .where(Delivery.claimed_by == replica, Delivery.state.in_(UNFINISHED))
            .values(claimed_by=None, lease_until=None, attempts=Delivery.attempts - 1)
        )
    return result.rowcount


async def release_all(database: Database) -> int:
    """Free every claim, whoever made it: for a database only one process serves (SQLite), where a claim found at
    start was left by a process that is gone. The attempt a crash cut short stays counted."""
    async with database.begin() as connection:
        result = await connection.execute(
            update(Delivery)
            .where(Delivery.claimed_by.is_not(None), Delivery.state.in_(UNFINISHED))
            .values(claimed_by=None, lease_until=None)
        )
    return result.rowcount


async def reschedule(
    database: Database, delivery_id: str, delay: timedelta, reason: str, *, rate_limited: bool
) -> datetime:
    """Put a delivery back for later (a rate limit, GitHub unavailable), counting a rate-limit wait as one. Returns
    when it is due."""
    when = utcnow() + delay
    async with database.autocommit() as connection:
        await connection.execute(
            _RESCHEDULE,
            {
                "delivery_id": delivery_id,
                "new_state": "retry",
                "reason": reason,
                "finished": None,
                "retry_at": when,
                "waited": int(rate_limited),
            },
        )
    return when


async def prune(database: Database, now: datetime | None = None) -> int:
    """Forget finished deliveries older than KEEP_FINISHED (GitHub can no longer redeliver them); how many."""
    cutoff = (now or utcnow()) - KEEP_FINISHED
    async with database.begin() as connection:
        result = await connection.execute(
            delete(Delivery).where(Delivery.state.not_in(UNFINISHED), Delivery.received_at < cutoff)
        )
    return result.rowcount


async def unfinished(database: Database) -> list[tuple[str, datetime | None]]:
    """Deliveries a previous run left queued, in progress or waiting: (id, not before), oldest first."""
    async with database.session() as session:
        rows = await session.execute(
            select(Delivery.id, Delivery.not_before)
            .where(Delivery.state.in_(UNFINISHED))
            .order_by(Delivery.received_at)
        )
        return [(row.id, row.not_before) for row in rows]


async def get(database: Database, delivery_id: str) -> Delivery | None:
    """One delivery by id (any state)."""
    async with database.session() as session:
        return await session.get(Delivery, delivery_id)
