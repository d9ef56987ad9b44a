"""One walk over a Python syntax tree: per-function metrics, radon's file totals, and every pattern check.

The walk measures; the rules' checks (bot/engine/rules/) are called from it for the node types they registered, as
each node is reached and before its children, so every rule shares this one traversal.

The cyclomatic and Halstead counts follow radon's ComplexityVisitor and HalsteadVisitor node for node (what they
count, and which parts of a definition they skip), so the figures agree with radon's on the same tree, with two
deliberate corrections: `except*` handlers count like `except` handlers, and each `case … if guard` adds one.
Cognitive complexity follows SonarSource's definition as its Python analyzer applies it.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.engine.analysis import FunctionInfo, Observation, anchor_text
from bot.engine.rules import RULES, RuleMeta
from bot.engine.rules.registry import NodeCheck

ScopeKind = Literal["module", "class", "function"]

_NOT_CHILDREN = frozenset(("ctx", "op", "ops"))


@dataclass(slots=True)
class _Scope:
    kind: ScopeKind
    qualname: str
    info: FunctionInfo | None
    parent: _Scope | None
    body: list[ast.stmt] = field(default_factory=list)
    decisions: int = 0
    counted: bool = False
    """Whether radon's file total includes this class (module-level classes only)."""
    members: list[_Scope] = field(default_factory=list)


@dataclass(slots=True)
class TreeFacts:
    """What one walk learns about a module."""

    functions: list[FunctionInfo]
    observations: list[Observation]
    total_complexity: int
    halstead_volume: float


def walk_module(
    tree: ast.Module, lines: list[str], checks: Mapping[type[ast.AST], tuple[NodeCheck, ...]] | None = None
) -> TreeFacts:
    """Walk a parsed module once: everything the engine measures on it, and what the rules' checks observe."""
    walker = _Walker(lines, RULES.node_checks if checks is None else checks)
    walker.visit(tree)
    return walker.facts()


