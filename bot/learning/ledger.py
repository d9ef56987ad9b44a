"""The feedback log folded into running sums, one signal at a time, so a strategy costs the same at any log size.

Per repository the ledger keeps each person's standing verdict on each finding (what `votes.verdict` reads from
their signals) and, per rule, sums of those verdicts by person and value bucket: as cast, faded by age, and faded
by how many votes on the rule came since. A new signal updates the sums in constant time (a verdict that changes
is taken out and put back); learning reads the sums, the rule's latest votes, and the findings several people voted
on, never the whole log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.engine.rules import CATALOGUE
from bot.learning.params import LearningParameters
from bot.learning.votes import Mute, Signal, Vote, verdict

POSTED = "posted"
"""The signal Toasty logs for each inline comment it posts: what the share of answered comments is read from."""
ANSWER_WINDOW = 400
"""How many of Toasty's latest comments the answer rate is read from."""
ANSWER_GRACE = timedelta(hours=12)
"""A comment younger than this may still be answered: it does not count yet."""
OUTCOME = "@outcome"
"""Who a finding's outcome (fixed after a push, its thread resolved) votes as, when people's votes are compared."""
_RULE_VOTES = 10.0
"""A person's votes on one rule count as at most this many agreements or disagreements with the others' view."""
_RESCALE_AT = 600.0
"""Exponent (in half-lives) past which running sums are rebuilt on a fresh base, so no float overflows."""

_LOWER_IS_WORSE = frozenset(meta.id for meta in CATALOGUE.values() if meta.lower_is_worse)
Bucket = float | None
"""A metric's value rounded to half a unit (None for rules without a value)."""


def bucket_of(value: float | None) -> Bucket:
    """The value bucket a vote's sums go to: exact for integer metrics, half units for the maintainability index."""
    return None if value is None else round(value * 2) / 2


@dataclass(slots=True)
class Sums:
    """Trust-weighted votes for and against in one (person, value bucket) of a rule."""

    up: float = 0.0
    down: float = 0.0
    up_aged: float = 0.0
    """Scaled by 2^(days since the ledger's base / half-life): multiplied by 2^(−now/half-life) it is age-faded."""
    down_aged: float = 0.0
    up_recent: float = 0.0
    """Scaled by 2^(votes on this value so far / threshold memory): the same trick, for fading a vote by the later
    votes on the same value (the team's latest word on a value supersedes its earlier ones)."""
    down_recent: float = 0.0

    def add(self, sign: float, weight: float, cast: Cast, times: float = 1.0) -> None:
        """Add (times=1) or take out (times=−1) one vote."""
        amount = weight * abs(sign) * times
        if sign > 0:
            self.up += amount
            self.up_aged += amount * cast.aged
            self.up_recent += amount * cast.recent
        else:
            self.down += amount
            self.down_aged += amount * cast.aged
            self.down_recent += amount * cast.recent


@dataclass(slots=True)
class Cast:
    """A standing vote in a rule's book, with the scales it was added at (to take it out exactly)."""

    vote: Vote
    aged: float
    recent: float
    seq: int
    """How many later votes had contradicted votes like it (same value, same side) when it was cast."""
    number: int
    """Which vote on the rule it was (how many votes on the rule came after it: `RuleBook.votes` − this)."""


@dataclass
class RuleBook:
    """One rule's standing votes: in the order they were cast, and summed by person and value bucket."""

    casts: dict[tuple[str, str], Cast] = field(default_factory=dict)
    """(fingerprint, actor) → vote, oldest first: a changed verdict moves to the end."""
    sums: dict[tuple[str, Bucket], Sums] = field(default_factory=dict)
    contradicted: dict[tuple[Bucket, bool], int] = field(default_factory=dict)
    """Per (value bucket, 👍?), how many votes cast since contradicted the cut such votes imply (a 👍 at v says
    the cut lies below v, against every 👎 at v or above; a 👎 at v the reverse): the scale of the `recent` sums …"""
    bases: dict[tuple[Bucket, bool], int] = field(default_factory=dict)
    """… counted from here (moved forward before the scale could overflow)."""
    votes: int = 0
    """Votes cast on the rule so far."""
    kinds: dict[str, int] = field(default_factory=dict)
    """Standing votes by what decided them (reaction+, reaction-, fixed, ignore, resolved)."""
    last_heard: datetime | None = None

    def latest(self, count: int) -> list[Cast]:
        """The `count` standing votes cast last, oldest first."""
        found: list[Cast] = []
        for cast in reversed(self.casts.values()):
            if len(found) >= count:
                break
            found.append(cast)
        return found[::-1]


