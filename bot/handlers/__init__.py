"""Every webhook the App acts on, composed in one place: one router per concern."""

from __future__ import annotations

from bot.handlers import checks, feedback, installations, pull_requests
from bot.handlers.routes import compose

router, HANDLED = compose(pull_requests.routes, checks.routes, installations.routes, feedback.routes)


def handles(event: str, action: str | None) -> bool:
    """Whether any handler acts on this event and action (everything else is acknowledged and ignored)."""
    return (event, action or "") in HANDLED
