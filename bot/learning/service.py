"""The App's learned strategies: each repository's log folded into a ledger as it grows, learned off the event loop."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

from bot.engine.config import ToastyConfig
from bot.engine.grader import known_rules
from bot.engine.strategy import Strategy, resolve_strategy
from bot.learning.learner import (
    CollectivePriors,
    Learned,
    Reviewer,
    RulePrior,
    apply_priors,
    collective_priors,
    learn_from,
)
from bot.learning.ledger import Ledger
from bot.learning.params import LearningParameters
from bot.learning.votes import Signal
from bot.store import feedback
from bot.store import priors as stored_priors
from bot.store.db import Database
from bot.store.models import utcnow
from bot.store.priors import StoredPrior

log = logging.getLogger(__name__)

PAGE = 1_000
"""Log entries read per query while folding: each page is folded off the loop before the next is read."""
PRIORS_READ_EVERY = 60.0
"""Seconds a process grades with its copy of the stored collective priors before reading them again."""
_T = TypeVar("_T")


def _out_of_collections() -> None:
    """A full page of ledger lives as long as the process: move it out of the garbage collector's reach. Python's full
    collections pause every thread, the event loop's included, and walking a 50,000-row ledger took 60–250 ms each
    time; frozen, only what came since is walked. The young generations are collected first, so little garbage of
    the moment is kept for good."""
    gc.collect(1)
    gc.freeze()


def as_signal(row: Any) -> Signal:
    """A log row (an ORM row or a row of `feedback.LEARNED_COLUMNS`) as the learner reads it."""
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
    """Strategies per repository: defaults ◀ collective ◀ learned ◀ the repository's config.

    Each repository's log is folded into a `Ledger` once and then only its new entries are; folding and learning
    run on one worker thread, never on the event loop, so a busy repository cannot stall webhook acknowledgements."""

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
        self._priors_read: float | None = None
        self._cache: dict[tuple[str, str], tuple[int, Learned]] = {}
        self._ledgers: dict[str, Ledger] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toasty-learning")

    async def strategy_for(
        self, repository: str, config: ToastyConfig | None, now: datetime | None = None, *, for_grading: bool = False
    ) -> Strategy:
        """The strategy a grading of this repository uses (learning off in the config: defaults and config only).

        Only gradings (`for_grading`) add to the strategy's history: it records what Toasty actually used, not
        what a dashboard or an API caller with another config happened to ask for."""
        base = Strategy.default()
        if self.params.collective:
            base = apply_priors(base, await self.current_priors(), known_rules(base), self.params)
        configured = resolve_strategy(config, base=base)
        if config is not None and not config.learning:
            return configured
        learned = (await self._learned(repository, configured, now)).strategy
        if for_grading:
            await self._remember(repository, learned)
        return learned

    async def reviewers(self, repository: str, now: datetime | None = None) -> Mapping[str, Reviewer]:
        """How much each person's votes count in this repository, by login (for its maintainers: `toasty strategy
        show`; the check run and the strategy document name nobody)."""
        priors = await self.current_priors()
        base = apply_priors(Strategy.default(), priors, known_rules(Strategy.default()), self.params)
        return (await self._learned(repository, base, now)).reviewers

    async def _learned(self, repository: str, configured: Strategy, now: datetime | None) -> Learned:
        lock = self._locks.setdefault(repository, asyncio.Lock())
        async with lock:
            ledger = await self._folded(repository)
            key = (repository, configured.digest)
            cached = self._cache.get(key)
            if cached is not None and cached[0] == ledger.upto and now is None:
                return cached[1]
            learned = await self._off_loop(
                learn_from,
                configured,
                ledger,
                known_rules(configured),
                params=self.params,
                now=now or utcnow(),
                priors=self.priors,
            )
            self._cache[key] = (ledger.upto, learned)
            return learned

    async def _folded(self, repository: str) -> Ledger:
        """The repository's ledger with every log entry folded in, reading only what is new since last time."""
        ledger = self._ledgers.get(repository)
        if ledger is None:
            ledger = self._ledgers[repository] = Ledger(self.params, self.ignored_actors)
        while True:
            rows = await feedback.log_page(self.database, repository, ledger.upto, PAGE)
            if rows:
                await self._off_loop(ledger.fold, [as_signal(row) for row in rows])
            if len(rows) < PAGE:
                return ledger
            await self._off_loop(_out_of_collections)

    async def _off_loop(self, work: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run CPU-heavy learning on the learning thread, so the event loop keeps answering webhooks."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, lambda: work(*args, **kwargs))

    async def _remember(self, repository: str, strategy: Strategy) -> None:
        changed = await feedback.save_snapshot(self.database, repository, strategy.feedback_upto, strategy.to_json())
        if changed and self.on_update is not None:
            self.on_update()

    async def refresh_priors(self, now: datetime | None = None) -> CollectivePriors:
        """Recompute the collective priors from every repository's ledger (per-rule counts and thresholds only) and
        store them for every process; a periodic task does this once across replicas."""
        if not self.params.collective:
            return self.priors
        installed = await feedback.repositories_with_feedback(self.database, installed_only=True)
        for repository in installed:
            async with self._locks.setdefault(repository, asyncio.Lock()):
                await self._folded(repository)
        ledgers = {repository: self._ledgers[repository] for repository in installed if repository in self._ledgers}
        now = now or utcnow()
        priors = await self._off_loop(
            collective_priors, ledgers, known_rules(Strategy.default()), params=self.params, now=now
        )
        await stored_priors.replace(self.database, _stored(priors), now)
        self._adopt(priors)
        log.info("collective priors refreshed from %d repositories", len(ledgers))
        return self.priors

    async def current_priors(self) -> CollectivePriors:
        """The collective priors last stored, read again once this process's copy is PRIORS_READ_EVERY old."""
        if self.params.collective and (
            self._priors_read is None or time.monotonic() - self._priors_read >= PRIORS_READ_EVERY
        ):
            self._priors_read = time.monotonic()
            self._adopt(_from_stored(await stored_priors.latest(self.database)))
        return self.priors

    async def start_priors(self) -> None:
        """At start: the stored priors, or where none are stored yet (a new deployment) computed and stored now."""
        if not (await self.current_priors()).rules:
            await self.refresh_priors()

    def _adopt(self, priors: CollectivePriors) -> None:
        """Grade with these priors from now on; strategies learned on others are learned again."""
        if priors != self.priors:
            self.priors = priors
            self._cache.clear()

    def forget(self, repository: str) -> None:
        """Drop cached strategies of a repository (after a reset)."""
        for key in [key for key in self._cache if key[0] == repository]:
            del self._cache[key]

    def close(self) -> None:
        """Stop the learning thread (after the App stops)."""
        self._worker.shutdown(wait=False, cancel_futures=True)


def _stored(priors: CollectivePriors) -> list[StoredPrior]:
    return [StoredPrior(rule, p.positive, p.negative, p.repositories, p.threshold) for rule, p in priors.rules.items()]


def _from_stored(stored: list[StoredPrior]) -> CollectivePriors:
    return CollectivePriors({p.rule: RulePrior(p.positive, p.negative, p.repositories, p.threshold) for p in stored})
