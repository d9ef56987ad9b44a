"""Connecting to the database (SQLite by default, PostgreSQL in production) and keeping its schema current."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from bot.store.turns import ROUTINE, Turns

POSTGRES_CONNECTIONS = 15
"""Per replica: the job workers, webhook acknowledgements and API calls share them; docs/deployment.md sizes by it."""
LOCK_CONNECTIONS = 4
"""Kept per replica for holding locks (one per grading in progress); more open when more are held, and close after."""
IDLE_BEFORE_PING = 10.0
"""Seconds a pooled PostgreSQL connection may rest before it is pinged on its next use: a server or a proxy may have
dropped it meanwhile. One in steady use is not pinged (SQLAlchemy's pre-ping costs three round trips per use)."""


class Database:
    """An async engine and a session factory; one per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        options: dict[str, Any] = {}
        if url.startswith("sqlite") and not _in_memory(url):
            # One connection, shared in turn: SQLite takes one writer at a time anyway, and writers on separate
            # connections wait for each other in its busy handler's sleeps (hundreds of milliseconds under load)
            # where a queue in the event loop waits only as long as the work ahead of it.
            options.update(connect_args={"timeout": 30}, pool_size=1, max_overflow=0, pool_timeout=60)
        elif not url.startswith("sqlite"):
            # A fixed pool: kept open, not churned.
            options.update(pool_size=POSTGRES_CONNECTIONS, max_overflow=0)
        # Parameters stay out of log lines and error messages: they hold token digests and webhook bodies.
        self.engine: AsyncEngine = create_async_engine(url, hide_parameters=True, **options)
        if url.startswith("sqlite"):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            _ping_when_rested(self.engine)
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        """The same pool, each statement its own transaction: one round trip, where BEGIN and COMMIT add two."""
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.turns = Turns() if url.startswith("sqlite") else None
        """SQLite's one connection is taken in turns, by priority; a PostgreSQL pool has a connection for each."""
        self._lock_engine: AsyncEngine | None = None
        """Connections that hold long advisory locks, outside the pool the work itself needs."""

    @property
    def one_process(self) -> bool:
        """Whether only this process serves the database (SQLite): whatever it finds claimed at start, a process that
        is gone claimed. PostgreSQL is shared by replicas."""
        return not self.url.startswith("postgresql")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back if it raises."""
        async with self.turn(ROUTINE), self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def begin(self, priority: int = ROUTINE) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction (Core statements, no unit of work), taken in turn by priority."""
        async with self.turn(priority), self.engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def autocommit(self, priority: int = ROUTINE) -> AsyncIterator[AsyncConnection]:
        """A connection for one statement that stands alone (each statement commits by itself on PostgreSQL; a
        transaction as `begin` gives on SQLite, whose one connection is not worth switching)."""
        if self.turns is not None:
            async with self.begin(priority) as connection:
                yield connection
            return
        async with self._autocommit.connect() as connection:
            yield connection

    @asynccontextmanager
    async def turn(self, priority: int = ROUTINE) -> AsyncIterator[None]:
        """Wait for this caller's turn at the connection (SQLite); at once on PostgreSQL."""
        if self.turns is None:
            yield
            return
        async with self.turns.take(priority):
            yield

    async def migrate(self) -> None:
        """Apply every pending migration (alembic upgrade head)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    async def is_ready(self) -> tuple[bool, str]:
        """Reachable and on the newest migration; the reason when not."""
        try:
            async with self.engine.connect() as connection:
                current = await connection.run_sync(_current_revision)
        except Exception as error:  # any driver error means not ready; the reason is reported
            return False, f"database unreachable: {type(error).__name__}"
        head = _head_revision()
        if current != head:
            return False, f"migrations not applied (at {current or 'none'}, need {head})"
        return True, "ok"

    @asynccontextmanager
    async def locked(self, name: str) -> AsyncIterator[None]:
        """Hold the named lock for the block, waiting for it: with several replicas on one PostgreSQL, one at a time
        (a transaction's advisory lock, on a connection of its own). SQLite serves one process: in-process locks
        suffice."""
        if self.one_process:
            yield
            return
        async with self._lock_connection() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(name)})
            yield  # the connection goes back rolled back, whatever happened: the lock ends with its transaction

    def _lock_connection(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection outside the pool for holding a lock as long as the work under it takes; LOCK_CONNECTIONS of
        them are kept (a new connection per lock costs the database a process and the App several round trips)."""
        if self._lock_engine is None:
            self._lock_engine = create_async_engine(self.url, pool_size=LOCK_CONNECTIONS, max_overflow=-1)
            _ping_when_rested(self._lock_engine)
        return self._lock_engine.connect()

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self._lock_engine is not None:
            await self._lock_engine.dispose()

    async def ping(self) -> None:
        """One round trip, raising if the database does not answer."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))


def toasty_owns(name: str | None, type_: str, parent_names: Any) -> bool:
    """Whether a schema object is Toasty's to migrate: procrastinate's tables are procrastinate's (alembic's
    `include_name`)."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


def upsert_statements(build: Callable[[Any], Any]) -> dict[str, Any]:
    """An INSERT … ON CONFLICT built once for each dialect Toasty runs on (only the insert construct differs), keyed
    by the dialect's name, so the hot paths execute prepared statements."""
    return {"sqlite": build(sqlite.insert), "postgresql": build(postgresql.insert)}


def _in_memory(url: str) -> bool:
    """`sqlite://` or `:memory:`: SQLAlchemy gives those one static connection, which takes no pool options."""
    path = url.split("://", 1)[-1].split("?", 1)[0]
    return path in ("", "/", "/:memory:") or ":memory:" in path


def _lock_key(name: str) -> int:
    """PostgreSQL's advisory locks are keyed by a signed 64-bit integer."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _ping_when_rested(engine: AsyncEngine) -> None:
    """A server may drop idle connections (a file cannot): ping those that rested, not those in steady use."""
    event.listen(engine.sync_engine, "checkin", _rested_since)
    event.listen(engine.sync_engine, "checkout", _ping_if_rested)


def _rested_since(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["rested_since"] = time.monotonic()


def _ping_if_rested(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
    """Ping a connection that rested IDLE_BEFORE_PING or longer; a dead one is replaced (the pool tries again)."""
    rested = record.info.get("rested_since")
    if rested is None or time.monotonic() - rested < IDLE_BEFORE_PING:
        return  # new, or in steady use
    try:
        dbapi_connection.ping()
    except Exception as error:  # whatever the driver raises, the connection is no use
        raise DisconnectionError(f"a pooled connection died while it rested: {error}") from error


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL lets the web handler record deliveries while a job writes; foreign keys on as PostgreSQL has them.

    In WAL mode, synchronous=NORMAL keeps every committed transaction across a crash of the process (only an
    operating-system crash can lose the last few) without an fsync per commit.
    """
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(files("bot.store") / "migrations"))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def migrate_blocking(url: str) -> None:
    """Apply migrations from synchronous code (the `toasty migrate` command)."""

    async def run() -> None:
        database = Database(url)
        try:
            await database.migrate()
        finally:
            await database.dispose()

    asyncio.run(run())
