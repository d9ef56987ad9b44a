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
- PostgreSQL connections one replica holds after that load;
- CPU seconds per 1,000 deliveries while the backlog is worked off, from /proc (so they hold on a machine shared with
  other work, where the rates do not): the working processes (their analysis pools included), and PostgreSQL's
  processes serving this database when the server runs on this machine; from them, the rate the machine's cores
  could reach at most with two processes, and the ratio that allows.

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
from collections.abc import AsyncIterator, Iterable, Iterator
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
GRADINGS = 120
"""Pull requests in the grading backlog, spread over INSTALLATIONS installations (each its own account)."""
INSTALLATIONS = 12
GITHUB_LATENCY = 0.05
"""Seconds the fake GitHub takes to answer each request in the grading measurement (api.github.com answers in
tens to hundreds of milliseconds)."""
TICKS = os.sysconf("SC_CLK_TCK")


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


@dataclass(frozen=True)
class Throughput:
    """Deliveries per second while a backlog is worked off, and the CPU it took (ms per delivery)."""

    rate: float
    workers_cpu: float
    database_cpu: float | None
    """None where PostgreSQL's processes are not on this machine (or the database is SQLite)."""

    def cells(self, processes: int) -> str:
        database = f"{self.database_cpu:.2f} ms" if self.database_cpu is not None else "n/a"
        bound = f"{self.bound(processes):.0f}/s" if self.database_cpu is not None else "n/a"
        return f"{self.rate:.0f} | {self.workers_cpu:.2f} ms | {database} | {bound}"

    def bound(self, processes: int) -> float:
        """The most these costs allow: each process one core at most, all of them and PostgreSQL this machine's."""
        cores = os.cpu_count() or 1
        return min(processes * 1000 / self.workers_cpu, cores * 1000 / (self.workers_cpu + (self.database_cpu or 0)))


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
        rows, costs = [], []
        for variant in variants:
            row, cost = await _measure_variant(variant, Path(scratch))
            rows.append(row)
            costs.extend(cost)
        gradings = await _grading_scaling(Path(scratch))
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
        f"CPU per delivery while the backlog was worked off ({os.cpu_count()} cores, load average at the end "
        f"{os.getloadavg()[0]:.1f}):"
    )
    lines.append("")
    lines.append(
        "| variant | processes | processed/s | workers' CPU per delivery | PostgreSQL's CPU per delivery "
        "| the most this CPU per delivery allows here |"
    )
    lines.append("|---|---|---|---|---|---|")
    lines.extend(costs)
    lines.append("")
    lines.append(gradings)
    lines.append("")
    lines.append(
        f"(acknowledgement at {RATE}/s for {SECONDS} s after {WARM_UP_SECONDS} s warm-up; backlog of {BACKLOG} "
        f"deliveries; recovery given up after {RECOVERY_CAP:.0f} s; targets: p99 < 20 ms, 2 ÷ 1 >= 1.6, recovery "
        "immediate on SQLite and <= 60 s on PostgreSQL)"
    )
    return lines


async def _measure_variant(variant: Variant, scratch: Path) -> tuple[str, list[str]]:
    """The variant's row of the main table, and its rows of the CPU table."""
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
    ratio = f"{two.rate / one.rate:.2f}" if two is not None and one.rate else "n/a"
    two_text = f"{two.rate:.0f}" if two is not None else "n/a (one process owns SQLite)"
    recovery_text = f"{recovery:.1f} s" if recovery is not None else f"> {RECOVERY_CAP:.0f} s"
    row = (
        f"| {variant.label} | {p50:.1f} ms | {p99:.1f} ms | {one.rate:.0f} | {two_text} | {ratio} | {recovery_text} "
        f"| {connections} |"
    )
    costs = [f"| {variant.label} | 1 | {one.cells(1)} |"]
    if two is not None:
        costs.append(f"| {variant.label} | 2 | {two.cells(2)} |")
        if one.database_cpu is not None:
            costs.append(f"| {variant.label}: 2 ÷ 1 at most | | {one.bound(2) / one.bound(1):.2f} | | | |")
    return row, costs


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
) -> tuple[Throughput, int | str]:
    """Record a backlog with a process that cannot act on GitHub, then let `processes` processes work it off;
    deliveries per second once they are all up with the CPU they took, and the connections the first one holds."""
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
        cpu_before = _cpu_seconds(w.process.pid for w in workers), await _database_cpu(variant, url)
        total = 0.0
        while total < BACKLOG:
            await asyncio.sleep(0.25)  # a scrape of each worker's /metrics: rarely, to cost it little
            total = sum([await jobs_done(w) for w in workers])
            if time.monotonic() - started > 300:
                raise RuntimeError(f"{variant.label}: the backlog was not processed within 5 minutes")
        elapsed, done = time.monotonic() - started, total - before
        workers_cpu, database_cpu = _cpu_seconds(w.process.pid for w in workers), await _database_cpu(variant, url)
        connections = await _connections(url) if variant.database == "postgresql" and processes == 1 else "n/a"
    finally:
        for worker in workers:
            worker.stop()
    database = _spent(cpu_before[1], database_cpu) if cpu_before[1] is not None and database_cpu is not None else None
    return Throughput(
        rate=done / elapsed,
        workers_cpu=(workers_cpu - cpu_before[0]) * 1000 / done,
        database_cpu=database * 1000 / done if database is not None else None,
    ), connections


