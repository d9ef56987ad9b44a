"""SQLite's one connection taken in turns: acknowledgements before queued job work, and no turn ever lost."""

from __future__ import annotations

import asyncio

from bot.store.turns import ROUTINE, URGENT, Turns


async def test_an_urgent_waiter_goes_before_routine_ones_queued_earlier() -> None:
    turns, order = Turns(), []
    holder_may_go = asyncio.Event()

    async def hold() -> None:
        async with turns.take(ROUTINE):
            await holder_may_go.wait()

    async def wait(name: str, priority: int) -> None:
        async with turns.take(priority):
            order.append(name)

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiters = [asyncio.create_task(wait("job-1", ROUTINE)), asyncio.create_task(wait("job-2", ROUTINE))]
    await asyncio.sleep(0)
    waiters.append(asyncio.create_task(wait("acknowledgement", URGENT)))
    await asyncio.sleep(0)
    holder_may_go.set()
    await asyncio.gather(holder, *waiters)
    assert order == ["acknowledgement", "job-1", "job-2"]


async def test_a_waiter_cancelled_as_its_turn_came_passes_the_turn_on() -> None:
    turns, served = Turns(), []

    async def wait(name: str) -> None:
        async with turns.take():
            served.append(name)

    async with turns.take():
        cancelled = asyncio.create_task(wait("cancelled"))
        after = asyncio.create_task(wait("after"))
        await asyncio.sleep(0)
    cancelled.cancel()  # handed the turn by the release above, cancelled before it could run
    await asyncio.gather(cancelled, after, return_exceptions=True)
    assert served == ["after"]
    async with asyncio.timeout(1):  # and the turn is free again
        async with turns.take():
            pass
