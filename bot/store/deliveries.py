"""Webhook deliveries: recorded before they are acknowledged, then claimed, finished or rescheduled by the runner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.models import Delivery, utcnow

UNFINISHED = ("queued", "processing", "retry")


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


async def record(database: Database, delivery: NewDelivery) -> bool:
    """Store a delivery; False when its id was seen before (a duplicate or a redelivery)."""
    try:
        async with database.session() as session:
            session.add(
                Delivery(
                    id=delivery.id,
                    event=delivery.event,
                    action=delivery.action,
                    installation_id=delivery.installation_id,
                    repository=delivery.repository,
                    payload=delivery.payload,
                    state=delivery.state,
                    received_at=utcnow(),
                )
            )
    except IntegrityError:
        return False
    return True


async def claim(database: Database, delivery_id: str) -> Delivery | None:
    """Mark an unfinished delivery as being processed (one more attempt); None if it is finished or unknown."""
    async with database.session() as session:
        claimed = await session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.state.in_(UNFINISHED))
            .values(state="processing", attempts=Delivery.attempts + 1, not_before=None)
            .returning(Delivery)
        )
        return claimed.scalar_one_or_none()


async def finish(database: Database, delivery_id: str, state: str, error: str | None = None) -> None:
    """Mark a delivery done, failed or ignored."""
    async with database.session() as session:
        await session.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(state=state, error=error, finished_at=utcnow())
        )


async def reschedule(database: Database, delivery_id: str, delay: timedelta, reason: str) -> datetime:
    """Put a delivery back in the queue for later (a rate limit, GitHub unavailable); returns when."""
    when = utcnow() + delay
    async with database.session() as session:
        await session.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(state="retry", not_before=when, error=reason)
        )
    return when


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
    """One delivery by id."""
    async with database.session() as session:
        return await session.get(Delivery, delivery_id)
