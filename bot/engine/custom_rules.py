"""Regular-expression rules from a repository's config, run by RE2 so no pattern can take super-linear time.

Each is a text rule: it joins the built-in ones in the registry (Registry.with_rules) for the files it is run on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2

from bot.engine.analysis import Observation, anchor_text
from bot.engine.globs import matches
from bot.engine.models import Dimension, Severity
from bot.engine.rules import RuleMeta, SourceFile

MAX_MATCHES_PER_RULE = 100
_MAX_PROGRAM_MEMORY = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RegexRule:
    """A validated custom rule, small enough to send to a worker process."""

    id: str
    pattern: str
    message: str
    severity: Severity
    dimension: Dimension
    paths: tuple[str, ...]
    ignore_case: bool = False

    @property
    def meta(self) -> RuleMeta:
        """Registry entry, so reports and learning treat custom rules like built-in ones."""
        return RuleMeta(
            id=self.id,
            dimension=self.dimension,
            severity=self.severity,
            title=self.message,
            why="",
            advice="(Custom rule from this repository's .github/toasty.yml.)",
        )

    def check(self, source: SourceFile) -> Iterator[Observation]:
        """Every match in a file on this rule's paths, at most MAX_MATCHES_PER_RULE."""
        if not matches(self.paths, source.path):
            return
        for start, end in _matches(self, source.text):
            first = source.line_of(start)
            last = source.line_of(max(start, end - 1))
            yield Observation(self.id, first, last, "", anchor_text(source.lines, first, last))


def compile_pattern(pattern: str, ignore_case: bool) -> Any:
    """Compile with RE2; patterns it cannot run in linear time (backreferences, lookaround) are refused."""
    return _compile(pattern, ignore_case)


@lru_cache(maxsize=256)
def _compile(pattern: str, ignore_case: bool) -> Any:
    options = re2.Options()
    options.max_mem = _MAX_PROGRAM_MEMORY
    options.log_errors = False
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        detail = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise ValueError(
            f"pattern {pattern!r} is not supported ({detail}); custom rules use RE2, "
            "which has no backreferences or lookaround so that no pattern can hang the grader"
        ) from None


def _matches(rule: RegexRule, text: str) -> Iterator[tuple[int, int]]:
    count = 0
    for match in compile_pattern(rule.pattern, rule.ignore_case).finditer(text):
        if match.end() == match.start():
            continue
        yield match.start(), match.end()
        count += 1
        if count >= MAX_MATCHES_PER_RULE:
            return
