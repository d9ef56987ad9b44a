"""Feedback signals and votes: one standing verdict per person per finding (the ledger keeps them current)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

POSITIVE_REACTIONS = frozenset(("+1", "heart", "hooray", "rocket"))
NEGATIVE_REACTIONS = frozenset(("-1", "confused"))
RESOLVED_WEIGHT = 0.5
"""Resolving a thread is weaker evidence than a 👍: it may mean "done" or only "seen"."""


@dataclass(frozen=True, slots=True)
class Signal:
    """One row of the feedback log, independent of the database."""

    id: int
    repository: str
    rule: str
    fingerprint: str | None
    value: float | None
    actor: str
    association: str
    signal: str
    content: str | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Vote:
    """One person's verdict on one finding: +1 useful, −1 not, ½ for a resolved thread."""

    rule: str
    fingerprint: str
    actor: str
    sign: float
    weight: float
    """Trust of the actor; age fading is applied when the vote is used."""
    value: float | None
    occurred_at: datetime
    kind: str
    """What decided it: reaction, ignore, fixed or resolved (for explanations)."""


@dataclass(frozen=True, slots=True)
class Mute:
    """A rule muted (or unmuted) for the repository by a trusted person."""

    rule: str
    muted: bool
    occurred_at: datetime


def verdict(history: list[Signal]) -> tuple[float, str, Signal] | None:
    """One person's standing verdict on one finding: an explicit ignore beats a reaction, which beats a fix."""
    active: dict[str, Signal] = {}
    ignore = fixed = resolved = None
    for signal in history:
        if signal.signal == "reaction" and signal.content:
            active[signal.content] = signal
        elif signal.signal == "reaction_removed" and signal.content:
            active.pop(signal.content, None)
        elif signal.signal == "ignore":
            ignore = signal
        elif signal.signal == "fixed":
            fixed = signal
        elif signal.signal == "resolved":
            resolved = signal
        elif signal.signal == "unresolved":
            resolved = None
    if ignore is not None:
        return -1.0, "ignore", ignore
    score = sum(1 for c in active if c in POSITIVE_REACTIONS) - sum(1 for c in active if c in NEGATIVE_REACTIONS)
    if score:
        decisive = max(
            (s for c, s in active.items() if c in POSITIVE_REACTIONS | NEGATIVE_REACTIONS), key=lambda s: s.id
        )
        return (1.0 if score > 0 else -1.0), "reaction", decisive
    if fixed is not None:
        return 1.0, "fixed", fixed
    if resolved is not None:
        return RESOLVED_WEIGHT, "resolved", resolved
    return None
