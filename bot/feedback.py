"""Recording feedback: every signal the App appends to the log goes through here (or, appended in the transaction of
what it records, is counted here), and is counted for /metrics."""

from __future__ import annotations

from collections.abc import Sequence

from bot.metrics import Metrics
from bot.store import feedback
from bot.store.db import Database
from bot.store.feedback import NewSignal, ReactionState


async def record_feedback(
    database: Database, metrics: Metrics, signals: Sequence[NewSignal], reactions: ReactionState | None = None
) -> None:
    """Append signals to the feedback log (a poll's with the comment's new reaction state, in one transaction) and
    count them by signal and source."""
    await feedback.append(database, signals, reactions)
    count_feedback(metrics, signals)


def count_feedback(metrics: Metrics, signals: Sequence[NewSignal]) -> None:
    """Count appended signals by signal and source."""
    for signal in signals:
        metrics.feedback.labels(signal.signal, signal.source).inc()
