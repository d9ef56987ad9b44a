"""The rule registry: where each rule lives, how checks join the one walk, and how extensions register."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from bot.engine.analysis import Observation, split_lines
from bot.engine.custom_rules import RegexRule
from bot.engine.models import Dimension, Severity
from bot.engine.python.walker import walk_module
from bot.engine.rules import (
    BUILTIN_RULES,
    CATALOGUE,
    FAMILIES,
    RULES,
    PythonContext,
    Registry,
    RuleMeta,
    SourceFile,
    SourceRule,
)

CODE = '''
import subprocess as sp

def outer(a, b=[]):
    """Doc."""
    if a:
        sp.call(a, shell=True)
    return [x for x in b if x]

class Thing:
    def method(self):
        try:
            return eval("1")
        except:
            pass
'''


def _meta(rule_id: str, dimension: Dimension = Dimension.RELIABILITY) -> RuleMeta:
    return RuleMeta(id=rule_id, dimension=dimension, severity=Severity.MINOR, title=rule_id, why="", advice="")


def test_each_built_in_rule_is_declared_in_the_module_named_after_its_dimension() -> None:
    declared = {
        value.id: family.__name__.rsplit(".", 1)[-1]
        for family in FAMILIES
        for value in vars(family).values()
        if isinstance(value, RuleMeta)
    }
    assert declared == {rule.id: rule.dimension.value for rule in BUILTIN_RULES}
    assert set(CATALOGUE) == set(RULES.table)


def test_node_checks_run_from_the_one_walk_and_change_no_figure() -> None:
    calls = _meta("acme.calls")
    registry = Registry()

    @registry.on(ast.Call, reports=(calls,))
    def every_call(context: PythonContext, node: ast.Call) -> None:
        context.observe(calls, node, context.qualify(node.func))

    tree, lines = ast.parse(CODE), split_lines(CODE)
    plain = walk_module(tree, lines, checks={})
    checked = walk_module(tree, lines, checks=registry.node_checks)
    assert [(o.rule, o.line, o.scope, o.subject) for o in checked.observations] == [
        ("acme.calls", 7, "outer", "subprocess.call"),
        ("acme.calls", 13, "Thing.method", "eval"),
    ]
    assert plain.observations == []
    assert (checked.functions, checked.total_complexity, checked.halstead_volume) == (
        plain.functions,
        plain.total_complexity,
        plain.halstead_volume,
    )


def test_the_built_in_checks_are_those_the_walk_runs_by_default() -> None:
    tree, lines = ast.parse(CODE), split_lines(CODE)
    found = {o.rule for o in walk_module(tree, lines).observations}
    assert found == {
        "documentation.module-docstring",
        "reliability.mutable-default",
        "security.shell-true",
        "security.eval",
        "reliability.bare-except",
    }


def test_two_rules_cannot_share_an_id_but_two_checks_can_report_one_rule() -> None:
    registry = Registry()
    rule = _meta("acme.rule")
    registry.on(ast.Call, reports=(rule,))(lambda context, node: None)
    registry.on(ast.Assign, reports=(rule,))(lambda context, node: None)
    with pytest.raises(ValueError, match=r"acme\.rule"):
        registry.declare(_meta("acme.rule"))
    with pytest.raises(ValueError, match="scope is 'file'"):
        registry.file_metric(_meta("acme.file-figure"), "lines")  # a line-scoped rule on a whole-file figure


class _Lines:
    """A text rule as a plugin would write it."""

    meta = _meta("acme.lines")

    def check(self, source: SourceFile) -> Iterator[Observation]:
        yield source.hit(self.meta.id, source.line_of(len(source.text) - 1))


def test_extensions_register_like_built_in_text_rules_without_changing_the_built_in_registry() -> None:
    yaml_rule = RegexRule("acme.todo", "TODO", "A TODO", Severity.MINOR, Dimension.MAINTAINABILITY, ("*",))
    shadow = RegexRule("security.eval", "def", "not eval", Severity.INFO, Dimension.SIZE, ("*",))
    assert isinstance(yaml_rule, SourceRule)
    assert isinstance(_Lines(), SourceRule)
    before = (dict(RULES.table), RULES.text_rules)

    registry = RULES.with_rules([yaml_rule, _Lines(), shadow])

    assert (dict(RULES.table), RULES.text_rules) == before
    assert registry.table["security.eval"] is CATALOGUE["security.eval"]  # a built-in id keeps its metadata
    assert registry.text_rules[: len(RULES.text_rules)] == RULES.text_rules
    text = "def f():\n    x = 1  # TODO\n    return x\n"
    source = SourceFile("pkg/a.py", "python", text, split_lines(text), None, ())
    found = {(o.rule, o.line) for o in registry.scan(source)}
    assert found == {("acme.todo", 2), ("acme.lines", 3), ("security.eval", 1)}
    assert RULES.with_rules([]) is RULES


def test_a_repeated_keyword_counts_once_the_first_as_before() -> None:
    code = "import subprocess\nsubprocess.run(c, shell=False, shell=True)\nsubprocess.run(c, shell=True, shell=False)\n"
    observations = walk_module(ast.parse(code), split_lines(code)).observations  # ast.parse accepts the repeat
    assert [(o.rule, o.line) for o in observations] == [("security.shell-true", 3)]
