"""Size rules: long functions, long parameter lists and long files."""

from __future__ import annotations

from bot.engine.models import Dimension, Severity
from bot.engine.rules.meta import RuleMeta
from bot.engine.rules.registry import RULES

FUNCTION_LENGTH = RuleMeta(
    id="size.function-length",
    dimension=Dimension.SIZE,
    severity=Severity.MINOR,
    scope="function",
    threshold=60,
    bounds=(20, 400),
    unit=" lines",
    title="Function length",
    why="Long functions do several things and are hard to test and review.",
    advice="Extract the steps into smaller functions with descriptive names.",
)
RULES.function_metric(FUNCTION_LENGTH, lambda function: function.length)

PARAMETERS = RuleMeta(
    id="size.parameters",
    dimension=Dimension.SIZE,
    severity=Severity.MINOR,
    scope="function",
    threshold=5,
    bounds=(2, 20),
    title="Parameter count",
    why="Many parameters make calls error-prone and suggest the function does too much.",
    advice="Group related parameters into a dataclass, or split the function.",
)
RULES.function_metric(PARAMETERS, lambda function: function.parameters, signature_only=True)

FILE_LENGTH = RuleMeta(
    id="size.file-length",
    dimension=Dimension.SIZE,
    severity=Severity.MINOR,
    scope="file",
    threshold=1000,
    bounds=(200, 20000),
    unit=" lines",
    title="File length",
    why="Very long files mix concerns and make changes hard to review.",
    advice="Split the file into modules that each have one concern.",
)
RULES.file_metric(FILE_LENGTH, "lines")
