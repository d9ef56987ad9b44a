"""Documentation rules: modules, public classes and public functions without a docstring."""

from __future__ import annotations

import ast

from bot.engine.analysis import FunctionInfo, Observation
from bot.engine.models import Dimension, Severity
from bot.engine.rules.meta import RuleMeta
from bot.engine.rules.registry import RULES, PythonContext

_PUBLIC_ONLY = (
    "Public names only: not starting with `_` (so dunder methods are exempt), not"
    " nested in a function, not `@overload`, `@override`, property setters or deleters."
)
_EXEMPT_DECORATORS = frozenset(("overload", "override", "setter", "deleter"))
"""Functions documented elsewhere: by the overload's implementation, the overridden method, the property's getter."""

MODULE_DOCSTRING = RuleMeta(
    id="documentation.module-docstring",
    dimension=Dimension.DOCUMENTATION,
    severity=Severity.INFO,
    scope="file",
    title="Module without a docstring",
    why="A module docstring tells a newcomer what the file is for before they read it.",
    advice="Add a one-line docstring at the top saying what the module is for.",
    details="A module needs a docstring when it defines a function or class.",
)


@RULES.on(ast.Module, reports=(MODULE_DOCSTRING,))
def module_docstring(context: PythonContext, module: ast.Module) -> None:
    """A module that defines something without saying what it is for."""
    defines = any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for node in module.body)
    if defines and ast.get_docstring(module, clean=False) is None:
        context.record(Observation(MODULE_DOCSTRING.id, 1, 1, "", "module"))


CLASS_DOCSTRING = RuleMeta(
    id="documentation.class-docstring",
    dimension=Dimension.DOCUMENTATION,
    severity=Severity.INFO,
    scope="function",
    title="Public class without a docstring",
    why="Readers and tools rely on the docstring to learn what a class represents.",
    advice="Add a one-line docstring saying what the class is and why it exists.",
    details=_PUBLIC_ONLY,
)


def _undocumented_class(definition: FunctionInfo) -> bool:
    return definition.kind == "class" and definition.public and not definition.documented


RULES.definition(CLASS_DOCSTRING, _undocumented_class)

FUNCTION_DOCSTRING = RuleMeta(
    id="documentation.function-docstring",
    dimension=Dimension.DOCUMENTATION,
    severity=Severity.INFO,
    scope="function",
    title="Public function without a docstring",
    why="Callers rely on the docstring to learn what the function promises.",
    advice="Add a one-line docstring saying what the function does and why.",
    details=_PUBLIC_ONLY,
)


def _undocumented_function(definition: FunctionInfo) -> bool:
    exempt = not _EXEMPT_DECORATORS.isdisjoint(definition.decorators)
    return definition.kind != "class" and definition.public and not definition.documented and not exempt


RULES.definition(FUNCTION_DOCSTRING, _undocumented_function)