@dataclass
class Ledger:
    """One repository's feedback, folded: learning reads this instead of replaying the log."""

    params: LearningParameters
    ignored_actors: frozenset[str] = frozenset()
    upto: int = 0
    """The last log entry folded in."""
    histories: dict[tuple[str, str], list[Signal]] = field(default_factory=dict)
    """(fingerprint, actor) → that person's signals on the finding (what their verdict is read from)."""
    rules: dict[str, RuleBook] = field(default_factory=dict)
    mutes: dict[str, Mute] = field(default_factory=dict)
    findings: dict[str, dict[str, float]] = field(default_factory=dict)
    """fingerprint → voter → sign (outcomes as OUTCOME): whom each finding's votes agree with."""
    shared: dict[str, None] = field(default_factory=dict)
    """Fingerprints several voters voted on, the most recently voted last (at most `params.shared_findings`)."""
    base: datetime | None = None
    posted: dict[str, datetime] = field(default_factory=dict)
    """Fingerprints of Toasty's latest comments (at most ANSWER_WINDOW), when posted, the latest last …"""
    answered: set[str] = field(default_factory=set)
    """… and those of them a trusted person answered (a vote, an `ignore`, a resolved thread)."""

    @classmethod
    def of(
        cls, signals: Iterable[Signal], params: LearningParameters, ignored_actors: frozenset[str] = frozenset()
    ) -> Ledger:
        """A ledger of these signals (in log order)."""
        ledger = cls(params, ignored_actors)
        ledger.fold(signals)
        return ledger

    def fold(self, signals: Iterable[Signal]) -> None:
        """Take in new log entries (ids above `upto`, in order); earlier ones are already in."""
        for signal in sorted(signals, key=lambda s: s.id):
            if signal.id <= self.upto:
                continue
            self.upto = signal.id
            self._take(signal)

    def books(self) -> Iterator[tuple[str, RuleBook]]:
        """Each rule with standing votes."""
        return iter(self.rules.items())

    def shared_findings(self) -> list[dict[str, float]]:
        """The votes on the findings several people (or a person and the outcome) voted on, latest last."""
        return [self.findings[fingerprint] for fingerprint in self.shared]

    def people_by_rule(self) -> dict[str, dict[str, tuple[float, float]]]:
        """Per rule, each person's trust-weighted votes for and against (outcomes left out)."""
        found: dict[str, dict[str, tuple[float, float]]] = {}
        for rule, book in self.rules.items():
            tallies: dict[str, tuple[float, float]] = {}
            for (actor, _), sums in book.sums.items():
                up, down = tallies.get(actor, (0.0, 0.0))
                tallies[actor] = (up + sums.up, down + sums.down)
            found[rule] = tallies
        return found

    def answer_rate(self, now: datetime) -> float | None:
        """The share of Toasty's recent comments old enough to have been answered that were (None before any)."""
        due = [fingerprint for fingerprint, when in self.posted.items() if now - when >= ANSWER_GRACE]
        if not due:
            return None
        answered = sum(1 for fingerprint in due if fingerprint in self.answered)
        return (answered + 1) / (len(due) + 2)

    def aged_factor(self, now: datetime) -> float:
        """What `Sums.*_aged` are multiplied by to fade them to `now`."""
        if self.base is None:
            return 1.0
        return float(2.0 ** (-self._half_lives(now)))

    def _take(self, signal: Signal) -> None:
        if signal.signal == "reset":
            self._reset(signal.content or None)
            return
        if signal.signal == POSTED:
            self._note_posted(signal)
            return
        if signal.actor in self.ignored_actors:
            return
        if signal.signal in ("mute", "unmute"):
            if self.params.trust_of(signal.association) >= 1.0:  # only members may switch a rule off for everyone
                self.mutes[signal.rule] = Mute(signal.rule, signal.signal == "mute", signal.occurred_at)
            return
        if not signal.fingerprint:
            return
        pair = (signal.fingerprint, signal.actor)
        history = self.histories.setdefault(pair, [])
        history.append(signal)
        book = self.rules.get(signal.rule)
        if book is not None:
            self._withdraw(book, pair)
        weight = self.params.trust_of(signal.association)
        found = verdict(history)
        if found is None or weight <= 0:
            return
        book = self.rules.setdefault(signal.rule, RuleBook())
        sign, kind, decisive = found
        vote = Vote(
            decisive.rule, signal.fingerprint, signal.actor, sign, weight, decisive.value, decisive.occurred_at, kind
        )
        self._cast(book, pair, vote)
        if kind != "fixed" and signal.fingerprint in self.posted:
            self.answered.add(signal.fingerprint)

    def _note_posted(self, signal: Signal) -> None:
        """Toasty commented on a finding: one more comment the team may answer (the oldest beyond the window go)."""
        if not signal.fingerprint:
            return
        self.posted.pop(signal.fingerprint, None)
        self.posted[signal.fingerprint] = signal.occurred_at
        while len(self.posted) > ANSWER_WINDOW:
            self.answered.discard(self.posted.pop(next(iter(self.posted))))

    def _cast(self, book: RuleBook, pair: tuple[str, str], vote: Vote) -> None:
        if self.base is None:
            self.base = vote.occurred_at
        if self._half_lives(vote.occurred_at) > _RESCALE_AT:
            self._rebase(vote.occurred_at)
        bucket = bucket_of(vote.value)
        side = (bucket, vote.sign > 0)
        if bucket is not None:
            self._contradict(book, vote.rule, bucket, vote.sign > 0)
        count = book.contradicted.setdefault(side, 0)
        book.votes += 1
        cast = Cast(
            vote, 2.0 ** self._half_lives(vote.occurred_at), self._recent_scale(book, side, count), count, book.votes
        )
        book.casts[pair] = cast
        self._sum(book, cast, 1.0)
        book.kinds[_kind(vote)] = book.kinds.get(_kind(vote), 0) + 1
        if book.last_heard is None or vote.occurred_at > book.last_heard:
            book.last_heard = vote.occurred_at
        self._note_finding(vote, add=True)

    def _withdraw(self, book: RuleBook, pair: tuple[str, str]) -> None:
        cast = book.casts.pop(pair, None)
        if cast is None:
            return
        self._sum(book, cast, -1.0)
        kind = _kind(cast.vote)
        book.kinds[kind] -= 1
        self._note_finding(cast.vote, add=False)

    def _sum(self, book: RuleBook, cast: Cast, times: float) -> None:
        vote = cast.vote
        sums = book.sums.setdefault((vote.actor, bucket_of(vote.value)), Sums())
        sums.add(vote.sign, vote.weight, cast, times)

    def _note_finding(self, vote: Vote, *, add: bool) -> None:
        voter = OUTCOME if vote.kind in ("fixed", "resolved") else vote.actor
        votes = self.findings.setdefault(vote.fingerprint, {})
        if add:
            votes[voter] = vote.sign
        else:
            votes.pop(voter, None)
        self.shared.pop(vote.fingerprint, None)
        if len(votes) >= 2:
            self.shared[vote.fingerprint] = None
            while len(self.shared) > self.params.shared_findings:
                del self.shared[next(iter(self.shared))]
        elif not votes:
            del self.findings[vote.fingerprint]

    def _reset(self, rule: str | None) -> None:
        """A reset marker: learning starts again (for one rule, or all); the log keeps what came before."""
        for pair in [pair for pair, history in self.histories.items() if rule is None or history[-1].rule == rule]:
            del self.histories[pair]
        for name in [name for name in self.rules if rule is None or name == rule]:
            for cast in self.rules.pop(name).casts.values():
                self._note_finding(cast.vote, add=False)
        for name in [name for name in self.mutes if rule is None or name == rule]:
            del self.mutes[name]

    def _half_lives(self, when: datetime) -> float:
        assert self.base is not None
        return (when - self.base).total_seconds() / 86400 / self.params.half_life_days

    def _contradict(self, book: RuleBook, rule: str, bucket: float, wanted: bool) -> None:
        """A vote at `bucket` fades the earlier votes it contradicts, for the threshold: the team's latest word on
        where its cut lies supersedes what it said before, so a changed cut is followed without lag."""
        direction = -1.0 if rule in _LOWER_IS_WORSE else 1.0
        here = direction * bucket
        rebuild = False
        for key in book.contradicted:
            other, other_wanted = key
            if other is None or other_wanted == wanted:
                continue
            there = direction * other
            if (wanted and there >= here) or (not wanted and there <= here):
                book.contradicted[key] += 1
                if (book.contradicted[key] - book.bases.get(key, 0)) / self.params.threshold_memory > _RESCALE_AT:
                    book.bases[key] = book.contradicted[key]
                    rebuild = True
        if rebuild:
            self._rebuild(book)

    def _recent_scale(self, book: RuleBook, side: tuple[Bucket, bool], count: int) -> float:
        return float(2.0 ** ((count - book.bases.get(side, 0)) / self.params.threshold_memory))

    def recent_factor(self, book: RuleBook, bucket: Bucket, wanted: bool) -> float:
        """What `Sums.up_recent` (wanted) or `down_recent` of a value bucket are multiplied by: faded by the later
        votes that contradicted them."""
        side = (bucket, wanted)
        later = book.contradicted.get(side, 0) - book.bases.get(side, 0)
        return float(2.0 ** (-later / self.params.threshold_memory))

    def _rebase(self, when: datetime) -> None:
        """Move the age base forward (after hundreds of half-lives) and rebuild every rule's sums on it."""
        self.base = when
        for book in self.rules.values():
            self._rebuild(book)

    def _rebuild(self, book: RuleBook) -> None:
        """Recompute a rule's sums on the current bases (rare: after hundreds of half-lives)."""
        book.sums.clear()
        for cast in book.casts.values():
            cast.aged = 2.0 ** self._half_lives(cast.vote.occurred_at)
            cast.recent = self._recent_scale(book, (bucket_of(cast.vote.value), cast.vote.sign > 0), cast.seq)
            self._sum(book, cast, 1.0)


