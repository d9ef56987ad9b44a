"""The rule registry: each rule is registered once, with its metadata and the check that finds it.

A check is one of four kinds, by what it reads:

- a pattern in Python code: a function registered for the syntax-tree node types it inspects, called from the one
  walk over each file (bot/engine/python/walker.py), so a new rule adds no traversal;
- a metric: a figure the walk or the raw scanner measured, per function or per file, against the threshold;
- a definition: what the walk recorded about a function or class as a whole (a missing docstring);
- a text rule: a function of the whole file. The repository's YAML rules and installed plugins are text rules
  too, and join the built-in ones through `Registry.with_rules`.
"""

from __future__ import annotations

import ast
import bisect
import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, TypeVar, runtime_checkable

from bot.engine.analysis import FunctionInfo, Observation, anchor_text, line_starts
from bot.engine.rules.meta import RuleMeta

NodeCheck = Callable[["PythonContext", Any], None]
"""A pattern check: called with the walk's context and one node of a type it registered for."""
_Check = TypeVar("_Check", bound=Callable[..., Any])
_Scan = TypeVar("_Scan", bound=Callable[["SourceFile"], Iterable[Observation]])


class PythonContext(Protocol):
    """What a node check sees of the walk: the scope it is in, how names resolve, and where to report."""

    def member(self, name: str) -> str:
        """The qualified name of a definition called `name` in this scope."""
        ...

    def qualify(self, expression: ast.expr) -> str:
        """The dotted name an expression resolves to through the module's imports ('' if it has none)."""
        ...

    def observe(self, rule: RuleMeta, node: ast.AST, subject: str = "", scope: str | None = None) -> None:
        """A hit on the node's lines, in this scope unless another is given."""
        ...

    def observe_line(self, rule: RuleMeta, node: ast.stmt | ast.excepthandler, subject: str = "") -> None:
        """A hit on the node's first line only (an except clause, not its whole body)."""
        ...

    def record(self, observation: Observation) -> None:
        """A hit placed by the check itself."""
        ...


@dataclass(frozen=True, slots=True)
class FunctionMetric:
    """A metric judged per function: the figure it compares with the threshold."""

    meta: RuleMeta
    measure: Callable[[FunctionInfo], float | None]
    signature_only: bool = False
    """Whether only a change to the signature makes the function this change's responsibility."""


@dataclass(frozen=True, slots=True)
class FileMetric:
    """A metric judged per file: which of the file's figures (FileAnalysis.metrics) it compares."""

    meta: RuleMeta
    figure: str


@dataclass(frozen=True, slots=True)
class DefinitionRule:
    """A pattern on a function or class as a whole, read from what the walk recorded about it."""

    meta: RuleMeta
    applies: Callable[[FunctionInfo], bool]


@dataclass(frozen=True)
class SourceFile:
    """What a text rule may look at: the text, its lines, and for Python the parsed tree. Never the file system."""

    path: str
    language: str
    text: str
    lines: list[str]
    tree: ast.Module | None
    functions: tuple[FunctionInfo, ...]

    def hit(self, rule: str, line: int, end_line: int | None = None, subject: str = "") -> Observation:
        """An observation at these lines, scoped to the innermost function around them."""
        end = end_line or line
        scope = ""
        for function in self.functions:
            if function.start <= line <= function.end:
                scope = function.qualname
        return Observation(rule, line, end, scope, anchor_text(self.lines, line, end), subject)

    def line_of(self, offset: int) -> int:
        """The line a character offset into the text falls on."""
        return bisect.bisect_right(self._line_starts, offset)

    @cached_property
    def _line_starts(self) -> list[int]:
        return line_starts(self.text)  # only when a rule reports something: most files need none


@runtime_checkable
class SourceRule(Protocol):
    """A text rule: a built-in one, a repository's YAML rule, or a plugin's (bot.engine.plugins.PluginRule)."""

    @property
    def meta(self) -> RuleMeta:
        """The rule's id, dimension, defaults and words."""
        ...

    def check(self, source: SourceFile) -> Iterable[Observation]:
        """Observations for this rule in one file."""
        ...


