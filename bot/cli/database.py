"""How the CLI opens the database: a command that writes may bring the schema up to date; a read-only one never
changes the database, and says so when it is not ready."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import Settings
from bot.store.db import Database

EXIT_NOT_READY = 1


class NotMigrated(RuntimeError):
    """The database is missing or behind the newest migration, and this command only reads."""


def run_on_database(settings: Settings, action: Callable[[Database], Awaitable[int]], *, migrate: bool) -> int:
    """Run a command's work on the database; a database that is not ready is a clear message, not a traceback."""

    async def go() -> int:
        async with opened(settings, migrate=migrate) as database:
            return await action(database)

    try:
        return asyncio.run(go())
    except NotMigrated as error:
        print(f"toasty: {error}", file=sys.stderr)
        return EXIT_NOT_READY


@asynccontextmanager
async def opened(settings: Settings, *, migrate: bool) -> AsyncIterator[Database]:
    """The configured database: migrated first when the command writes, else checked (never created or changed)."""
    _require_file(settings.database_url, migrate)
    database = Database(settings.database_url)
    try:
        if migrate:
            await database.migrate()
        else:
            ready, reason = await database.is_ready()
            if not ready:
                raise NotMigrated(f"{reason}; run `toasty migrate` first")
        yield database
    finally:
        await database.dispose()


def _require_file(url: str, migrate: bool) -> None:
    """Connecting to a SQLite file that is not there would create it: a read-only command must not."""
    parsed = make_url(url)
    if migrate or not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return
    if not Path(parsed.database).exists():
        raise NotMigrated(f"no database at {parsed.database}; run `toasty migrate` first (DATABASE_URL says where)")
