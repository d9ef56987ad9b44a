"""The jobs behind every recorded delivery: rebuild the event and dispatch it, or close what a given-up one left."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gidgethub import sansio

from bot.context import Job, Services, delivery_context
from bot.github.webhooks import envelope
from bot.grading import abandon_gradings
from bot.handlers import router
from bot.store.deliveries import PendingDelivery


async def process_delivery(services: Services, delivery: PendingDelivery) -> None:
    """Dispatch one recorded delivery, in its context, to every handler registered for its event and action."""
    data = json.loads(delivery.payload)
    event = sansio.Event(data, event=delivery.event, delivery_id=delivery.id)
    context = await delivery_context(services, Job(delivery.id, delivery.attempt), envelope(data))
    await router.dispatch(event, services=services, context=context)


async def abandon_delivery(services: Services, delivery: PendingDelivery, reason: str) -> None:
    """The runner gave the delivery up: no check run it opened may stay in progress."""
    await abandon_gradings(services, delivery.id, reason)


def pull_request_lock(event: str, data: Mapping[str, Any]) -> str | None:
    """The pull request a delivery is about, as a lock key, so its deliveries run one at a time in order; None when
    it names none or several (a check suite on a commit shared by pull requests: the grading's own lock holds)."""
    repository = data.get("repository")
    full_name = repository.get("full_name") if isinstance(repository, Mapping) else None
    numbers = _pull_numbers(event, data)
    if not isinstance(full_name, str) or len(numbers) != 1:
        return None
    return f"pull:{full_name}#{numbers[0]}"


def _pull_numbers(event: str, data: Mapping[str, Any]) -> list[int]:
    if event in ("check_suite", "check_run"):
        container = data.get(event)
        pulls = container.get("pull_requests") if isinstance(container, Mapping) else None
        return [p["number"] for p in pulls or [] if isinstance(p, Mapping) and isinstance(p.get("number"), int)]
    holder = data.get("issue") if event == "issue_comment" else data.get("pull_request")
    number = holder.get("number") if isinstance(holder, Mapping) else None
    return [number] if isinstance(number, int) else []
