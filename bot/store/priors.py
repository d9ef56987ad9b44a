"""The collective priors every process grades with: computed once across replicas, stored as one row per rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select

from bot.store.db import Database
from bot.store.models import CollectivePrior


@dataclass(frozen=True, slots=True)
class StoredPrior:
    """One rule's prior as stored: counts and a threshold, never code."""

    rule: str
    positive: float
    negative: float
    repositories: int
    threshold: float | None


_LATEST = select(
    CollectivePrior.rule,
    CollectivePrior.positive,
    CollectivePrior.negative,
    CollectivePrior.repositories,
    CollectivePrior.threshold,
).order_by(CollectivePrior.rule)


async def replace(database: Database, priors: Sequence[StoredPrior], computed_at: datetime) -> None:
    """Store a new computation in place of the last, in one transaction: readers see one or the other, whole."""
    async with database.begin() as connection:
        await connection.execute(delete(CollectivePrior))
        if priors:
            await connection.execute(
                insert(CollectivePrior),
                [
                    {
                        "rule": prior.rule,
                        "positive": prior.positive,
                        "negative": prior.negative,
                        "repositories": prior.repositories,
                        "threshold": prior.threshold,
                        "computed_at": computed_at,
                    }
                    for prior in priors
                ],
            )


async def latest(database: Database) -> list[StoredPrior]:
    """The priors last stored (none before the first computation): one small query."""
    async with database.autocommit() as connection:
        rows = await connection.execute(_LATEST)
        return [StoredPrior(*row) for row in rows]
