"""The App under test: real aiohttp server, real database (SQLite file and PostgreSQL), fake GitHub."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.engine.pool import make_pool
from bot.settings import Settings
from bot.store.db import Database
from bot.web.app import create_app
from bot.web.keys import DATABASE, RUNNER
from tests.fakegithub import FakeGitHub
from tests.fakegithub.state import Repo

POSTGRES_ADMIN = os.environ.get("TOASTY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("TOASTY_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def analysis_pool() -> Iterator[Executor]:
    """One process pool for the whole session, as the App keeps one for its lifetime."""
    with make_pool(2) as pool:
        yield pool


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the machine's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'toasty.db'}"
        return
    name = f"toasty_test_{secrets.token_hex(6)}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {POSTGRES_ADMIN} is unreachable ({error}); the PostgreSQL half of the App suite"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{message} is mandatory here (TOASTY_REQUIRE_POSTGRES=1)")
        pytest.skip(f"{message} is skipped")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@dataclass
class RunningApp:
    """A started App: where to send webhooks, and its database and runner to inspect."""

    server: TestServer
    settings: Settings

    @property
    def app(self) -> web.Application:
        return self.server.app

    @property
    def webhook_url(self) -> str:
        return str(self.server.make_url(self.settings.webhook_path))

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    @property
    def database(self) -> Database:
        return self.app[DATABASE]

    async def settle(self) -> None:
        """Wait until every accepted delivery has been processed."""
        await self.app[RUNNER].drain()


def app_settings(fake: FakeGitHub, database_url: str, **overrides: Any) -> Settings:
    """Settings pointing the App at the fake GitHub, with its key and secret."""
    values: dict[str, Any] = {
        "GITHUB_APP_ID": str(fake.app.id),
        "GITHUB_PRIVATE_KEY": fake.app.private_key_pem,
        "GITHUB_WEBHOOK_SECRET": fake.app.webhook_secret,
        "GITHUB_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
        "TOASTY_JOB_CONCURRENCY": 2,
        "TOASTY_INLINE_WAIT_SECONDS": 5,
        "TOASTY_POLL_MINUTES": 1440,  # the tests poll when they mean to, not when the clock says
        "TOASTY_BOT_LOGIN": fake.app.bot.login,  # as operators may set it; test_bot_login looks it up at start
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def start_app(settings: Settings, pool: Executor) -> RunningApp:
    """Start the App on a free loopback port."""
    server = TestServer(create_app(settings, pool=pool), host="127.0.0.1")
    await server.start_server()
    return RunningApp(server, settings)


@pytest.fixture
async def toasty(fake_github: FakeGitHub, database_url: str, analysis_pool: Executor) -> AsyncIterator[RunningApp]:
    """The App, configured against the fake GitHub and a fresh database."""
    running = await start_app(app_settings(fake_github, database_url), analysis_pool)
    yield running
    await running.server.close()


async def install(fake: FakeGitHub, toasty: RunningApp, full_name: str) -> Repo:
    """A repository the App is installed on, as GitHub tells it: an `installation.created` delivery, processed."""
    repo = fake.add_repo(full_name)

    def covering(payload: dict[str, Any]) -> None:
        payload["repositories"] = [{"id": repo.id, "name": repo.name, "full_name": repo.full_name, "private": True}]

    delivery = fake.webhook("installation", "created.payload", repo=repo, modify=covering)
    record = await fake.deliver(delivery, toasty.webhook_url)
    assert record.status_code == 202, record.response_body
    await toasty.settle()
    return repo
