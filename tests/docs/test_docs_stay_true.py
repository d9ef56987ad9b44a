"""The documentation names every rule, setting and command a user can reach."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.cli.main import build_parser
from bot.engine.config import ToastyConfig
from bot.engine.rules import BUILTIN_RULES, format_number

ROOT = Path(__file__).resolve().parents[2]


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda rule: rule.id)
def test_every_rule_is_documented_with_its_default(rule: object) -> None:
    row = next(line for line in read("docs/rules.md").splitlines() if line.startswith(f"| `{rule.id}` |"))  # type: ignore[attr-defined]
    if rule.threshold is not None:  # type: ignore[attr-defined]
        assert format_number(rule.threshold) in row  # type: ignore[attr-defined]
    assert rule.severity.value in row  # type: ignore[attr-defined]


@pytest.mark.parametrize("key", sorted(ToastyConfig.model_fields))
def test_every_config_key_is_documented(key: str) -> None:
    assert f"\n{key}:" in read("docs/configuration.md") or f"  {key}:" in read("docs/configuration.md")


def test_every_cli_command_is_in_the_readme() -> None:
    readme = read("README.md")
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for command in commands:
        assert f"toasty {command}" in readme


def test_readme_gives_the_two_commands() -> None:
    readme = read("README.md")
    assert "make test" in readme
    assert "make serve" in readme


def test_ci_runs_the_readmes_test_command_and_parses() -> None:
    script = read(".ci/run")
    assert script.rstrip().splitlines()[-1] == "make test"
    checked = subprocess.run(["bash", "-n", str(ROOT / ".ci/run")], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr  # a stray quote in a comment once left CI unable to start


def test_every_action_input_and_output_is_in_the_readme() -> None:
    import yaml

    metadata = yaml.safe_load(read("action.yml"))
    readme = read("README.md")
    for name in [*metadata["inputs"], *metadata["outputs"]]:
        assert f"| `{name}` |" in readme
