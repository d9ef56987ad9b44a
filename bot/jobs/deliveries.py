"""The job behind every recorded delivery: rebuild the event and dispatch it to the handlers."""

from __future__ import annotations

import json

from gidgethub import sansio

from bot.context import AppContext, Job
from bot.handlers import router
from bot.store.deliveries import PendingDelivery


async def process_delivery(context: AppContext, delivery: PendingDelivery, final: bool) -> None:
    """Dispatch one recorded delivery to every handler registered for its event and action."""
    event = sansio.Event(json.loads(delivery.payload), event=delivery.event, delivery_id=delivery.id)
    await router.dispatch(event, context=context, job=Job(delivery.id, delivery.attempts + 1, final))
