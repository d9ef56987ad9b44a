"""installation and installation_repositories events: keep the list of installations and repositories."""

from __future__ import annotations

from typing import Any

from gidgethub import sansio

from bot.context import DeliveryContext, Services
from bot.handlers.routes import Routes, payload
from bot.store import installations
from bot.store.installations import RepositoryRef

routes = Routes()
_STATUS = {"created": "active", "new_permissions_accepted": "active", "unsuspend": "active", "suspend": "suspended"}


@routes.on("installation", "created", "new_permissions_accepted", "unsuspend", "suspend")
async def on_installation(event: sansio.Event, *, services: Services, context: DeliveryContext) -> None:
    """Record the installation (and, when created, the repositories it covers)."""
    data, installation_id = payload(event), context.envelope.installation_id
    account = context.envelope.installation.account if context.envelope.installation else None
    status = _STATUS[data["action"]]
    await installations.save_installation(
        services.database,
        installation_id,
        account.login if account else "?",
        (account.type if account else None) or "?",
        status,
    )
    if data["action"] == "created":
        await installations.add_repositories(services.database, installation_id, _refs(data.get("repositories")))


@routes.on("installation", "deleted")
async def on_installation_deleted(event: sansio.Event, *, services: Services, context: DeliveryContext) -> None:
    """The App was uninstalled: its repositories are no longer graded."""
    await installations.deactivate_installation(services.database, context.envelope.installation_id, "deleted")


@routes.on("installation_repositories", "added", "removed")
async def on_repositories(event: sansio.Event, *, services: Services, context: DeliveryContext) -> None:
    """Repositories added to or removed from an installation."""
    data = payload(event)
    installation_id = context.envelope.installation_id
    removed = [int(r["id"]) for r in data.get("repositories_removed") or []]
    await installations.change_repositories(
        services.database, installation_id, _refs(data.get("repositories_added")), removed
    )


def _refs(items: list[dict[str, Any]] | None) -> list[RepositoryRef]:
    return [RepositoryRef(int(item["id"]), item["full_name"]) for item in items or []]
