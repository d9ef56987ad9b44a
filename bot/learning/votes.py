"""From raw feedback signals to votes: one per person per finding, trust-weighted, fading with age."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.learning.params import LearningParameters

POSITIVE_REACTIONS = frozenset(("+1", "heart", "hooray", "rocket"))
NEGATIVE_REACTIONS = frozenset(("-1", "confused"))
RESOLVED_WEIGHT = 0.5
"""Resolving a thread is weaker evidence than a 👍: it may mean "done" or only "seen"."""


@dataclass(frozen=True, slots=True)
class Signal:
    """One row of the feedback log, independent of the database."""

    id: int
    repository: str
    rule: str
    fingerprint: str | None
    value: float | None
    actor: str
    association: str
    signal: str
    content: str | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Vote:
    """One person's verdict on one finding: +1 useful, −1 not, ½ for a resolved thread."""

    rule: str
    fingerprint: str
    actor: str
    sign: float
    weight: float
    """Trust of the actor; age fading is applied when the vote is used."""
    value: float | None
    occurred_at: datetime
    kind: str
    """What decided it: reaction, ignore, fixed or resolved (for explanations)."""


@dataclass(frozen=True, slots=True)
class Mute:
    """A rule muted (or unmuted) for the repository by a trusted person."""

    rule: str
    muted: bool
    occurred_at: datetime


def since_last_reset(signals: Iterable[Signal]) -> list[Signal]:
    """Signals after the latest `reset` of their rule (or of everything); earlier ones stay in the log, unused."""
    ordered = sorted(signals, key=lambda s: s.id)
    cutoff_all = max((s.id for s in ordered if s.signal == "reset" and not s.content), default=0)
    cutoff_rule: dict[str, int] = {}
    for signal in ordered:
        if signal.signal == "reset" and signal.content:
            cutoff_rule[signal.content] = signal.id
    return [s for s in ordered if s.signal != "reset" and s.id > cutoff_all and s.id > cutoff_rule.get(s.rule, 0)]


def collect_votes(signals: Iterable[Signal], params: LearningParameters, ignored_actors: frozenset[str]) -> list[Vote]:
    """The current vote of every trusted person on every finding, in the order the votes were cast."""
    by_pair: dict[tuple[str, str], list[Signal]] = defaultdict(list)
    for signal in signals:
        if signal.fingerprint and signal.actor not in ignored_actors:
            by_pair[(signal.fingerprint, signal.actor)].append(signal)
    votes = []
    for (fingerprint, actor), history in by_pair.items():
        weight = params.trust_of(history[-1].association)
        vote = _verdict(history)
        if vote is None or weight <= 0:
            continue
        sign, kind, decisive = vote
        votes.append(Vote(decisive.rule, fingerprint, actor, sign, weight, decisive.value, decisive.occurred_at, kind))
    return sorted(votes, key=lambda v: (v.occurred_at, v.fingerprint, v.actor))


def _verdict(history: list[Signal]) -> tuple[float, str, Signal] | None:
    """One person's standing verdict on one finding: an explicit ignore beats a reaction, which beats a fix."""
    active: dict[str, Signal] = {}
    ignore = fixed = resolved = None
    for signal in history:
        if signal.signal == "reaction" and signal.content:
            active[signal.content] = signal
        elif signal.signal == "reaction_removed" and signal.content:
            active.pop(signal.content, None)
        elif signal.signal == "ignore":
            ignore = signal
        elif signal.signal == "fixed":
            fixed = signal
        elif signal.signal == "resolved":
            resolved = signal
        elif signal.signal == "unresolved":
            resolved = None
    if ignore is not None:
        return -1.0, "ignore", ignore
    score = sum(1 for c in active if c in POSITIVE_REACTIONS) - sum(1 for c in active if c in NEGATIVE_REACTIONS)
    if score:
        decisive = max(
            (s for c, s in active.items() if c in POSITIVE_REACTIONS | NEGATIVE_REACTIONS), key=lambda s: s.id
        )
        return (1.0 if score > 0 else -1.0), "reaction", decisive
    if fixed is not None:
        return 1.0, "fixed", fixed
    if resolved is not None:
        return RESOLVED_WEIGHT, "resolved", resolved
    return None


def collect_mutes(
    signals: Iterable[Signal], params: LearningParameters, ignored_actors: frozenset[str]
) -> dict[str, Mute]:
    """Each rule's latest mute or unmute by a trusted person."""
    mutes: dict[str, Mute] = {}
    for signal in sorted(signals, key=lambda s: s.id):
        if signal.signal not in ("mute", "unmute") or signal.actor in ignored_actors:
            continue
        if params.trust_of(signal.association) < 1.0:
            continue  # only owners, members and collaborators may switch a rule off for everyone
        mutes[signal.rule] = Mute(signal.rule, signal.signal == "mute", signal.occurred_at)
    return mutes
