"""Installations of the App and the repositories each one covers, as GitHub's installation events describe them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update

from bot.store.db import Database, upsert_statements
from bot.store.models import Installation, Repository, utcnow


def _upsert_installation(insert: Any) -> Any:
    """INSERT, or UPDATE when it changes something (as the ORM did: an unchanged row keeps its updated_at)."""
    statement = insert(Installation)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[Installation.id],
        set_={
            "account": new.account,
            "account_type": new.account_type,
            "status": new.status,
            "updated_at": new.updated_at,
        },
        where=or_(
            Installation.account != new.account,
            Installation.account_type != new.account_type,
            Installation.status != new.status,
        ),
    )


def _upsert_repository(insert: Any) -> Any:
    """INSERT, or UPDATE when it changes something: one statement where the ORM loaded, then flushed, each row."""
    statement = insert(Repository)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[Repository.id],
        set_={
            "installation_id": new.installation_id,
            "full_name": new.full_name,
            "active": True,
            "updated_at": new.updated_at,
        },
        where=or_(
            Repository.installation_id != new.installation_id,
            Repository.full_name != new.full_name,
            ~Repository.active,
        ),
    )


_UPSERT_INSTALLATION = upsert_statements(_upsert_installation)
_UPSERT_REPOSITORY = upsert_statements(_upsert_repository)


@dataclass(frozen=True, slots=True)
class RepositoryRef:
    """A repository's GitHub id and full name."""

    id: int
    full_name: str


async def save_installation(
    database: Database, installation_id: int, account: str, account_type: str, status: str
) -> None:
    """Create or update an installation."""
    row = {"id": installation_id, "account": account, "account_type": account_type, "status": status}
    async with database.begin() as connection:
        await connection.execute(_UPSERT_INSTALLATION[connection.dialect.name], {**row, "updated_at": utcnow()})


async def add_repositories(database: Database, installation_id: int, repositories: Iterable[RepositoryRef]) -> None:
    """Record repositories the installation now covers."""
    await change_repositories(database, installation_id, repositories, ())


async def change_repositories(
    database: Database, installation_id: int, added: Iterable[RepositoryRef], removed: Iterable[int]
) -> None:
    """Record repositories an installation now covers and mark those it no longer does, in one transaction."""
    now = utcnow()
    rows = [
        {
            "id": ref.id,
            "installation_id": installation_id,
            "full_name": ref.full_name,
            "active": True,
            "updated_at": now,
        }
        for ref in added
    ]
    ids = list(removed)
    if not rows and not ids:
        return
    async with database.begin() as connection:
        if rows:
            await connection.execute(_UPSERT_REPOSITORY[connection.dialect.name], rows)
        if ids:
            await connection.execute(update(Repository).where(Repository.id.in_(ids)).values(active=False))


async def deactivate_installation(database: Database, installation_id: int, status: str) -> None:
    """An installation was deleted or suspended: its repositories are no longer graded."""
    async with database.session() as session:
        await session.execute(update(Installation).where(Installation.id == installation_id).values(status=status))
        if status == "deleted":
            await session.execute(
                update(Repository).where(Repository.installation_id == installation_id).values(active=False)
            )


async def active_repositories(database: Database) -> list[tuple[int, str]]:
    """(installation id, full name) of every repository the App may grade now."""
    async with database.session() as session:
        rows = await session.execute(
            select(Repository.installation_id, Repository.full_name)
            .join(Installation, Installation.id == Repository.installation_id)
            .where(Repository.active, Installation.status == "active")
            .order_by(Repository.full_name)
        )
        return [(row.installation_id, row.full_name) for row in rows]


async def installation_of(database: Database, repository: str) -> int | None:
    """The installation a repository belongs to, by full name (case-insensitive, as GitHub's names are)."""
    async with database.session() as session:
        return await session.scalar(
            select(Repository.installation_id).where(func.lower(Repository.full_name) == repository.lower()).limit(1)
        )


async def installations_by_repository(database: Database) -> dict[str, int]:
    """Every known repository's installation, by lower-cased full name (for checking a token's reach in bulk)."""
    async with database.session() as session:
        rows = await session.execute(select(Repository.full_name, Repository.installation_id))
        return {row.full_name.lower(): row.installation_id for row in rows}


def installed() -> Any:
    """The condition that a repository (by full name) is active in an active installation, for other queries."""
    return (
        select(func.lower(Repository.full_name))
        .join(Installation, Installation.id == Repository.installation_id)
        .where(Repository.active, Installation.status == "active")
    )


async def is_installed(database: Database, repository: str) -> bool:
    """Whether the App is installed on this repository now (feedback is taken only for those)."""
    async with database.session() as session:
        found = await session.scalar(installed().where(func.lower(Repository.full_name) == repository.lower()).limit(1))
        return found is not None