class _Walker:
    """A recursive visitor whose state machine mirrors radon's visitors and Sonar's nesting rules; to the checks it
    calls, it is their PythonContext."""

    def __init__(self, lines: list[str], checks: Mapping[type[ast.AST], tuple[NodeCheck, ...]]) -> None:
        self.lines = lines
        self.module = _Scope("module", "", None, None)
        self.scope = self.module
        self.functions: list[FunctionInfo] = []
        self.observations: list[Observation] = []
        self.cc_on = True
        self.h_on = True
        self.cognitive_on = True
        self.h_context: str | None = None
        self.h_operators = 0
        self.h_operands = 0
        self.h_operator_names: set[str] = set()
        self.h_operand_keys: set[object] = set()
        self.cognitive_unit: FunctionInfo | None = None
        self.cognitive_level = 0
        self.depth = 0
        self.imports: dict[str, str] = {}
        """Local name -> what it was imported as (`pk` -> `pickle`, `pop` -> `subprocess.Popen`)."""
        self.dispatch: dict[type[ast.AST], Callable[[Any], None]] = {
            ast.Module: self.visit_module,
            ast.Name: _ignore,
            ast.Constant: _ignore,
            ast.FunctionDef: self.visit_function,
            ast.AsyncFunctionDef: self.visit_function,
            ast.ClassDef: self.visit_class,
            ast.If: self.visit_if,
            ast.For: self.visit_loop,
            ast.AsyncFor: self.visit_loop,
            ast.While: self.visit_loop,
            ast.Try: self.visit_try,
            ast.ExceptHandler: self.visit_handler,
            ast.With: self.visit_with,
            ast.AsyncWith: self.visit_with,
            ast.Match: self.visit_match,
            ast.IfExp: self.visit_ifexp,
            ast.BoolOp: self.visit_boolop,
            ast.BinOp: self.visit_binop,
            ast.UnaryOp: self.visit_unaryop,
            ast.AugAssign: self.visit_augassign,
            ast.Compare: self.visit_compare,
            ast.comprehension: self.visit_comprehension,
            ast.Assert: self.visit_assert,
            ast.Attribute: self.visit_attribute,
            ast.Import: self.visit_import,
            ast.ImportFrom: self.visit_import,
        }
        try_star = getattr(ast, "TryStar", None)
        if try_star is not None:
            self.dispatch[try_star] = self.visit_try
        for kind, kind_checks in checks.items():
            self.dispatch[kind] = _checked(kind_checks, self, self.dispatch.get(kind, self.generic))

    # -- traversal ---------------------------------------------------------------------------------------

    def visit_module(self, node: ast.Module) -> None:
        self.visit_all(node.body)

    def visit(self, node: ast.AST) -> None:
        handler = self.dispatch.get(type(node))
        if handler is None:
            self.generic(node)
        else:
            handler(node)

    def generic(self, node: ast.AST) -> None:
        for child in _children(node):
            self.visit(child)

    def visit_all(self, nodes: list[ast.stmt] | list[ast.expr]) -> None:
        for node in nodes:
            self.visit(node)

    def block(self, body: list[ast.stmt], nest: bool = True) -> None:
        """Visit a statement list one block deeper (and, when Sonar says so, one cognitive level deeper)."""
        if not body:
            return
        self.depth += 1
        self.cognitive_level += nest
        if self.depth > self.current_nesting_max():
            self.raise_nesting(self.depth)
        self.visit_all(body)
        self.cognitive_level -= nest
        self.depth -= 1

    def current_nesting_max(self) -> int:
        info = self.enclosing_function()
        return (info.nesting or 0) if info is not None else 0

    def raise_nesting(self, depth: int) -> None:
        info = self.enclosing_function()
        if info is not None:
            info.nesting = depth

    def enclosing_function(self) -> FunctionInfo | None:
        scope = self.scope
        return scope.info if scope.kind == "function" else None

    # -- counting helpers ----------------------------------------------------------------------------------

    def decide(self, count: int) -> None:
        if self.cc_on:
            self.scope.decisions += count

    def think(self, increment: int) -> None:
        if self.cognitive_unit is not None and self.cognitive_on:
            self.cognitive_unit.cognitive = (self.cognitive_unit.cognitive or 0) + increment

    def halstead(self, operators: int, names: Iterator[str], operands: list[ast.expr]) -> None:
        if not self.h_on:
            return
        self.h_operators += operators
        self.h_operands += len(operands)
        self.h_operator_names.update(names)
        context = self.h_context
        self.h_operand_keys.update((context, _operand_key(operand)) for operand in operands)

    # -- what checks see (PythonContext) ---------------------------------------------------------------------

    def member(self, name: str) -> str:
        return _qualify(self.scope, name)

    def observe(self, rule: RuleMeta, node: ast.AST, subject: str = "", scope: str | None = None) -> None:
        line = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", None) or line
        self.observations.append(
            Observation(
                rule=rule.id,
                line=line,
                end_line=end,
                scope=self.scope.qualname if scope is None else scope,
                anchor=anchor_text(self.lines, line, end),
                subject=subject,
            )
        )

    def observe_line(self, rule: RuleMeta, node: ast.stmt | ast.excepthandler, subject: str = "") -> None:
        """Observe only the statement's first line (an except clause, not its whole body)."""
        line = node.lineno
        self.observations.append(
            Observation(rule.id, line, line, self.scope.qualname, anchor_text(self.lines, line, line), subject)
        )

    def record(self, observation: Observation) -> None:
        self.observations.append(observation)

    # -- definitions -----------------------------------------------------------------------------------------

    def visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        parent = self.scope
        in_class = parent.kind == "class"
        info = FunctionInfo(
            qualname=_qualify(parent, node.name),
            kind="method" if in_class else "function",
            lineno=node.lineno,
            start=min([node.lineno, *(d.lineno for d in node.decorator_list)]),
            header_end=_header_end(node),
            end=node.end_lineno or node.lineno,
            parameters=_parameter_count(node, in_class),
            public=_is_public(parent, node.name),
            documented=_has_docstring(node),
            decorators=tuple(_decorator_name(d) for d in node.decorator_list) if node.decorator_list else (),
            signature=anchor_text(self.lines, node.lineno, node.lineno),
        )
        self.functions.append(info)
        self.visit_header(node.decorator_list, _argument_expressions(node))

        scope = _Scope("function", info.qualname, info, parent, body=node.body)
        parent.members.append(scope)
        saved = (
            self.scope,
            self.h_context,
            self.cognitive_unit,
            self.cognitive_level,
            self.depth,
            self.cc_on,
        )
        if self.cognitive_unit is None:
            self.cognitive_unit, self.cognitive_level = info, 0
            info.cognitive = 0
        elif parent.kind == "function":
            self.cognitive_level += 0 if _is_wrapper(parent, node) else 1
        else:
            self.cognitive_level = 0
        self.scope, self.h_context, self.depth, self.cc_on = scope, node.name, 0, True
        self.visit_all(node.body)
        info.cyclomatic = 1 + scope.decisions
        self.scope, self.h_context, self.cognitive_unit, self.cognitive_level, self.depth, self.cc_on = saved

    def visit_header(self, decorators: list[ast.expr], expressions: list[ast.expr]) -> None:
        """Decorators, defaults and annotations: checked for rule hits, skipped by every metric (as radon does)."""
        saved = (self.cc_on, self.h_on, self.cognitive_on)
        self.cc_on = self.h_on = self.cognitive_on = False
        self.visit_all(decorators)
        self.visit_all(expressions)
        self.cc_on, self.h_on, self.cognitive_on = saved

    def visit_class(self, node: ast.ClassDef) -> None:
        parent = self.scope
        info = FunctionInfo(
            qualname=_qualify(parent, node.name),
            kind="class",
            lineno=node.lineno,
            start=min([node.lineno, *(d.lineno for d in node.decorator_list)]),
            header_end=_header_end(node),
            end=node.end_lineno or node.lineno,
            public=_is_public(parent, node.name),
            documented=_has_docstring(node),
            decorators=tuple(_decorator_name(d) for d in node.decorator_list) if node.decorator_list else (),
            signature=anchor_text(self.lines, node.lineno, node.lineno),
        )
        self.functions.append(info)
        scope = _Scope("class", info.qualname, info, parent, counted=parent.kind == "module")
        parent.members.append(scope)
        # radon's Halstead visitor walks bases, keywords and decorators; its complexity visitor does not.
        saved_cc = self.cc_on
        self.cc_on = False
        self.visit_all(node.decorator_list)
        self.visit_all(node.bases)
        for child in [*node.keywords, *getattr(node, "type_params", [])]:
            self.visit(child)
        self.cc_on = saved_cc
        saved = (self.scope, self.cognitive_level, self.depth, self.cc_on)
        self.scope, self.cognitive_level, self.cc_on = scope, 0, True
        self.visit_all(node.body)
        self.scope, self.cognitive_level, self.depth, self.cc_on = saved

    # -- control flow ------------------------------------------------------------------------------------------

    def visit_if(self, node: ast.If, elif_branch: bool = False) -> None:
        self.decide(1)
        self.think(1 if elif_branch else 1 + self.cognitive_level)
        self.visit(node.test)
        self.block(node.body)
        orelse = node.orelse
        elif_node = _elif_of(node)
        if elif_node is not None:
            self.visit_if(elif_node, elif_branch=True)
        elif orelse:
            self.think(1)
            self.block(orelse)

    def visit_loop(self, node: ast.For | ast.AsyncFor | ast.While) -> None:
        self.decide(1 + bool(node.orelse))
        self.think(1 + self.cognitive_level)
        if isinstance(node, ast.While):
            self.visit(node.test)
        else:
            self.visit(node.target)
            self.visit(node.iter)
        self.block(node.body)
        if node.orelse:
            self.think(1)
            self.block(node.orelse)

    def visit_try(self, node: ast.Try) -> None:
        self.decide(len(node.handlers) + bool(node.orelse))
        self.block(node.body, nest=False)
        for handler in node.handlers:
            self.visit(handler)
        if node.orelse:
            self.think(1)
            self.block(node.orelse)
        self.block(node.finalbody, nest=False)

    def visit_handler(self, handler: ast.ExceptHandler) -> None:
        self.think(1 + self.cognitive_level)
        if handler.type is not None:
            self.visit(handler.type)
        self.block(handler.body)

    def visit_with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item)
        self.block(node.body, nest=False)

    def visit_match(self, node: ast.Match) -> None:
        wildcard = any(getattr(case.pattern, "pattern", False) is None for case in node.cases)
        guards = sum(1 for case in node.cases if case.guard is not None)
        self.decide(max(0, len(node.cases) - wildcard) + guards)
        self.think(1 + self.cognitive_level)
        self.visit(node.subject)
        for case in node.cases:
            self.cognitive_level += 1
            self.visit(case.pattern)
            if case.guard is not None:
                self.visit(case.guard)
            self.cognitive_level -= 1
            self.block(case.body)

    def visit_ifexp(self, node: ast.IfExp) -> None:
        self.decide(1)
        self.think(1 + self.cognitive_level)
        self.cognitive_level += 1
        self.generic(node)
        self.cognitive_level -= 1

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.decide(len(node.ifs) + 1)
        self.generic(node)

    def visit_assert(self, node: ast.Assert) -> None:
        self.decide(1)
        saved = self.cc_on
        self.cc_on = False  # radon does not look inside assert statements
        self.generic(node)
        self.cc_on = saved

    # -- operators (Halstead) ------------------------------------------------------------------------------------

    def visit_boolop(self, node: ast.BoolOp) -> None:
        self.decide(len(node.values) - 1)
        self.think(1)
        self.halstead(1, iter((type(node.op).__name__,)), node.values)
        self.visit_all(node.values)

    def visit_binop(self, node: ast.BinOp) -> None:
        self.halstead(1, iter((type(node.op).__name__,)), [node.left, node.right])
        self.visit(node.left)
        self.visit(node.right)

    def visit_unaryop(self, node: ast.UnaryOp) -> None:
        self.halstead(1, iter((type(node.op).__name__,)), [node.operand])
        self.visit(node.operand)

    def visit_augassign(self, node: ast.AugAssign) -> None:
        self.halstead(1, iter((type(node.op).__name__,)), [node.target, node.value])
        self.visit(node.target)
        self.visit(node.value)

    def visit_compare(self, node: ast.Compare) -> None:
        self.halstead(len(node.ops), (type(op).__name__ for op in node.ops), [*node.comparators, node.left])
        self.visit(node.left)
        self.visit_all(node.comparators)

    # -- names ------------------------------------------------------------------------------------------------

    def visit_import(self, node: ast.Import | ast.ImportFrom) -> None:
        """Remember import aliases, so `import pickle as pk; pk.loads(…)` is `pickle.loads`."""
        prefix = f"{node.module}." if isinstance(node, ast.ImportFrom) and node.module and not node.level else ""
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or (alias.name if prefix else alias.name.split(".")[0])
            self.imports[local] = prefix + (alias.name if (prefix or alias.asname) else local)

    def qualify(self, expression: ast.expr) -> str:
        """The dotted name a call's target resolves to through this module's imports ('' if it has none)."""
        parts: list[str] = []
        while isinstance(expression, ast.Attribute):
            parts.append(expression.attr)
            expression = expression.value
        if not isinstance(expression, ast.Name):
            return ".".join(["?", *reversed(parts)]) if parts else ""
        parts.append(self.imports.get(expression.id, expression.id))
        return ".".join(reversed(parts))

    def visit_attribute(self, node: ast.Attribute) -> None:
        self.visit(node.value)

    # -- results -----------------------------------------------------------------------------------------------------

    def facts(self) -> TreeFacts:
        return TreeFacts(
            functions=self.functions,
            observations=self.observations,
            total_complexity=self.total_complexity(),
            halstead_volume=self.halstead_volume(),
        )

    def total_complexity(self) -> int:
        """radon's ComplexityVisitor.total_complexity, from the per-scope decision counts."""
        total = 1 + self.module.decisions
        for member in self.module.members:
            if member.kind == "function":
                total += member.decisions
            elif member.counted:
                total += member.decisions
                total += sum(1 + m.decisions for m in member.members if m.kind == "function")
        return total

    def halstead_volume(self) -> float:
        """radon's Halstead volume for the whole file: N · log2(h)."""
        vocabulary = len(self.h_operator_names) + len(self.h_operand_keys)
        length = self.h_operators + self.h_operands
        return length * math.log(vocabulary, 2) if vocabulary else 0.0


