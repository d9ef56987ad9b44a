"""One grading of a pull request at a time: an asyncio lock within this process, the database's advisory lock
(`Database.locked`) across replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.store.db import Database


@dataclass
class _Holders:
    """A pull request's lock and how many jobs hold or await it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    count: int = 0


class PullRequestLocks:
    """The locks of the pull requests being graded; an entry lives only while a job holds or awaits it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.held: dict[tuple[str, int], _Holders] = {}

    @asynccontextmanager
    async def hold(self, repository: str, number: int) -> AsyncIterator[None]:
        """Hold the pull request's lock for the block (its findings and comments are unique per pull request)."""
        key = (repository, number)
        holders = self.held.setdefault(key, _Holders())
        holders.count += 1
        try:
            async with holders.lock, self.database.locked(f"pull:{repository}#{number}"):
                yield
        finally:
            holders.count -= 1
            if not holders.count:
                del self.held[key]
