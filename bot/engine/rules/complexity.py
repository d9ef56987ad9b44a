"""Complexity rules: how hard each function is to follow, from the figures the Python walk and lizard measure."""

from __future__ import annotations

from bot.engine.models import Dimension, Severity
from bot.engine.rules.meta import RuleMeta
from bot.engine.rules.registry import RULES

CYCLOMATIC = RuleMeta(
    id="complexity.cyclomatic",
    dimension=Dimension.COMPLEXITY,
    severity=Severity.MAJOR,
    scope="function",
    threshold=10,
    bounds=(5, 50),
    title="Cyclomatic complexity",
    why="Every branch is another path to test and to hold in mind while reading.",
    advice="Split the function, return early, or replace branching with a lookup table.",
)
RULES.function_metric(CYCLOMATIC, lambda function: function.cyclomatic)

COGNITIVE = RuleMeta(
    id="complexity.cognitive",
    dimension=Dimension.COMPLEXITY,
    severity=Severity.MAJOR,
    scope="function",
    threshold=15,
    bounds=(5, 80),
    title="Cognitive complexity",
    why="Nested and interrupted control flow is what makes code hard to follow (SonarSource's measure).",
    advice="Flatten nesting with guard clauses and move deep blocks into well-named helpers.",
)
RULES.function_metric(COGNITIVE, lambda function: function.cognitive)

NESTING = RuleMeta(
    id="complexity.nesting",
    dimension=Dimension.COMPLEXITY,
    severity=Severity.MINOR,
    scope="function",
    threshold=4,
    bounds=(2, 10),
    title="Nesting depth",
    why="Deeply nested blocks hide which conditions hold at each line.",
    advice="Invert conditions to return early, or extract the inner block into a function.",
)
RULES.function_metric(NESTING, lambda function: function.nesting)
