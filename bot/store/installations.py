"""Installations of the App and the repositories each one covers, as GitHub's installation events describe them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, update

from bot.store.db import Database
from bot.store.models import Installation, Repository


@dataclass(frozen=True, slots=True)
class RepositoryRef:
    """A repository's GitHub id and full name."""

    id: int
    full_name: str


async def save_installation(
    database: Database, installation_id: int, account: str, account_type: str, status: str
) -> None:
    """Create or update an installation."""
    async with database.session() as session:
        row = await session.get(Installation, installation_id)
        if row is None:
            session.add(Installation(id=installation_id, account=account, account_type=account_type, status=status))
        else:
            row.account, row.account_type, row.status = account, account_type, status


async def add_repositories(database: Database, installation_id: int, repositories: Iterable[RepositoryRef]) -> None:
    """Record repositories the installation now covers."""
    async with database.session() as session:
        for repository in repositories:
            row = await session.get(Repository, repository.id)
            if row is None:
                session.add(
                    Repository(id=repository.id, installation_id=installation_id, full_name=repository.full_name)
                )
            else:
                row.installation_id, row.full_name, row.active = installation_id, repository.full_name, True


async def remove_repositories(database: Database, repository_ids: Iterable[int]) -> None:
    """Mark repositories the installation no longer covers."""
    ids = list(repository_ids)
    if not ids:
        return
    async with database.session() as session:
        await session.execute(update(Repository).where(Repository.id.in_(ids)).values(active=False))


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
