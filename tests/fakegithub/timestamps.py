"""Timestamps in GitHub's format, so every object the fake returns dates itself the same way GitHub does."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time to the second, as GitHub's timestamps carry no fractions."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """ISO 8601 with a Z suffix, the form GitHub uses in every REST payload."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Read a timestamp a client sent (e.g. `since`), accepting the Z suffix GitHub documents."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
