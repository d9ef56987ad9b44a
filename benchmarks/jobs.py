"""The job queue, today's runner beside the new one, on SQLite and on PostgreSQL, side by side in one run.

"Today's" is the App at TOASTY_BENCH_BASELINE (default: the last commit of the home-made runner, leases and all),
run from a `git archive` of that commit with the same interpreter; "new" is this tree. For each pair:
- webhook acknowledgement p50/p99 at 200 deliveries/s (one `toasty serve` with its workers; target p99 < 20 ms);
- deliveries processed per second from a recorded backlog, with one and with two processes working on it (the
  job is `installation_repositories.added`: recorded, queued, one database write; so this is the queue's own cost,
  not grading's); on SQLite one process owns the database, so there is no second;
- recovery after `kill -9` mid-grading: from the kill to the check run completed, the process restarted at once
  (on PostgreSQL the new queue's survivor is another `toasty worker`); targets: immediate on SQLite, <= 60 s on
  PostgreSQL; given up after RECOVERY_CAP seconds;
- PostgreSQL connections one replica holds after that load.

PostgreSQL: TOASTY_BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test) is used to create and drop a
fresh database per measurement. `python -m benchmarks jobs`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from benchmarks.app import RATE, SECONDS, WARM_UP_SECONDS, _load_delivery, _percentile, _steady_load
from bot.jobs.attempts import Attempts
from bot.jobs.taskqueue import TaskQueue, conninfo
from bot.store.db import Database
from bot.store.deliveries import NewDelivery, PendingDelivery, Recorder
from tests.app.scenarios import RISKY, UTIL
from tests.app.served import ServedApp, app_environment, jobs_done, start_served, until
from tests.fakegithub import FakeGitHub, running_fake_github

ROOT = Path(__file__).resolve().parents[1]
BASELINE = os.environ.get("TOASTY_BENCH_BASELINE", "8254055")
POSTGRES = os.environ.get("TOASTY_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BACKLOG = 1000
RECOVERY_CAP = 75.0
RECORDS = 1000


@dataclass(frozen=True)
class Variant:
    """Which code runs (today's at the baseline, or this tree), on which database."""

    name: str
    source: Path | None
    database: str

    @property
    def label(self) -> str:
        return f"{self.name}, {self.database}"

    @property
    def new(self) -> bool:
        return self.source is None


def run() -> Iterator[str]:
    """Run every measurement and yield report lines."""
    yield from asyncio.run(_measure())


async def _measure() -> list[str]:
    lines = ["## Job queue: today's runner (at " + BASELINE + ") beside procrastinate / the new runner", ""]
    with tempfile.TemporaryDirectory() as scratch:
        baseline = Path(scratch) / "baseline"
        baseline.mkdir()
        archive = subprocess.run(["git", "archive", BASELINE, "bot"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
        variants = [
            Variant(name, source, database)
            for database in ("sqlite", "postgresql")
            for name, source in (("today", baseline), ("new", None))
        ]
        rows = []
        for variant in variants:
            rows.append(await _measure_variant(variant, Path(scratch)))
        deferral = await _deferral_cost(Path(scratch))
    lines.append(
        "| variant | ack p50 | ack p99 | processed/s, 1 process | processed/s, 2 processes | 2 ÷ 1 "
        "| recovery after kill -9 | connections per replica |"
    )
    lines.append("|---|---|---|---|---|---|---|---|")
    lines.extend(rows)
    lines.append("")
    lines.append(deferral)
    lines.append("")
    lines.append(
        f"(acknowledgement at {RATE}/s for {SECONDS} s after {WARM_UP_SECONDS} s warm-up; backlog of {BACKLOG} "
        f"deliveries; recovery given up after {RECOVERY_CAP:.0f} s; targets: p99 < 20 ms, 2 ÷ 1 >= 1.6, recovery "
        "immediate on SQLite and <= 60 s on PostgreSQL)"
    )
    return lines


async def _measure_variant(variant: Variant, scratch: Path) -> str:
    async with running_fake_github(validate_responses=False) as fake:
        async with _database(variant, scratch) as url:
            p50, p99 = await _acknowledgements(fake, variant, url, scratch)
        async with _database(variant, scratch) as url:
            one, connections = await _throughput(fake, variant, url, scratch, processes=1)
        two = None
        if variant.database == "postgresql":
            async with _database(variant, scratch) as url:
                two, _ = await _throughput(fake, variant, url, scratch, processes=2)
        async with _database(variant, scratch) as url:
            recovery = await _recovery(fake, variant, url, scratch)
    ratio = f"{two / one:.2f}" if two is not None and one else "n/a"
    two_text = f"{two:.0f}" if two is not None else "n/a (one process owns SQLite)"
    recovery_text = f"{recovery:.1f} s" if recovery is not None else f"> {RECOVERY_CAP:.0f} s"
    return (
        f"| {variant.label} | {p50:.1f} ms | {p99:.1f} ms | {one:.0f} | {two_text} | {ratio} | {recovery_text} "
        f"| {connections} |"
    )


@contextlib.asynccontextmanager
async def _database(variant: Variant, scratch: Path) -> AsyncIterator[str]:
    """A fresh database for one measurement: a new SQLite file, or a new PostgreSQL database dropped afterwards."""
    name = f"toasty_bench_{secrets.token_hex(4)}"
    if variant.database == "sqlite":
        yield f"sqlite:///{scratch / name}.db"
        return
    admin = await asyncpg.connect(POSTGRES)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{POSTGRES.rsplit('/', 1)[0]}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _deferral_cost(scratch: Path) -> str:
    """What deferring the job in the recording transaction adds to recording a delivery on PostgreSQL, measured in
    this process without HTTP or concurrent work: the two alternate, RECORDS times each."""
    variant = Variant("new", None, "postgresql")
    async with _database(variant, scratch) as url:
        database = Database(url.replace("postgresql://", "postgresql+asyncpg://", 1))
        await database.migrate()
        queue = TaskQueue(Attempts(database, _no_work), conninfo(url), ())
        recorders = {"without": Recorder(database), "with": Recorder(database, defer=queue.defer)}
        times: dict[str, list[float]] = {name: [] for name in recorders}
        body = '{"pad": "' + "x" * 8000 + '"}'  # a webhook body of typical size
        try:
            for _ in range(RECORDS):
                for name, recorder in recorders.items():
                    started = time.perf_counter()
                    await recorder.record(NewDelivery(secrets.token_hex(8), "ping", None, None, None, body))
                    times[name].append((time.perf_counter() - started) * 1000)
        finally:
            await database.dispose()
    plain, deferred = times["without"], times["with"]
    return (
        f"recording one delivery on PostgreSQL, alone ({RECORDS} each): without its job p50 "
        f"{_percentile(plain, 50):.2f} ms, p99 {_percentile(plain, 99):.2f} ms; with its job in the same transaction "
        f"p50 {_percentile(deferred, 50):.2f} ms, p99 {_percentile(deferred, 99):.2f} ms"
    )


async def _no_work(delivery: PendingDelivery) -> None:
    return None


def _environment(fake: FakeGitHub, variant: Variant, url: str, scratch: Path, **extra: str) -> dict[str, str]:
    directory = scratch / "run"
    directory.mkdir(exist_ok=True)
    env = app_environment(fake, directory, url, **extra)
    if variant.source is not None:
        env["PYTHONPATH"] = str(variant.source)  # today's `bot` package before this tree's
    return env


async def _start(env: dict[str, str], scratch: Path, *command: str) -> ServedApp:
    return await start_served(env, scratch / "run", *command)


async def _acknowledgements(fake: FakeGitHub, variant: Variant, url: str, scratch: Path) -> tuple[float, float]:
    served = await _start(_environment(fake, variant, url, scratch), scratch)
    try:
        delivery = _load_delivery(fake)
        await _steady_load(served.webhook_url, delivery, WARM_UP_SECONDS)
        latencies = await _steady_load(served.webhook_url, delivery, SECONDS)
    finally:
        served.stop()
    return _percentile(latencies, 50), _percentile(latencies, 99)


async def _throughput(
    fake: FakeGitHub, variant: Variant, url: str, scratch: Path, processes: int
) -> tuple[float, int | str]:
    """Record a backlog with a process that cannot act on GitHub, then let `processes` processes work it off;
    deliveries per second once they are all up, and the connections the first one holds."""
    recorder = await _start(_environment(fake, variant, url, scratch, GITHUB_APP_ID=""), scratch)
    try:
        await _steady_load(recorder.webhook_url, _load_delivery(fake), BACKLOG // RATE)
    finally:
        recorder.stop()
    env = _environment(fake, variant, url, scratch)
    command = ("worker",) if variant.new and variant.database == "postgresql" else ("serve",)
    workers = [await _start(env, scratch, *command) for _ in range(processes)]
    try:
        started, before = time.monotonic(), sum([await jobs_done(w) for w in workers])
        total = 0.0
        while total < BACKLOG:
            await asyncio.sleep(0.25)  # a scrape of each worker's /metrics: rarely, to cost it little
            total = sum([await jobs_done(w) for w in workers])
            if time.monotonic() - started > 300:
                raise RuntimeError(f"{variant.label}: the backlog was not processed within 5 minutes")
        rate = (total - before) / (time.monotonic() - started)
        connections = await _connections(url) if variant.database == "postgresql" and processes == 1 else "n/a"
    finally:
        for worker in workers:
            worker.stop()
    return rate, connections


async def _connections(url: str) -> int:
    """Connections to this database other than ours: what the one running replica holds."""
    connection = await asyncpg.connect(url)
    try:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await connection.close()


async def _recovery(fake: FakeGitHub, variant: Variant, url: str, scratch: Path) -> float | None:
    """Kill -9 the process grading a pull request, start a replacement at once; seconds from the kill to the
    completed check run, or None when it did not come within RECOVERY_CAP."""
    pull = fake.add_repo(f"bench/recovery-{secrets.token_hex(3)}").add_pull(
        base_files={"a.py": UTIL}, changes={"b.py": RISKY}
    )
    env = _environment(fake, variant, url, scratch)
    split = variant.new and variant.database == "postgresql"
    web = await _start(env, scratch, "serve", "--no-workers") if split else None
    doomed = await _start(env, scratch, "worker") if split else await _start(env, scratch)
    held = fake.delay_next("pulls/list-files", seconds=3)
    replacement = None
    try:
        await fake.deliver(fake.webhook("pull_request", "opened.payload", pull=pull), (web or doomed).webhook_url)
        await until(lambda: held.times == 0, timeout=60, what="the grading's file listing")
        doomed.kill()
        killed = time.monotonic()
        replacement = await _start(env, scratch, "worker") if split else await _start(env, scratch)
        (run,) = pull.repo.check_runs.values()
        try:
            await until(lambda: run.status == "completed", timeout=RECOVERY_CAP, what="recovery")
        except AssertionError:
            return None
        return time.monotonic() - killed
    finally:
        for process in (web, doomed, replacement):
            if process is not None:
                process.stop()
