"""The one retry policy for deliveries: what a failed attempt leads to, and after how long.

Two budgets, kept apart: waiting out GitHub's rate limit is not a failure (its own, larger budget), and GitHub
failing (5xx, network errors) gets MAX_FAILURES attempts whatever waits came before. Anything else is a defect or a
refusal that trying again will not change, so the work is given up at once. Every runner applies this policy and
nothing else does: handlers raise, the runner decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.github.client import GitHubUnavailable, RetryLater

MAX_FAILURES = 4
"""Attempts at a delivery GitHub keeps failing (5xx, network errors, a crash mid-attempt)."""
FAILURE_DELAYS = (30.0, 120.0, 600.0)
"""When GitHub keeps failing: wait this long before the second, third and fourth attempt."""
MAX_WAITS = 20
"""Rate-limit waits are not failures, but a delivery that had to wait this often is given up."""
MIN_DELAY = 1.0


@dataclass(frozen=True, slots=True)
class Retry:
    """Try again after `delay` seconds; `rate_limited` says which budget the attempt is counted against."""

    delay: float
    reason: str
    rate_limited: bool


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop trying; `reason` is what the check run and the delivery's record say."""

    reason: str


@dataclass(frozen=True, slots=True)
class Budget:
    """What a delivery has used so far: failed attempts (crashes included) and rate-limit waits."""

    failures: int
    waits: int


def decide(error: Exception, used: Budget) -> Retry | GiveUp:
    """What follows an attempt that raised `error`, given the budget used before it."""
    if isinstance(error, RetryLater):
        if used.waits + 1 >= MAX_WAITS:
            return GiveUp(f"GitHub's rate limit held through {MAX_WAITS} waits: {error}")
        return Retry(max(MIN_DELAY, error.seconds), str(error), rate_limited=True)
    if isinstance(error, GitHubUnavailable):
        if used.failures + 1 >= MAX_FAILURES:
            return GiveUp(f"GitHub kept failing ({MAX_FAILURES} attempts): {error}")
        delay = FAILURE_DELAYS[min(used.failures, len(FAILURE_DELAYS) - 1)]
        return Retry(delay, str(error), rate_limited=False)
    return GiveUp(f"{type(error).__name__}: {error}"[:4000])