def _ignore(node: ast.AST) -> None:
    """Leaf nodes with nothing to count."""


def _checked(checks: tuple[NodeCheck, ...], walker: _Walker, visit: Callable[[Any], None]) -> Callable[[Any], None]:
    """A node type's visit with its checks run first."""

    def visit_checked(node: ast.AST) -> None:
        for check in checks:
            check(walker, node)
        visit(node)

    return visit_checked


def _children(node: ast.AST) -> Iterator[ast.AST]:
    for name in node._fields:
        if name in _NOT_CHILDREN:
            continue
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    yield item
        elif isinstance(value, ast.AST):
            yield value


def _operand_key(node: ast.expr) -> object:
    """The value radon's Halstead visitor files an operand under (the node itself when it has none)."""
    kind = type(node)
    if kind is ast.Name:
        return node.id  # type: ignore[attr-defined]
    if kind is ast.Attribute:
        return node.attr  # type: ignore[attr-defined]
    if kind is ast.Constant:
        return node.value  # type: ignore[attr-defined]
    return node


def _qualify(parent: _Scope, name: str) -> str:
    return f"{parent.qualname}.{name}" if parent.qualname else name


def _header_end(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> int:
    """Last line of the signature: the line before the first statement of the body."""
    first_body_line = node.body[0].lineno
    return first_body_line - 1 if first_body_line > node.lineno else node.lineno


def _argument_expressions(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    args = node.args
    expressions: list[ast.expr] = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if arg is not None and arg.annotation is not None:
            expressions.append(arg.annotation)
    if node.returns is not None:
        expressions.append(node.returns)
    return expressions


def _parameter_count(node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> int:
    """Named parameters a caller must think about: *args, **kwargs and a method's self or cls excluded."""
    args = node.args
    count = len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs)
    is_static = any(_decorator_name(d) == "staticmethod" for d in node.decorator_list)
    if in_class and not is_static and (args.posonlyargs or args.args):
        count -= 1
    return count


def _decorator_name(decorator: ast.expr) -> str:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Name):
        return target.id
    return ""


def _is_public(parent: _Scope, name: str) -> bool:
    """Part of the module's API: no underscore (dunders included) in its name or its enclosing ones, not nested in a
    function."""
    if name.startswith("_"):
        return False
    scope: _Scope | None = parent
    while scope is not None:
        if scope.kind == "function" or scope.qualname.rsplit(".", 1)[-1].startswith("_"):
            return False
        scope = scope.parent
    return True


def _is_docstring_statement(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _has_docstring(node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
    return bool(node.body) and _is_docstring_statement(node.body[0])


def _elif_of(node: ast.If) -> ast.If | None:
    """The `elif` branch of an if, if any: it shares the `if`'s column, where an `if` inside `else:` is indented."""
    if len(node.orelse) != 1:
        return None
    child = node.orelse[0]
    if isinstance(child, ast.If) and child.col_offset == node.col_offset and child.lineno > node.lineno:
        return child
    return None


def _is_wrapper(parent: _Scope, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Sonar's wrapper rule: a function whose parent does nothing but define and return it adds no nesting."""
    return all(
        isinstance(statement, ast.Return) and isinstance(statement.value, ast.Name)
        for statement in parent.body
        if statement is not node
    )
