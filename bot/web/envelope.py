"""What a webhook delivery must look like before it is recorded: every stored field validated and bounded here.

One delivery the database would refuse must not reach the group commit, where it shares a statement with others.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from bot.github.webhooks import Envelope, EventName, envelope
from bot.store.deliveries import NewDelivery
from bot.web.errors import problems

DELIVERY_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
"""X-GitHub-Delivery is a GUID; anything printable and short is kept as given."""


class _Headers(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event: EventName
    delivery: Annotated[StrictStr, Field(pattern=DELIVERY_ID)]


class BadDelivery(ValueError):
    """A delivery that cannot be recorded as it is; the message says why (it is the 400's answer)."""


def check_headers(event: str | None, delivery_id: str | None) -> tuple[str, str]:
    """X-GitHub-Event and X-GitHub-Delivery, validated."""
    if not event or not delivery_id:
        raise BadDelivery("missing X-GitHub-Event or X-GitHub-Delivery")
    try:
        headers = _Headers(event=event, delivery=delivery_id)
    except ValidationError as error:
        raise BadDelivery(_why(error, {"event": "X-GitHub-Event", "delivery": "X-GitHub-Delivery"})) from None
    return headers.event, headers.delivery


def validate_payload(data: dict[str, Any]) -> Envelope:
    """The shared fields of a parsed body, validated: those recorded beside it and those its handlers read."""
    try:
        return envelope(data)
    except ValidationError as error:
        raise BadDelivery(_why(error, {})) from None


def new_delivery(
    delivery_id: str, event: str, payload: Envelope, *, text: str, handled: bool, lock: str | None = None
) -> NewDelivery:
    """The row to record for a delivery (its body's UTF-8 text is `text`; kept only if Toasty acts on it), with the
    pull request its processing must not overlap with."""
    return NewDelivery(
        id=delivery_id,
        event=event,
        action=payload.action,
        installation_id=payload.installation.id if payload.installation else None,
        repository=payload.repository.full_name if payload.repository else None,
        payload=text if handled else "{}",
        state="queued" if handled else "ignored",
        lock=lock,
    )


def _why(error: ValidationError, names: dict[str, str]) -> str:
    message = problems(error)
    for field, header in names.items():
        message = message.replace(f"{field}:", f"{header}:", 1)
    return message
