"""Turns at SQLite's one connection: a webhook's acknowledgement goes before the job transactions queued for it."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

URGENT, ROUTINE = 0, 1
"""Priorities: GitHub waits on an acknowledgement, nobody waits on a job's bookkeeping."""


class Turns:
    """One holder at a time; waiters are served by priority, then in arrival order.

    In front of a pool of one connection, an acknowledgement then waits for the transaction in progress only,
    not for every job transaction queued before it (the pool's own queue is first come, first served)."""

    def __init__(self) -> None:
        self._held = False
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    @asynccontextmanager
    async def take(self, priority: int = ROUTINE) -> AsyncIterator[None]:
        """Hold the turn for the block."""
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, priority: int) -> None:
        if not self._held and not self._waiting:
            self._held = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._arrivals), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # handed the turn just as it was cancelled: pass it on
            raise

    def _release(self) -> None:
        """Hand the turn to the first waiter still waiting (cancelled ones are skipped), or free it."""
        while self._waiting:
            turn = heapq.heappop(self._waiting)[2]
            if not turn.done():
                turn.set_result(None)
                return
        self._held = False
