"""docs/rules.md is generated from the rule catalogue: the committed file must be exactly what the code renders."""

from __future__ import annotations

from bot.engine.rule_docs import DOC_PATH, render
from bot.engine.rules import BUILTIN_RULES
from bot.engine.secrets import KINDS


def test_the_committed_rules_page_is_the_generated_one() -> None:
    committed = DOC_PATH.read_text(encoding="utf-8")
    assert committed == render(), "docs/rules.md is stale: run `python -m bot.engine.rule_docs` and commit it"


def test_every_rule_and_secret_kind_is_on_the_page() -> None:
    page = render()
    assert all(f"| `{rule.id}` |" in page for rule in BUILTIN_RULES)
    assert all(f"- {kind.name}" in page for kind in KINDS)
