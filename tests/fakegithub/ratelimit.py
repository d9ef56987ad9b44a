"""GitHub's primary rate limit: a budget per credential and resource, reported in x-ratelimit-* headers."""

from __future__ import annotations

import time
from dataclasses import dataclass

# https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api
INSTALLATION_LIMIT = 5000
UNAUTHENTICATED_LIMIT = 60
WINDOW_SECONDS = 3600


@dataclass
class Budget:
    """One hourly budget."""

    limit: int
    remaining: int
    reset: int

    @property
    def used(self) -> int:
        """Requests spent in this window."""
        return self.limit - self.remaining


class RateLimits:
    """Budgets keyed by who is asking (installation, app, anonymous) and the resource (core, graphql)."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._budgets: dict[tuple[str, str], Budget] = {}

    def budget(self, who: str, resource: str) -> Budget:
        """The budget for a caller and resource, opened on first use."""
        key = (who, resource)
        if key not in self._budgets:
            limit = UNAUTHENTICATED_LIMIT if who == "anonymous" else INSTALLATION_LIMIT
            self._budgets[key] = Budget(limit, limit, int(time.time()) + WINDOW_SECONDS)
        return self._budgets[key]

    def set_remaining(self, who: str, resource: str, remaining: int) -> None:
        """Let a test drain (or refill) a budget to script the App's behaviour near the limit."""
        self.budget(who, resource).remaining = remaining

    def spend(self, who: str, resource: str) -> Budget:
        """Charge one request (GitHub does not charge 304 Not Modified answers; callers skip those)."""
        budget = self.budget(who, resource)
        budget.remaining = max(0, budget.remaining - 1)
        return budget

    def headers(self, who: str, resource: str) -> dict[str, str]:
        """The x-ratelimit-* headers for the current state of a budget."""
        if not self.enabled:
            return {}
        budget = self.budget(who, resource)
        return {
            "x-ratelimit-limit": str(budget.limit),
            "x-ratelimit-remaining": str(budget.remaining),
            "x-ratelimit-used": str(budget.used),
            "x-ratelimit-reset": str(budget.reset),
            "x-ratelimit-resource": resource,
        }
