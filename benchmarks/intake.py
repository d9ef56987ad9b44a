"""The App's memory under floods of hostile bodies, before any of them is authenticated.

`toasty serve` runs in its own process on SQLite; this process floods its webhook on loopback (bounded loops) with
- compressed bodies: gzip "bombs" that inflate to 25 MB each from 25 KB on the wire, many at once;
- large plain bodies just under the 25 MB limit, unsigned, many at once, with Content-Length and chunked.
The App's resident memory is sampled from /proc throughout: idle, peak under each flood, and after. Every answer
must be the refusal it should be (415, 401); the figures are printed side by side with the idle process.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import aiohttp

from benchmarks.app import served

BOMB_INFLATED = 25 * 1024 * 1024
BOMBS, BOMBS_AT_ONCE = 256, 64
PLAIN_SIZE = 24 * 1024 * 1024
PLAIN, PLAIN_AT_ONCE = 48, 24
SAMPLE_EVERY = 0.01
MB = 1024 * 1024


def run() -> Iterator[str]:
    """Run the floods and yield report lines."""
    yield from asyncio.run(_measure())


async def _measure() -> list[str]:
    lines = ["## Hostile bodies (App in its own process on SQLite, floods on loopback, resident memory from /proc)", ""]
    bomb = gzip.compress(b" " * BOMB_INFLATED, compresslevel=9)
    plain = b" " * PLAIN_SIZE
    async with _app() as (pid, url):
        idle = _rss(pid)
        lines.append(f"idle after start: {idle / MB:.0f} MB")
        floods: list[tuple[str, Callable[[aiohttp.ClientSession], Awaitable[int]], int]] = [
            (
                f"{BOMBS} gzip bombs ({len(bomb) // 1024} KB → {BOMB_INFLATED // MB} MB each), {BOMBS_AT_ONCE} at once",
                lambda s: _flood(s, url, bomb, {"Content-Encoding": "gzip"}, BOMBS, BOMBS_AT_ONCE),
                415,
            ),
            (
                f"{PLAIN} plain unsigned {PLAIN_SIZE // MB} MB bodies, {PLAIN_AT_ONCE} at once",
                lambda s: _flood(s, url, plain, {}, PLAIN, PLAIN_AT_ONCE),
                401,
            ),
            (
                f"{PLAIN} chunked unsigned {PLAIN_SIZE // MB} MB bodies, {PLAIN_AT_ONCE} at once",
                lambda s: _flood(s, url, plain, {}, PLAIN, PLAIN_AT_ONCE, chunked=True),
                401,
            ),
        ]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            for label, flood, expected in floods:
                peak, status = await _peak_while(pid, flood(session))
                if status != expected:
                    raise RuntimeError(f"{label}: answered {status}, expected {expected}")
                lines.append(
                    f"{label}: peak {peak / MB:.0f} MB ({peak / idle:.2f}× idle), after {_rss(pid) / MB:.0f} MB; "
                    f"every one answered {expected}"
                )
    return lines


async def _flood(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    count: int,
    at_once: int,
    *,
    chunked: bool = False,
) -> int:
    """Send `count` copies of a body, `at_once` in flight; the one status they all got (or raise)."""
    gate = asyncio.Semaphore(at_once)
    statuses: set[int] = set()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), MB):
            yield body[start : start + MB]

    async def one() -> None:
        async with gate:
            data = chunks() if chunked else body
            request_headers = {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "flood", **headers}
            async with session.post(url, data=data, headers=request_headers) as response:
                await response.read()
                statuses.add(response.status)

    await asyncio.gather(*(one() for _ in range(count)))
    if len(statuses) != 1:
        raise RuntimeError(f"mixed answers: {sorted(statuses)}")
    return statuses.pop()


async def _peak_while(pid: int, work: Awaitable[int]) -> tuple[int, int]:
    """The highest resident memory sampled while `work` runs, and its result."""
    peak = _rss(pid)
    task = asyncio.ensure_future(work)
    while not task.done():
        peak = max(peak, _rss(pid))
        await asyncio.sleep(SAMPLE_EVERY)
    return max(peak, _rss(pid)), task.result()


def _rss(pid: int) -> int:
    """Resident set size of a process, in bytes (Linux /proc)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@contextlib.asynccontextmanager
async def _app() -> AsyncIterator[tuple[int, str]]:
    """`toasty serve` on a free port with only a webhook secret (it records, processes nothing): pid, webhook URL."""
    with tempfile.TemporaryDirectory() as directory:
        env = {
            **os.environ,
            "GITHUB_WEBHOOK_SECRET": "bench-secret",
            "DATABASE_URL": f"sqlite:///{directory}/toasty.db",
            "TOASTY_LOG_LEVEL": "ERROR",
            "TOASTY_ANALYSIS_WORKERS": "1",
        }
        for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH"):
            env.pop(name, None)
        async with served(env, directory) as answer:
            yield answer
