"""Toasty's rules, each declared once with its metadata and its check, in the module named after its dimension.

complexity, maintainability and size hold metric rules; documentation, reliability and security hold pattern and
text rules. Importing them fills the registry (`RULES`, bot/engine/rules/registry.py); the repository's YAML rules
and installed plugins join it through `Registry.with_rules`. docs/rules.md is generated from it.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.engine.models import Dimension
from bot.engine.rules import complexity, documentation, maintainability, reliability, security, size
from bot.engine.rules.meta import RuleMeta, RuleScope, format_number
from bot.engine.rules.registry import RULES, PythonContext, Registry, SourceFile, SourceRule

__all__ = [
    "BUILTIN_RULES",
    "CATALOGUE",
    "FAMILIES",
    "RULES",
    "PythonContext",
    "Registry",
    "RuleMeta",
    "RuleScope",
    "SourceFile",
    "SourceRule",
    "format_number",
    "rule_table",
]

FAMILIES = (complexity, maintainability, size, documentation, reliability, security)
"""The modules that declare the built-in rules, one per dimension."""
_DIMENSIONS = list(Dimension)

BUILTIN_RULES: tuple[RuleMeta, ...] = tuple(
    sorted(RULES.table.values(), key=lambda rule: _DIMENSIONS.index(rule.dimension))
)
"""The built-in rules by dimension, each dimension's in the order its module declares them."""
CATALOGUE: dict[str, RuleMeta] = {rule.id: rule for rule in BUILTIN_RULES}


def rule_table(extra: Iterable[RuleMeta] = ()) -> dict[str, RuleMeta]:
    """The built-in rules plus any from plugins or the repository's own YAML rules."""
    table = dict(CATALOGUE)
    for rule in extra:
        table.setdefault(rule.id, rule)
    return table
