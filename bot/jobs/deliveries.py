"""The jobs behind every recorded delivery: rebuild the event and dispatch it, or close what a given-up one left."""

from __future__ import annotations

import json

from gidgethub import sansio

from bot.context import AppContext, Job
from bot.grading import abandon_gradings
from bot.handlers import router
from bot.store.deliveries import PendingDelivery


async def process_delivery(context: AppContext, delivery: PendingDelivery) -> None:
    """Dispatch one recorded delivery to every handler registered for its event and action."""
    event = sansio.Event(json.loads(delivery.payload), event=delivery.event, delivery_id=delivery.id)
    await router.dispatch(event, context=context, job=Job(delivery.id, delivery.attempt))


async def abandon_delivery(context: AppContext, delivery: PendingDelivery, reason: str) -> None:
    """The runner gave the delivery up: no check run it opened may stay in progress."""
    await abandon_gradings(context, delivery.id, reason)
