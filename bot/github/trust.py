"""How far to trust someone's feedback on a repository: their permission there, looked up at most once an hour."""

from __future__ import annotations

from cachetools import TTLCache
from gidgethub import BadRequest

from bot.github.client import GitHubClient

ASSOCIATION_TTL = 3600.0
"""Someone's permission on a repository is looked up at most once an hour."""
_FULL_TRUST_ROLES = frozenset(("admin", "maintain", "write"))


class Trust:
    """Each person's association with each repository, as learning weighs their votes; cached for the App's life."""

    def __init__(self) -> None:
        self.associations: TTLCache[tuple[str, str], str] = TTLCache(10_000, ASSOCIATION_TTL)

    async def association(self, gh: GitHubClient, repository: str, login: str, *, is_bot: bool = False) -> str:
        """`BOT` for bots (no request); else from their permission: write or more counts as a collaborator."""
        if is_bot or login.endswith("[bot]"):
            return "BOT"
        key = (repository, login)
        found = self.associations.get(key)
        if found is None:
            found = self.associations[key] = await _from_permission(gh, repository, login)
        return found


async def _from_permission(gh: GitHubClient, repository: str, login: str) -> str:
    """Permission, not organisation membership: an org member without write access is no maintainer here."""
    try:
        answer = await gh.getitem(f"/repos/{repository}/collaborators/{login}/permission")
    except BadRequest as error:
        if error.status_code != 404:  # a deleted account ("ghost") or a renamed one: nobody to trust
            raise
        return "NONE"
    role = str(answer.get("role_name") or answer.get("permission") or "none")
    if role in _FULL_TRUST_ROLES:
        return "COLLABORATOR"
    if role == "triage":
        return "CONTRIBUTOR"
    return "NONE"
