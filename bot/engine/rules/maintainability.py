"""Maintainability rules: radon's maintainability index of the whole file."""

from __future__ import annotations

from bot.engine.models import Dimension, Severity
from bot.engine.rules.meta import RuleMeta
from bot.engine.rules.registry import RULES

INDEX = RuleMeta(
    id="maintainability.index",
    dimension=Dimension.MAINTAINABILITY,
    severity=Severity.MINOR,
    scope="file",
    threshold=20,
    bounds=(0, 65),
    lower_is_worse=True,
    title="Maintainability index",
    why="The index (volume, complexity and size together) fell into radon's hard-to-maintain range.",
    advice="Split the file by concern or simplify its most complex functions.",
)
RULES.file_metric(INDEX, "maintainability")
