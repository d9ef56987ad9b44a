"""Scores: each dimension from 0 to 100, an overall score from the weighted shortfalls, and a letter."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from bot.engine.models import Dimension, DimensionScore, Finding, Grade, Severity

SEVERITY_POINTS: dict[Severity, float] = {
    Severity.INFO: 1.0,
    Severity.MINOR: 3.0,
    Severity.MAJOR: 8.0,
    Severity.CRITICAL: 20.0,
}
POINTS_SCALE = 40.0
"""Penalty points that take a dimension from 100 to 100/e (about 37) in a change of up to LINES_PER_UNIT lines."""
LINES_PER_UNIT = 200
"""Larger changes absorb proportionally more findings: density matters, not raw count."""
MAX_OVERSHOOT = 2.0
LETTERS: tuple[tuple[float, Grade], ...] = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"), (0.0, "F"))


def penalty(finding: Finding) -> float:
    """Points a finding costs: its severity, more when a metric is far past its threshold."""
    points = SEVERITY_POINTS[finding.severity]
    if finding.value is not None and finding.threshold:
        overshoot = abs(finding.value - finding.threshold) / abs(finding.threshold)
        points *= 1 + min(MAX_OVERSHOOT, overshoot)
    return points


def dimension_scores(
    findings: Iterable[Finding], changed_lines: int, weights: Mapping[Dimension, float]
) -> dict[Dimension, DimensionScore]:
    """100 · exp(−points / scale) per dimension; findings nobody sees (silent, probes) cost nothing."""
    points = dict.fromkeys(Dimension, 0.0)
    counts = dict.fromkeys(Dimension, 0)
    for finding in findings:
        if not finding.visible:
            continue
        points[finding.dimension] += penalty(finding)
        counts[finding.dimension] += 1
    scale = POINTS_SCALE * max(1.0, changed_lines / LINES_PER_UNIT)
    return {
        dimension: DimensionScore(
            score=round(100 * math.exp(-points[dimension] / scale), 1),
            weight=weights.get(dimension, 0.0),
            findings=counts[dimension],
        )
        for dimension in Dimension
    }


def overall_score(dimensions: Mapping[Dimension, DimensionScore]) -> float:
    """100 minus every dimension's shortfall, each scaled by its weight relative to the heaviest.

    A weighted mean would let five clean dimensions hide a leaked credential; shortfalls that add up do not.
    """
    heaviest = max((d.weight for d in dimensions.values()), default=0.0)
    if heaviest <= 0:
        return 100.0
    shortfall = sum(d.weight / heaviest * (100 - d.score) for d in dimensions.values())
    return round(max(0.0, 100 - shortfall), 1)


def letter(score: float) -> Grade:
    """A for 90 and above, B for 80, C for 70, D for 60, F below."""
    return next(grade for floor, grade in LETTERS if score >= floor)
