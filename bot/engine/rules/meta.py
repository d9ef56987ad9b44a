"""What every rule declares, built-in or not: its stable id, dimension, defaults and the words of its message."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.engine.models import Dimension, Frozen, Severity

RuleScope = Literal["function", "line", "file"]


class RuleMeta(Frozen):
    """Everything the engine, the reports and the learner need to know about one rule."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$", max_length=80)
    dimension: Dimension
    severity: Severity
    title: str
    why: str
    advice: str
    scope: RuleScope = "line"
    threshold: float | None = None
    """Default threshold for metric rules; None for rules that fire on a pattern."""
    bounds: tuple[float, float] | None = None
    """Hard limits learning may never move the threshold past."""
    lower_is_worse: bool = False
    unit: str = ""
    details: str = ""
    """How the check decides, for docs/rules.md (which is generated from the registry)."""

    @property
    def is_metric(self) -> bool:
        """Metric rules compare a measured value with a threshold."""
        return self.threshold is not None

    def exceeds(self, value: float, threshold: float) -> bool:
        """Whether a measured value breaks the threshold in this rule's direction."""
        return value < threshold if self.lower_is_worse else value > threshold

    def describe_probe(self, value: float, threshold: float, subject: str = "") -> str:
        """The question an exploration comment asks about a value just short of the threshold."""
        what = self.title if not subject else f"{self.title}: {subject}"
        relation = "above" if self.lower_is_worse else "below"
        return (
            f"{what} is {format_number(value)}{self.unit}, just {relation} this repository's threshold of "
            f"{format_number(threshold)}{self.unit}. Toasty is checking whether findings like this are worth flagging "
            f"here: 👍 if so, 👎 if not. {self.why}"
        )

    def describe(self, value: float | None, threshold: float | None, subject: str = "") -> str:
        """The message a user reads: what is wrong (with the figures), why it matters, what to do."""
        what = self.title if not subject else f"{self.title}: {subject}"
        if value is not None and threshold is not None:
            relation = "below" if self.lower_is_worse else "above"
            measured = f"{format_number(value)}{self.unit}"
            what = f"{what} is {measured}, {relation} the threshold of {format_number(threshold)}{self.unit}"
        return " ".join(part for part in (f"{what}.", self.why, self.advice) if part)


def format_number(number: float) -> str:
    """Integers without a decimal point, other values with one decimal."""
    return str(int(number)) if float(number).is_integer() else f"{number:.1f}"
