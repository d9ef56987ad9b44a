"""`toasty serve` (or `toasty worker`) as its own process, pointed at the fake GitHub: what an operator runs."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.fakegithub import FakeGitHub
from tests.ports import free_port


@dataclass
class ServedApp:
    """A running Toasty process: where its webhook listens, and how to stop or kill it."""

    process: subprocess.Popen[bytes]
    port: int
    webhook_path: str = "/webhook"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.webhook_path}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def kill(self) -> None:
        """SIGKILL to the process and its children (its grading pool), as when a container or its node is lost: no
        shutdown code runs."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGINT, as an orchestrator stops it; killed if it does not stop within 60 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=60)
        self.kill()  # whatever it left behind


def app_environment(fake: FakeGitHub, directory: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment `toasty serve` needs against the fake (its key written to a file, as operators do)."""
    key = directory / "key.pem"
    key.write_bytes(fake.app.private_key_pem)
    return {
        **os.environ,
        "GITHUB_APP_ID": str(fake.app.id),
        "GITHUB_PRIVATE_KEY_PATH": str(key),
        "GITHUB_WEBHOOK_SECRET": fake.app.webhook_secret,
        "GITHUB_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
        "TOASTY_LOG_LEVEL": "WARNING",
        "TOASTY_ANALYSIS_WORKERS": "1",
        **extra,
    }


async def start_served(env: dict[str, str], directory: Path, *command: str) -> ServedApp:
    """Start `toasty serve` (or the command given) on a free port and wait until it answers /readyz."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", *(command or ("serve",)), "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=directory,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so a kill takes its grading pool with it
    )
    served = ServedApp(process, port)
    try:
        await wait_ready(served)
    except BaseException:
        served.kill()
        raise
    return served


async def wait_ready(served: ServedApp, timeout: float = 60.0) -> None:
    """Until /readyz answers 200 (the database reachable and migrated)."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if served.process.poll() is not None:
                raise RuntimeError(f"toasty exited with {served.process.returncode} before it was ready")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(served.url("/readyz")) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"toasty did not become ready within {timeout:.0f} s")


async def until(condition: Callable[[], bool | Awaitable[bool]], timeout: float, what: str) -> float:
    """Wait (without blocking the fake GitHub's event loop) until `condition()` holds; returns the seconds it took."""
    started = time.monotonic()
    while not await _holds(condition):
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def _holds(condition: Callable[[], bool | Awaitable[bool]]) -> bool:
    answer = condition()
    return await answer if inspect.isawaitable(answer) else answer


async def jobs_done(served: ServedApp) -> float:
    """Deliveries this process has finished, from its Prometheus metrics."""
    async with aiohttp.ClientSession() as session, session.get(served.url("/metrics")) as response:
        text = await response.text()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("toasty_jobs_total{") and 'outcome="done"' in line
    )