def _kind(vote: Vote) -> str:
    if vote.kind == "reaction":
        return "up" if vote.sign > 0 else "down"
    return vote.kind


def reliability(
    shared: Iterable[dict[str, float]],
    by_rule: Mapping[str, Mapping[str, tuple[float, float]]],
    params: LearningParameters,
    rounds: int = 4,
) -> dict[str, tuple[float, float]]:
    """Per person, (agreements, disagreements) with the other reviewers: on findings several people voted on
    (outcomes included), and on each rule with the others' view of it, each other person one voice.

    Each person is compared with the others weighted by their own agreement, so one hostile voter cannot make the
    honest ones look unreliable: a few rounds of this settle (a light Dawid–Skene). Counting people rather than
    votes on a rule is what tells a hostile reviewer from the three honest ones they each contradict."""
    findings = [votes for votes in shared if len(votes) >= 2]
    voters = {voter for votes in findings for voter in votes if voter != OUTCOME}
    voters |= {voter for tallies in by_rule.values() if len(tallies) >= 2 for voter in tallies}
    weight = dict.fromkeys(voters, 1.0)
    weight[OUTCOME] = 1.0
    counts: dict[str, tuple[float, float]] = {}
    for round_number in range(rounds + 1):
        agree = dict.fromkeys(voters, 0.0)
        differ = dict.fromkeys(voters, 0.0)
        for tallies in by_rule.values():
            _rule_agreement(tallies, weight, agree, differ)
        if round_number:  # the first round weighs people by their rules alone: findings two people share cannot
            _finding_agreement(findings, weight, agree, differ)  # tell which of them is contrary
        counts = {voter: (agree[voter], differ[voter]) for voter in voters}
        weight = {voter: reliability_weight(agreement(counts[voter], params), params) for voter in voters}
        weight[OUTCOME] = 1.0
    return counts


