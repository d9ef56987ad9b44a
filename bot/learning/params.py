"""The knobs of learning, set per deployment: how much each kind of account is trusted, how fast evidence fades."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_TRUST = {
    "OWNER": 1.0,
    "MEMBER": 1.0,
    "COLLABORATOR": 1.0,
    "CONTRIBUTOR": 0.25,
    "FIRST_TIME_CONTRIBUTOR": 0.0,
    "FIRST_TIMER": 0.0,
    "MANNEQUIN": 0.0,
    "NONE": 0.0,
    "BOT": 0.0,
}
"""Owners, members and collaborators count fully; past contributors a little; strangers and bots not at all."""


class LearningParameters(BaseModel):
    """How evidence is weighed and how far one update may move a number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    half_life_days: float = Field(default=90.0, gt=0)
    """A signal counts half as much after this many days."""
    trust: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_TRUST))
    prior_strength: float = Field(default=4.0, gt=0)
    """Pseudo-votes of the prior: how much evidence it takes to outweigh the defaults (or the collective priors)."""
    default_usefulness: float = Field(default=0.75, gt=0, lt=1)
    """What the prior expects of a rule the defaults comment on: a few votes leave it close to the defaults."""
    min_evidence: float = Field(default=3.0, ge=0)
    """Weighted votes a rule needs before its mode or threshold changes."""
    threshold_margin: float = Field(default=2.0, ge=0)
    """A looser threshold needs to fit the votes better than the starting one by this many votes (one noisy 👎
    cannot move it; every comment above the threshold brings evidence for this side)."""
    probe_margin: float = Field(default=1.0, ge=0)
    """A stricter threshold needs only this: evidence below a threshold comes only from the few probes, and a
    threshold lowered by a stray 👍 comes back at the next 👎 on what it newly flags."""
    threshold_memory: float = Field(default=3.0, gt=0)
    """For the threshold, a vote counts half after this many later votes contradicted it (a 👍 at 8 contradicts
    a 👎 at 9: the team's cut moved): the latest word on where the cut lies supersedes the earlier ones, so a
    threshold follows a change of cut instead of replaying all history equally."""
    change_rate: float = Field(default=0.02, gt=0, lt=1)
    """Prior chance, per vote, that the team changes its mind about a rule (its usefulness, or its cut below a
    threshold): how readily a run of contrary votes is read as a change of taste rather than noise, and how soon
    old refusals of a stricter cut may no longer hold, so that it is asked about again."""
    change_run: int = Field(default=2, ge=1)
    """A change of taste needs at least this many votes after it: a couple of noisy 👎 cannot overturn a record."""
    recent_votes: int = Field(default=96, ge=8)
    """How far back (in votes on the rule) a change of taste is looked for; older votes are one summed block."""
    comment_below: float = Field(default=0.6, ge=0, le=1)
    """Below this expected usefulness a rule's findings become annotations only: an inline comment interrupts the
    team, so a rule comments only while most of its comments are expected to be wanted."""
    hold_back_chance: float = Field(default=0.16, gt=0, lt=1)
    """A commenting rule gets one comment per review while the chance that it is not worth one is at least this
    (holding back is cheap: its other findings stay annotations)."""
    ask_chance: float = Field(default=0.33, gt=0, lt=1)
    """A quietened rule counts as in doubt (shown as such) while the chance that it is worth a comment is at least
    this; every quietened rule is asked about in the share of reviews that chance says (Thompson sampling)."""
    ask_floor: float = Field(default=0.15, ge=0, lt=1)
    """A quiet rule, or a stricter cut, whose chance of being wanted is below this is not asked about in reviews,
    only sampled by exploration (one comment in ten reviews, Thompson-drawn); as old refusals age, or a change of
    mind since them grows likely (`change_rate`), it is asked again."""
    silent_below: float = Field(default=0.12, ge=0, le=1)
    """Below this (with twice the minimum evidence) they are not shown at all."""
    probe_ratio: float = Field(default=0.7, gt=0, lt=1)
    """Exploration probes a metric rule between this share of its threshold and the threshold."""
    vote_noise: float = Field(default=0.1, gt=0, lt=0.5)
    """How often a vote goes the wrong way (a slip, a 👍 meant for the code): where the team's cut lies is read
    allowing this much noise, so one contrary answer to a probe does not settle it."""
    probe_usefulness: float = Field(default=0.6, gt=0, lt=1)
    """The prior chance of a stricter cut than the threshold, as a share of the rule's usefulness once the team has
    voted on it `min_evidence` times: the defaults chose not to flag what lies below, but a team that values what
    the rule flags may want more of it, while a team that never votes on the rule is not asked."""
    answered_enough: float = Field(default=0.5, gt=0, le=1)
    """Where the team answers (reacts to, resolves or replies to) at least this share of Toasty's comments, it is
    asked about quiet rules and stricter thresholds as often as the votes say; where it answers fewer, in
    proportion less: a question nobody answers teaches nothing and still costs a comment."""
    exploration_rate: float = Field(default=0.1, ge=0, le=1)
    """Share of reviews that may carry one exploration comment (a probe, or a quiet rule's finding)."""
    reliability_prior: float = Field(default=0.8, gt=0.5, lt=1)
    """What a person's agreement with the others is taken to be before their votes can be compared."""
    reliability_strength: float = Field(default=5.0, gt=0)
    """Pseudo-findings of that prior."""
    reliable_from: float = Field(default=0.75, gt=0.5, le=1)
    """Agreeing with the others this often counts fully; a coin toss or less counts nothing."""
    shared_findings: int = Field(default=400, ge=10)
    """How many of the latest findings several people voted on are compared (a bounded cost at any log size)."""
    influence_ratio: float = Field(default=2.0, gt=0)
    """On one rule, one person's votes weigh at most this many times everyone else's together …"""
    influence_floor: float = Field(default=10.0, gt=0)
    """… or this many votes, whichever is more; alone on a rule, a person is not bounded."""
    collective: bool = True
    """Start new repositories from what teams across this deployment accept (per-rule counts only)."""

    def trust_of(self, association: str) -> float:
        """The weight of a signal from an account with this association (unknown ones count as strangers)."""
        return self.trust.get(association.upper(), self.trust.get("NONE", 0.0))
