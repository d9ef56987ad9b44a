"""A gidgethub Router that also knows which (event, action) pairs it handles, so the webhook can ignore the rest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from gidgethub.routing import Router

Handler = Callable[..., Awaitable[None]]


class Routes:
    """One concern's handlers: a gidgethub Router plus the set of events it answers."""

    def __init__(self) -> None:
        self.router = Router()
        self.handled: set[tuple[str, str]] = set()

    def on(self, event: str, *actions: str) -> Callable[[Handler], Handler]:
        """Register a handler for an event and some of its actions."""

        def register(handler: Handler) -> Handler:
            for action in actions:
                self.router.add(handler, event, action=action)
                self.handled.add((event, action))
            return handler

        return register


def compose(*routes: Routes) -> tuple[Router, frozenset[tuple[str, str]]]:
    """Every concern's router in one, and the union of what they handle."""
    handled: set[tuple[str, str]] = set()
    for item in routes:
        handled |= item.handled
    return Router(*(item.router for item in routes)), frozenset(handled)


def payload(event: Any) -> dict[str, Any]:
    """The event's JSON body (gidgethub types it loosely)."""
    data: dict[str, Any] = event.data
    return data
