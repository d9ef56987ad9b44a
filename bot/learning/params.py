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
    prior_strength: float = Field(default=2.0, gt=0)
    """Pseudo-votes of the prior: how much evidence it takes to outweigh it."""
    min_evidence: float = Field(default=3.0, ge=0)
    """Weighted votes a rule needs before its mode or threshold changes."""
    threshold_step: float = Field(default=0.2, gt=0, le=1)
    """Largest move of a threshold per vote, as a share of its default."""
    threshold_margin: float = Field(default=2.0, ge=0)
    """A threshold moves only when the new one fits the votes better by this many votes (one noisy vote cannot)."""
    change_rate: float = Field(default=0.02, gt=0, lt=1)
    """Prior chance, per vote, that the team changes its mind about a rule: how readily a run of contrary votes
    is read as a change of taste rather than noise."""
    comment_below: float = Field(default=0.6, ge=0, le=1)
    """Below this expected usefulness a rule's findings become annotations only: an inline comment interrupts the
    team, so a rule comments only while most of its comments are expected to be wanted."""
    hold_back_chance: float = Field(default=0.16, gt=0, lt=1)
    """A commenting rule gets one comment per review while the chance that it is not worth one is at least this
    (holding back is cheap: its other findings stay annotations)."""
    ask_chance: float = Field(default=0.33, gt=0, lt=1)
    """A quietened rule is asked about once per review while the chance that it is worth a comment is at least this
    (asking is dearer: the question may be one more comment the team does not want)."""
    silent_below: float = Field(default=0.12, ge=0, le=1)
    """Below this (with twice the minimum evidence) they are not shown at all."""
    probe_ratio: float = Field(default=0.7, gt=0, lt=1)
    """Exploration probes a metric rule between this share of its threshold and the threshold."""
    exploration_rate: float = Field(default=0.1, ge=0, le=1)
    """Share of reviews that may carry one exploration comment (a probe, or a quiet rule's finding)."""
    collective: bool = True
    """Start new repositories from what teams across this deployment accept (per-rule counts only)."""

    def trust_of(self, association: str) -> float:
        """The weight of a signal from an account with this association (unknown ones count as strangers)."""
        return self.trust.get(association.upper(), self.trust.get("NONE", 0.0))
