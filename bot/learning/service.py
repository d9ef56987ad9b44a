"""The App's learned strategies: computed from the log and the collective priors, cached until the log grows."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from bot.engine.config import ToastyConfig
from bot.engine.grader import known_rules
from bot.engine.strategy import Strategy, resolve_strategy
from bot.learning.learner import CollectivePriors, apply_priors, collective_priors, learn
from bot.learning.params import LearningParameters
from bot.learning.votes import Signal
from bot.store import feedback
from bot.store.db import Database
from bot.store.models import Feedback, utcnow

log = logging.getLogger(__name__)


def as_signal(row: Feedback) -> Signal:
    """A log row as the learner reads it."""
    return Signal(
        id=row.id,
        repository=row.repository,
        rule=row.rule,
        fingerprint=row.fingerprint,
        value=row.value,
        actor=row.actor,
        association=row.association,
        signal=row.signal,
        content=row.content,
        occurred_at=row.occurred_at,
    )


class LearningService:
    """Strategies per repository: defaults ◀ collective ◀ learned ◀ the repository's config."""

    def __init__(
        self,
        database: Database,
        params: LearningParameters,
        ignored_actors: frozenset[str] = frozenset(),
        on_update: Callable[[], None] | None = None,
    ) -> None:
        self.on_update = on_update
        self.database = database
        self.params = params
        self.ignored_actors = ignored_actors
        self.priors = CollectivePriors()
        self._cache: dict[tuple[str, str], tuple[int, Strategy]] = {}

    async def strategy_for(
        self, repository: str, config: ToastyConfig | None, now: datetime | None = None, *, for_grading: bool = False
    ) -> Strategy:
        """The strategy a grading of this repository uses (learning off in the config: defaults and config only).

        Only gradings (`for_grading`) add to the strategy's history: it records what Toasty actually used, not
        what a dashboard or an API caller with another config happened to ask for."""
        base = Strategy.default()
        if self.params.collective:
            base = apply_priors(base, self.priors, known_rules(base))
        configured = resolve_strategy(config, base=base)
        if config is not None and not config.learning:
            return configured
        learned = await self._learned(repository, configured, now)
        if for_grading:
            await self._remember(repository, learned)
        return learned

    async def _learned(self, repository: str, configured: Strategy, now: datetime | None) -> Strategy:
        upto = await feedback.latest_id(self.database, repository)
        key = (repository, configured.digest)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == upto and now is None:
            return cached[1]
        signals = [as_signal(row) for row in await feedback.log(self.database, repository)]
        learned = learn(
            configured,
            signals,
            known_rules(configured),
            params=self.params,
            now=now or utcnow(),
            ignored_actors=self.ignored_actors,
            priors=self.priors,
        )
        self._cache[key] = (upto, learned)
        return learned

    async def _remember(self, repository: str, strategy: Strategy) -> None:
        changed = await feedback.save_snapshot(self.database, repository, strategy.feedback_upto, strategy.to_json())
        if changed and self.on_update is not None:
            self.on_update()

    async def refresh_priors(self, now: datetime | None = None) -> CollectivePriors:
        """Recompute the collective priors from every repository's log (per-rule counts and thresholds only)."""
        if not self.params.collective:
            return self.priors
        by_repository: dict[str, list[Signal]] = defaultdict(list)
        for row in await feedback.log(self.database, installed_only=True):
            by_repository[row.repository].append(as_signal(row))
        self.priors = collective_priors(
            by_repository,
            known_rules(Strategy.default()),
            params=self.params,
            now=now or utcnow(),
            ignored_actors=self.ignored_actors,
        )
        self._cache.clear()
        log.info("collective priors refreshed from %d repositories", len(by_repository))
        return self.priors

    def forget(self, repository: str) -> None:
        """Drop cached strategies of a repository (after a reset)."""
        for key in [key for key in self._cache if key[0] == repository]:
            del self._cache[key]