def _finding_agreement(
    findings: Iterable[dict[str, float]], weight: Mapping[str, float], agree: dict[str, float], differ: dict[str, float]
) -> None:
    """Each person's vote on a shared finding against the others' weighted verdict (a weak verdict counts little)."""
    for votes in findings:
        total = sum(weight[voter] * sign for voter, sign in votes.items())
        for voter, sign in votes.items():
            if voter == OUTCOME:
                continue
            others = total - weight[voter] * sign
            strength = min(abs(others), 1.0)
            if strength < 1e-9:
                continue
            if (others > 0) == (sign > 0):
                agree[voter] += strength
            else:
                differ[voter] += strength


def _rule_agreement(
    tallies: Mapping[str, tuple[float, float]],
    weight: Mapping[str, float],
    agree: dict[str, float],
    differ: dict[str, float],
) -> None:
    """Each person's votes on one rule against the others' view of it (each person's lean, −1 to 1, one voice)."""
    if len(tallies) < 2:
        return
    leans = {voter: (up - down) / (up + down) for voter, (up, down) in tallies.items() if up + down > 0}
    support = sum(weight[voter] for voter in leans)  # each person one voice, as much as they are trusted
    pull = sum(weight[voter] * lean for voter, lean in leans.items())
    for voter, (up, down) in tallies.items():
        others = support - weight[voter] if voter in leans else support
        if others <= 1e-9:
            continue
        view = (pull - weight[voter] * leans.get(voter, 0.0)) / others
        if abs(view) < 1e-9:
            continue
        share = min(abs(view), 1.0) * min(1.0, (up + down) / _RULE_VOTES)
        agree[voter] += share * (up if view > 0 else down) / max(up + down, 1.0) * min(up + down, _RULE_VOTES)
        differ[voter] += share * (down if view > 0 else up) / max(up + down, 1.0) * min(up + down, _RULE_VOTES)


def agreement(counts: tuple[float, float], params: LearningParameters) -> float:
    """The posterior share of findings on which a person agrees with the others (prior: `reliability_prior`)."""
    agree, differ = counts
    strength = params.reliability_strength
    return (agree + strength * params.reliability_prior) / (agree + differ + strength)


def reliability_weight(share: float, params: LearningParameters) -> float:
    """How much a person's votes count, from how often they agree with the others: fully from
    `reliable_from`, nothing at a coin toss or below, in proportion between."""
    return max(0.0, min(1.0, (share - 0.5) / (params.reliable_from - 0.5)))