async def _grading_scaling(scratch: Path) -> str:
    """What a deployment's workers mostly do: grade pull requests, waiting on GitHub. A backlog of GRADINGS
    pull-request deliveries over INSTALLATIONS installations, graded by one and then two `toasty worker` processes
    (the new queue, on PostgreSQL) against a fake GitHub that answers each request in GITHUB_LATENCY seconds."""
    variant = Variant("new", None, "postgresql")
    rates = []
    async with running_fake_github(validate_responses=False) as fake:
        for processes in (1, 2):
            async with _database(variant, scratch) as url:
                rates.append(await _gradings_per_second(fake, variant, url, scratch, processes))
    one, two = rates
    return (
        f"grading pull requests (the new queue on PostgreSQL; {GRADINGS} pull requests over {INSTALLATIONS} "
        f"installations, GitHub answering each request in {GITHUB_LATENCY * 1000:.0f} ms): {one:.1f}/s with one "
        f"worker process, {two:.1f}/s with two, 2 ÷ 1 = {two / one:.2f} (target >= 1.6)"
    )


async def _gradings_per_second(fake: FakeGitHub, variant: Variant, url: str, scratch: Path, processes: int) -> float:
    """Record GRADINGS opened pull requests with a process that cannot act on GitHub, then let `processes` workers
    grade them; pull requests graded per second once they are all up."""
    run = secrets.token_hex(3)
    pulls = [
        fake.add_repo(f"bench-{index % INSTALLATIONS}-{run}/repo-{index}").add_pull(
            base_files={"a.py": UTIL}, changes={"b.py": RISKY}
        )
        for index in range(GRADINGS)
    ]
    recorder = await _start(_environment(fake, variant, url, scratch, GITHUB_APP_ID=""), scratch)
    try:
        for pull in pulls:
            await fake.deliver(fake.webhook("pull_request", "opened.payload", pull=pull), recorder.webhook_url)
    finally:
        recorder.stop()
    latency = fake.delay_next(seconds=GITHUB_LATENCY, times=10**9)
    workers = [await _start(_environment(fake, variant, url, scratch), scratch, "worker") for _ in range(processes)]
    try:
        started = time.monotonic()
        before = sum([await jobs_done(w) for w in workers])
        total = before
        while total < GRADINGS:  # those graded before the first look count in the total, not in the rate
            await asyncio.sleep(0.5)
            total = sum([await jobs_done(w) for w in workers])
            if time.monotonic() - started > 600:
                raise RuntimeError(f"{GRADINGS} pull requests were not graded within 10 minutes")
        elapsed = time.monotonic() - started
    finally:
        latency.times = 0
        for worker in workers:
            worker.stop()
    graded = sum(1 for pull in pulls for run in pull.repo.check_runs.values() if run.status == "completed")
    if graded < GRADINGS:
        raise RuntimeError(f"only {graded} of {GRADINGS} check runs were completed")
    return (total - before) / elapsed


def _cpu_seconds(pids: Iterable[int]) -> float:
    """CPU seconds (user and system) the processes and their children have used so far."""
    wanted = set(pids)
    return sum(cpu for pid, (parent, cpu) in _processes().items() if pid in wanted or parent in wanted)


async def _database_cpu(variant: Variant, url: str) -> dict[int, float] | None:
    """CPU seconds so far of each PostgreSQL process serving this database (None: not a local PostgreSQL)."""
    if variant.database != "postgresql":
        return None
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    processes = _processes()
    found = {row["pid"]: processes[row["pid"]][1] for row in rows if row["pid"] in processes}
    return found or None


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two readings (a process that started in between counts from nothing)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def _processes() -> dict[int, tuple[int, float]]:
    """Every process on this machine: its parent's pid and its CPU seconds so far."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
            found[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    return found


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
