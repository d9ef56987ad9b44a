"""The App under load, against the fake GitHub on loopback.

The App runs as `toasty serve` in its own process; the load comes from this process, open-loop (requests are
sent on schedule whatever the answers), so slow answers cannot hide behind fewer requests. Reports:
- webhook acknowledgement latency, p50/p99, at a steady 200 deliveries/s (target: p99 under 20 ms);
- wall time from delivery to completed check run for a 50-file pull request (target: under 2 s);
- GitHub requests per pull request beside the minimum the design allows.

The App stores on SQLite unless TOASTY_BENCH_DATABASE_URL names another database (e.g. a PostgreSQL one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp

from benchmarks import corpus
from tests.fakegithub import FakeGitHub, running_fake_github
from tests.fakegithub.webhooks import sign
from tests.ports import free_port

RATE = 200
SECONDS = 10
WARM_UP_SECONDS = 2  # at the same rate, not measured: lets a PostgreSQL pool open its connections first
PULL_FILES = 50
PULLS = 5


def run() -> Iterator[str]:
    """Run the scenario and yield report lines."""
    yield from asyncio.run(_measure())


async def _measure() -> list[str]:
    lines = ["## GitHub App (App in its own process, fake GitHub on loopback)", ""]
    async with running_fake_github(validate_responses=False) as fake, _app(fake) as url:
        walls, requests, minimum = await _pull_requests(fake, url)
        lines.append(
            f"{PULL_FILES}-file pull request, delivery to completed check run: first {walls[0]:.2f} s (pool warm-up), "
            f"then median {statistics.median(walls[1:]):.2f} s, worst {max(walls[1:]):.2f} s (target < 2 s)"
        )
        lines.append(f"GitHub requests per pull request: {requests} (minimum the design allows: {minimum})")
        delivery = _load_delivery(fake)
        await _steady_load(url, delivery, WARM_UP_SECONDS)
        done_before = await _jobs_done(url)
        latencies = await _steady_load(url, delivery, SECONDS)
        processed = await _jobs_done(url) - done_before
        lines.append(
            f"webhook acknowledgement at {RATE}/s for {SECONDS} s after {WARM_UP_SECONDS} s of warm-up "
            f"({len(latencies)} deliveries, each queued to be processed): "
            f"p50 {_percentile(latencies, 50):.1f} ms, p99 {_percentile(latencies, 99):.1f} ms, "
            f"max {max(latencies):.1f} ms (target p99 < 20 ms); meanwhile {processed:.0f} deliveries were processed "
            f"({processed / SECONDS:.0f}/s)"
        )
    return lines


async def _jobs_done(webhook_url: str) -> float:
    """Deliveries the App has processed so far, from its Prometheus metrics."""
    metrics_url = webhook_url.rsplit("/", 1)[0] + "/metrics"
    async with aiohttp.ClientSession() as session, session.get(metrics_url) as response:
        text = await response.text()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("toasty_jobs_total{") and 'outcome="done"' in line
    )


@contextlib.asynccontextmanager
async def _app(fake: FakeGitHub) -> AsyncIterator[str]:
    """`toasty serve` on a free port, configured against the fake; yields its webhook URL."""
    with tempfile.TemporaryDirectory() as directory:
        key = Path(directory) / "key.pem"
        key.write_bytes(fake.app.private_key_pem)
        env = {
            **os.environ,
            "GITHUB_APP_ID": str(fake.app.id),
            "GITHUB_PRIVATE_KEY_PATH": str(key),
            "GITHUB_WEBHOOK_SECRET": fake.app.webhook_secret,
            "GITHUB_API_URL": fake.api_url,
            "DATABASE_URL": os.environ.get("TOASTY_BENCH_DATABASE_URL") or f"sqlite:///{directory}/toasty.db",
            "TOASTY_LOG_LEVEL": "WARNING",
        }
        async with served(env, directory) as (_, url):
            yield url


@contextlib.asynccontextmanager
async def served(env: dict[str, str], directory: str) -> AsyncIterator[tuple[int, str]]:
    """`toasty serve` in its own process on a free port, with environment `env`, until the block ends; yields its pid
    and webhook URL once it is ready."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=directory,
        stderr=subprocess.DEVNULL,
    )
    try:
        await _wait_ready(f"http://127.0.0.1:{port}/readyz")
        yield process.pid, f"http://127.0.0.1:{port}/webhook"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def _load_delivery(fake: FakeGitHub) -> tuple[bytes, dict[str, str]]:
    """A delivery the App handles (installation_repositories.added: recorded, queued, processed): body and headers."""
    repo = fake.add_repo("bench/load")
    payload = fake.webhook_payload("installation_repositories", "added.payload", repo=repo)
    body = json.dumps(payload).encode()
    signed = sign("installation_repositories", body, secret=fake.app.webhook_secret, app_id=fake.app.id)
    return body, dict(signed.headers)


async def _steady_load(url: str, delivery: tuple[bytes, dict[str, str]], seconds: int) -> list[float]:
    """Send `delivery` (with fresh ids) at RATE per second for `seconds`; the acknowledgement latencies in ms."""
    body, headers = delivery
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        tasks = []
        for index in range(RATE * seconds):
            delay = start + index / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_post(session, url, body, headers, latencies)))
        await asyncio.gather(*tasks)
    return latencies


async def _post(
    session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str], out: list[float]
) -> None:
    request_headers = {**headers, "X-GitHub-Delivery": str(uuid.uuid4())}
    started = time.perf_counter()
    async with session.post(url, data=body, headers=request_headers) as response:
        await response.read()
        if response.status != 202:
            raise RuntimeError(f"unexpected {response.status}")
    out.append((time.perf_counter() - started) * 1000)


async def _pull_requests(fake: FakeGitHub, url: str) -> tuple[list[float], int, int]:
    """Open PULLS pull requests of PULL_FILES modified real files each, one after the other; time each."""
    sources = [f for f in corpus.stdlib().files if 3_000 < len(f.data) < 30_000][: PULL_FILES * PULLS]
    repo = fake.add_repo("bench/code")
    walls = []
    before = 0
    for number in range(PULLS):
        chosen = sources[number * PULL_FILES : (number + 1) * PULL_FILES]
        base = {f"src/{f.path}": f.data for f in chosen}
        head = {path: data + b"\n\ndef added(x, items=[]):\n    return eval(x)\n" for path, data in base.items()}
        pull = repo.add_pull(base_files=base, changes=head)
        before = len(fake.requests())
        delivery = fake.webhook("pull_request", "opened.payload", pull=pull)
        started = time.perf_counter()
        await fake.deliver(delivery, url)
        while not any(run.status == "completed" for run in repo.check_runs.values() if run.head_sha == pull.head_sha):
            await asyncio.sleep(0.005)
        walls.append(time.perf_counter() - started)
        while len(pull.reviews) < 1:
            await asyncio.sleep(0.005)
    per_pull = [r for r in fake.requests()[before:] if r.operation_id != "apps/create-installation-access-token"]
    (run,) = [r for r in repo.check_runs.values() if r.head_sha == pull.head_sha]
    minimum = (
        math.ceil(PULL_FILES / 100)  # list-files pages
        + math.ceil((1 + PULL_FILES) / 50)  # config and heads, 50 blobs per GraphQL query (bases come from patches)
        + 1  # create the check run
        + max(1, math.ceil(len(run.annotations) / 50))  # annotation batches, the last one completing the run
        + 1  # the review
    )
    return walls, len(per_pull), minimum


async def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError("the App did not become ready within 60 s")


def _percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(percent / 100 * len(ordered)) - 1)]