@dataclass(frozen=True, slots=True)
class TextRule:
    """A built-in text rule: its metadata and the function that scans a file for it."""

    meta: RuleMeta
    scan: Callable[[SourceFile], Iterable[Observation]]

    def check(self, source: SourceFile) -> Iterable[Observation]:
        """Observations for this rule in one file."""
        return self.scan(source)


class Registry:
    """The rules the engine knows, each with its check, grouped by the kind of check."""

    def __init__(self) -> None:
        self.table: dict[str, RuleMeta] = {}
        """Every registered rule by id, in the order registered."""
        self.node_checks: dict[type[ast.AST], tuple[NodeCheck, ...]] = {}
        self.function_metrics: tuple[FunctionMetric, ...] = ()
        self.file_metrics: tuple[FileMetric, ...] = ()
        self.definitions: tuple[DefinitionRule, ...] = ()
        self.text_rules: tuple[SourceRule, ...] = ()

    def on(self, *kinds: type[ast.AST], reports: tuple[RuleMeta, ...]) -> Callable[[_Check], _Check]:
        """Register a node check for these node types, and the rules it reports; the walk calls it, in registration
        order, on each node of those types before it visits the node's children."""

        def register(check: _Check) -> _Check:
            for rule in reports:
                self.declare(rule)
            for kind in kinds:
                self.node_checks[kind] = (*self.node_checks.get(kind, ()), check)
            return check

        return register

    def function_metric(
        self, rule: RuleMeta, measure: Callable[[FunctionInfo], float | None], *, signature_only: bool = False
    ) -> None:
        """Register a metric rule on a figure measured per function."""
        self.function_metrics += (FunctionMetric(self.declare(rule), measure, signature_only),)

    def file_metric(self, rule: RuleMeta, figure: str) -> None:
        """Register a metric rule on one of a file's whole-file figures (file-scoped: a suppression anywhere in the
        file applies to it)."""
        if rule.scope != "file":
            raise ValueError(f"{rule.id} judges a whole file, so its scope is 'file'")
        self.file_metrics += (FileMetric(self.declare(rule), figure),)

    def definition(self, rule: RuleMeta, applies: Callable[[FunctionInfo], bool]) -> None:
        """Register a rule on functions or classes as a whole."""
        self.definitions += (DefinitionRule(self.declare(rule), applies),)

    def declare(self, rule: RuleMeta) -> RuleMeta:
        """Register a rule's metadata (on its own: a rule whose check is part of the engine itself, parse-error)."""
        known = self.table.setdefault(rule.id, rule)
        if known is not rule:  # a second check may report a rule; a second rule may not take its id
            raise ValueError(f"two rules are registered as {rule.id}")
        return rule

    def text(self, rule: RuleMeta) -> Callable[[_Scan], _Scan]:
        """Register a built-in text rule: the decorated function scans one file for it."""

        def register(scan: _Scan) -> _Scan:
            self.add(TextRule(self.declare(rule), scan))
            return scan

        return register

    def add(self, rule: SourceRule) -> None:
        """Register a text rule: built-in, YAML or plugin. An id already known keeps its first metadata, so an
        extension cannot redefine a built-in rule."""
        self.table.setdefault(rule.meta.id, rule.meta)
        self.text_rules += (rule,)

    def with_rules(self, extra: Iterable[SourceRule]) -> Registry:
        """This registry plus text rules from elsewhere (the repository's YAML rules, installed plugins), for one
        file's scan; their metadata joins the rules' table through `rule_table`, once per grading."""
        rules = tuple(extra)
        if not rules:
            return self
        registry = copy.copy(self)  # the table and the node checks are shared, never written after import
        registry.text_rules = self.text_rules + rules
        return registry

    def scan(self, source: SourceFile) -> Iterator[Observation]:
        """Every text rule's observations in one file, rule by rule."""
        for rule in self.text_rules:
            yield from rule.check(source)


RULES = Registry()
"""The built-in rules; the modules of bot.engine.rules fill it as they are imported."""
