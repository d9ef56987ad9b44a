"""Rules from installed packages through the `toasty.rules` entry-point group."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import plugins
from tests.engine.helpers import findings

PLUGIN_MODULE = """
from bot.engine.models import Dimension, Severity
from bot.engine.rules import RuleMeta


class NoTodo:
    meta = RuleMeta(
        id="acme.no-todo", dimension=Dimension.MAINTAINABILITY, severity=Severity.MINOR,
        title="TODO left in code", why="TODOs rot.", advice="Open an issue instead.",
    )

    def check(self, source):
        for number, line in enumerate(source.lines, start=1):
            if "TODO" in line:
                yield source.hit(self.meta.id, number)


class Broken:
    meta = RuleMeta(
        id="acme.broken", dimension=Dimension.RELIABILITY, severity=Severity.MINOR,
        title="Broken", why="", advice="",
    )

    def check(self, source):
        raise RuntimeError("plugin bug")


def rules():
    return [NoTodo(), Broken()]
"""


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[None]:
    """A package with an entry point, installed the way pip would (a module plus .dist-info)."""
    (tmp_path / "acme_rules.py").write_text(PLUGIN_MODULE)
    info = tmp_path / "acme_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[toasty.rules]\nacme = acme_rules:rules\n")
    sys.path.insert(0, str(tmp_path))
    plugins.installed_plugins.cache_clear()
    yield
    sys.path.remove(str(tmp_path))
    sys.modules.pop("acme_rules", None)
    plugins.installed_plugins.cache_clear()


@pytest.mark.usefixtures("installed_plugin")
def test_plugin_rule_reports_findings_and_a_broken_plugin_is_contained(caplog: pytest.LogCaptureFixture) -> None:
    found = findings('"""M."""\ndef f():\n    """D."""\n    return 1  # TODO: remove\n')
    todo = [f for f in found if f.rule == "acme.no-todo"]
    assert [(f.line, f.scope, f.title) for f in todo] == [(4, "f", "TODO left in code")]
    assert "plugin rule acme.broken failed" in caplog.text


@pytest.mark.usefixtures("installed_plugin")
def test_plugin_rule_can_be_configured_like_a_built_in_one() -> None:
    code = '"""M."""\nx = 1  # TODO\n'
    assert not findings(code, config="rules:\n  acme.no-todo: off\n", rule="acme.no-todo")
