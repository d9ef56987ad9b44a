"""One walk over a Python syntax tree: per-function metrics, radon's file totals and every rule hit.

The cyclomatic and Halstead counts follow radon's ComplexityVisitor and HalsteadVisitor node for node (what they
count, and which parts of a definition they skip), so the figures agree with radon's on the same tree, with two
deliberate corrections: `except*` handlers count like `except` handlers, and each `case … if guard` adds one.
Cognitive complexity follows SonarSource's definition as its Python analyzer applies it.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.engine.analysis import FunctionInfo, Observation, anchor_text
from bot.engine.secrets import is_credential, names_something_else

ScopeKind = Literal["module", "class", "function"]

_NOT_CHILDREN = frozenset(("ctx", "op", "ops"))
_EXEMPT_DECORATORS = frozenset(("overload", "override", "setter", "deleter"))
_ALWAYS_SHELL = frozenset(
    (
        *("os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "platform.popen"),
        *("subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput", "commands.getstatusoutput"),
        *("popen2.popen2", "popen2.popen3", "popen2.popen4", "popen2.Popen3", "popen2.Popen4"),
    )
)
"""Functions that always hand their command to a shell (bandit's B605 list)."""
_UNPICKLERS = frozenset(
    (
        *(
            f"{module}.{name}"
            for module in ("pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib")
            for name in ("load", "loads", "Unpickler")
        ),
        *("marshal.load", "marshal.loads", "shelve.open", "shelve.DbfilenameShelf", "pandas.read_pickle"),
        *("jsonpickle.decode", "jsonpickle.loads", "jsonpickle.unpickler.decode", "jsonpickle.unpickler.Unpickler"),
    )
)
_EVALUATORS = frozenset(("eval", "exec", "builtins.eval", "builtins.exec"))
_PASSWORD_NAME = re.compile(r"(?:^|_)(?:pas+wo?r?d|pass(?:phrase)?|pwd|token|secrete?)(?:_|$)", re.IGNORECASE)
"""bandit's hard-coded password names: the word as a whole underscore-separated part of the name."""
_SAFE_YAML_LOADERS = frozenset(("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"))
_MUTABLE_CALLS = frozenset(("list", "dict", "set", "bytearray", "defaultdict", "OrderedDict", "deque", "Counter"))
_MUTABLE_NODES = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


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
    has_module_docstring: bool
    defines_anything: bool


def walk_module(tree: ast.Module, lines: list[str]) -> TreeFacts:
    """Walk a parsed module once and return everything the engine measures on it."""
    walker = _Walker(lines)
    walker.walk(tree)
    return walker.facts(tree)


class _Walker:
    """A recursive visitor whose state machine mirrors radon's visitors and Sonar's nesting rules."""

    def __init__(self, lines: list[str]) -> None:
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
            ast.Call: self.visit_call,
            ast.Assign: self.visit_assign,
            ast.AnnAssign: self.visit_annassign,
            ast.Attribute: self.visit_attribute,
            ast.Import: self.visit_import,
            ast.ImportFrom: self.visit_import,
            ast.Dict: self.visit_dict,
        }
        try_star = getattr(ast, "TryStar", None)
        if try_star is not None:
            self.dispatch[try_star] = self.visit_try

    # -- traversal ---------------------------------------------------------------------------------------

    def walk(self, tree: ast.Module) -> None:
        for statement in tree.body:
            self.visit(statement)

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

    def observe(self, rule: str, node: ast.AST, subject: str = "", scope: str | None = None) -> None:
        line = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", None) or line
        self.observations.append(
            Observation(
                rule=rule,
                line=line,
                end_line=end,
                scope=self.scope.qualname if scope is None else scope,
                anchor=anchor_text(self.lines, line, end),
                subject=subject,
            )
        )

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
            needs_docstring=_is_public(parent, node.name, node.decorator_list) and not _has_docstring(node),
            signature=anchor_text(self.lines, node.lineno, node.lineno),
        )
        self.functions.append(info)
        self.check_defaults(node.args, info.qualname)
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

    def check_defaults(self, arguments: ast.arguments, qualname: str) -> None:
        for default in [*arguments.defaults, *arguments.kw_defaults]:
            if default is not None and _is_mutable(default):
                subject = ast.unparse(default)[:40]
                self.observe("reliability.mutable-default", default, subject, scope=qualname)
        positional = [*arguments.posonlyargs, *arguments.args]
        pairs = [
            *zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True),
            *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
        ]
        for argument, default in pairs:
            self.check_password(default or argument, argument.arg, default)

    def visit_class(self, node: ast.ClassDef) -> None:
        parent = self.scope
        info = FunctionInfo(
            qualname=_qualify(parent, node.name),
            kind="class",
            lineno=node.lineno,
            start=min([node.lineno, *(d.lineno for d in node.decorator_list)]),
            header_end=_header_end(node),
            end=node.end_lineno or node.lineno,
            needs_docstring=_is_public(parent, node.name, []) and not _has_docstring(node),
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
            self.visit_handler(handler)
        if node.orelse:
            self.think(1)
            self.block(node.orelse)
        self.block(node.finalbody, nest=False)

    def visit_handler(self, handler: ast.ExceptHandler) -> None:
        self.think(1 + self.cognitive_level)
        if handler.type is None:
            self.observe_line("reliability.bare-except", handler)
        elif _only_passes(handler.body):
            self.observe_line("reliability.swallowed-exception", handler, ast.unparse(handler.type)[:60])
        if handler.type is not None:
            self.visit(handler.type)
        self.block(handler.body)

    def observe_line(self, rule: str, node: ast.stmt | ast.excepthandler, subject: str = "") -> None:
        """Observe only the statement's first line (an except clause, not its whole body)."""
        line = node.lineno
        self.observations.append(
            Observation(rule, line, line, self.scope.qualname, anchor_text(self.lines, line, line), subject)
        )

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
        self.observe_line("reliability.assert", node)
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
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq | ast.Is | ast.IsNot):
            self.check_password(node, _target_name(node.left), node.comparators[0])
            self.check_password(node, _target_name(node.comparators[0]), node.left)
        self.halstead(len(node.ops), (type(op).__name__ for op in node.ops), [*node.comparators, node.left])
        self.visit(node.left)
        self.visit_all(node.comparators)

    # -- rule checks on expressions ---------------------------------------------------------------------------

    def visit_call(self, node: ast.Call) -> None:
        _check_call(self, node)
        for keyword in node.keywords:
            self.check_password(keyword, keyword.arg or "", keyword.value)
        self.generic(node)

    def visit_assign(self, node: ast.Assign) -> None:
        value = node.value
        if isinstance(value, ast.Constant) and value.value is False:
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "check_hostname":
                    self.observe("security.tls-verify-off", node, "check_hostname = False")
        for target in node.targets:
            self.check_password(node, _target_name(target), value)
        self.generic(node)

    def visit_annassign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.check_password(node, _target_name(node.target), node.value)
        self.generic(node)

    def visit_dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self.check_password(value, key.value, value)
        self.generic(node)

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

    def check_password(self, node: ast.AST, name: str, value: ast.expr | None) -> None:
        """bandit's hard-coded password shapes: a string literal bound to, passed as or compared with a password-like
        name. Values that look like real credentials are left to security.hardcoded-secret, which reports them."""
        if not name or value is None or not isinstance(value, ast.Constant) or not isinstance(value.value, str):
            return
        if not value.value or _PASSWORD_NAME.search(name) is None or names_something_else(name):
            return
        if not is_credential(value.value):
            self.observe("security.hardcoded-password", node, name[:60])

    def visit_attribute(self, node: ast.Attribute) -> None:
        if node.attr == "CERT_NONE" and isinstance(node.value, ast.Name) and node.value.id == "ssl":
            self.observe("security.tls-verify-off", node, "ssl.CERT_NONE")
        self.visit(node.value)

    # -- results -----------------------------------------------------------------------------------------------------

    def facts(self, tree: ast.Module) -> TreeFacts:
        return TreeFacts(
            functions=self.functions,
            observations=self.observations,
            total_complexity=self.total_complexity(),
            halstead_volume=self.halstead_volume(),
            has_module_docstring=_has_docstring(tree),
            defines_anything=any(
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for node in tree.body
            ),
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


def _is_public(parent: _Scope, name: str, decorators: list[ast.expr]) -> bool:
    """Public API: not underscored (dunders included), not nested in a function, not an overload or setter."""
    if name.startswith("_") or any(_decorator_name(d) in _EXEMPT_DECORATORS for d in decorators):
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


def _only_passes(body: list[ast.stmt]) -> bool:
    return all(
        isinstance(s, ast.Pass)
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is Ellipsis)
        for s in body
    )


