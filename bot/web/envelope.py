"""What a webhook delivery must look like before it is recorded: every stored field validated and bounded here.

One delivery the database would refuse must not reach the group commit, where it shares a statement with others.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from bot.store.deliveries import NewDelivery
from bot.web.errors import problems

MAX_BIGINT = 2**63 - 1
NAME = r"^[a-z][a-z0-9_]{0,63}$"
"""GitHub's event and action names: lowercase words joined by underscores (and the columns hold 64 characters)."""
DELIVERY_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
"""X-GitHub-Delivery is a GUID; anything printable and short is kept as given."""
FULL_NAME = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"
"""owner/name as GitHub allows them (owners 39 characters, repositories 100)."""

EventName = Annotated[StrictStr, Field(pattern=NAME)]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Installation(_Loose):
    id: StrictInt = Field(ge=1, le=MAX_BIGINT)


class _Repository(_Loose):
    full_name: Annotated[StrictStr, Field(pattern=FULL_NAME)] | None = None


class Payload(_Loose):
    """The fields of a webhook body that are recorded beside it."""

    action: EventName | None = None
    installation: _Installation | None = None
    repository: _Repository | None = None


class _Headers(_Loose):
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


def validate_payload(data: dict[str, Any]) -> Payload:
    """The recorded fields of a parsed body, validated."""
    try:
        return Payload.model_validate(data)
    except ValidationError as error:
        raise BadDelivery(_why(error, {})) from None


def new_delivery(
    delivery_id: str, event: str, payload: Payload, *, text: str, handled: bool, lock: str | None = None
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