def _is_mutable(default: ast.expr) -> bool:
    if isinstance(default, _MUTABLE_NODES):
        return True
    return isinstance(default, ast.Call) and _call_name(default)[1] in _MUTABLE_CALLS


def _call_name(node: ast.Call) -> tuple[str, str]:
    """(receiver, name) of a call: ('subprocess', 'run') for subprocess.run(...), ('', 'eval') for eval(...)."""
    func = node.func
    if isinstance(func, ast.Name):
        return "", func.id
    if isinstance(func, ast.Attribute):
        value = func.value
        if isinstance(value, ast.Name):
            return value.id, func.attr
        if isinstance(value, ast.Attribute):
            return value.attr, func.attr
        return "?", func.attr
    return "?", ""


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_constant(node: ast.expr | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _check_call(walker: _Walker, node: ast.Call) -> None:
    """Security rules that look at a single call, by the dotted name its target was imported as."""
    qualified = walker.qualify(node.func)
    name = qualified.rsplit(".", 1)[-1]
    shown = f"{qualified}()" if not qualified.startswith("?") else f"{name}()"
    if qualified in _EVALUATORS:
        walker.observe("security.eval", node, f"{name}()")
    elif qualified in _ALWAYS_SHELL or _runs_a_shell(_keyword(node, "shell")):
        command = node.args[0] if node.args else _keyword(node, "args") or _keyword(node, "cmd")
        constant = isinstance(command, ast.Constant) or (
            isinstance(command, ast.List | ast.Tuple) and all(isinstance(e, ast.Constant) for e in command.elts)
        )
        walker.observe("security.shell-constant" if constant else "security.shell-true", node, shown)
    elif qualified.startswith("yaml.") and _is_unsafe_yaml(node, name):
        walker.observe("security.yaml-load", node, f"yaml.{name}()")
    elif qualified in _UNPICKLERS or name == "read_pickle":
        walker.observe("security.pickle", node, shown)
    if _is_constant(_keyword(node, "verify"), False) or _is_constant(_keyword(node, "verify_ssl"), False):
        walker.observe("security.tls-verify-off", node, "verify=False")
    elif name == "_create_unverified_context":
        walker.observe("security.tls-verify-off", node, "ssl._create_unverified_context()")


def _runs_a_shell(shell: ast.expr | None) -> bool:
    """bandit's reading of `shell=`: a literal by its truth, anything computed as true."""
    if shell is None:
        return False
    if isinstance(shell, ast.Constant):
        return bool(shell.value)
    if isinstance(shell, ast.List | ast.Tuple | ast.Set):
        return bool(shell.elts)
    if isinstance(shell, ast.Dict):
        return bool(shell.keys)
    return True


def _target_name(target: ast.expr) -> str:
    """The name a value is bound to: `password`, `self.password`, `config["password"]`."""
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        key = target.slice.value
        return key if isinstance(key, str) else ""
    return ""


def _is_unsafe_yaml(node: ast.Call, name: str) -> bool:
    if name in ("unsafe_load", "unsafe_load_all", "full_load", "full_load_all"):
        return True
    if name not in ("load", "load_all"):
        return False
    loader = _keyword(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
    if loader is None:
        return True
    loader_name = loader.attr if isinstance(loader, ast.Attribute) else getattr(loader, "id", "")
    return loader_name not in _SAFE_YAML_LOADERS
