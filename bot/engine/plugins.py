"""Extra rules from installed Python packages, registered under the `toasty.rules` entry-point group.

Plugins are installed by whoever runs Toasty, so they are trusted code; what they inspect is not, so a plugin
that fails is logged and skipped and never takes the rest of the grading down with it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from bot.engine.analysis import Observation
from bot.engine.rules import RuleMeta, SourceFile

ENTRY_POINT_GROUP = "toasty.rules"
log = logging.getLogger(__name__)


@runtime_checkable
class PluginRule(Protocol):
    """What an entry point provides (directly, or as a list returned by a callable)."""

    meta: RuleMeta

    def check(self, source: SourceFile) -> Iterable[Observation]:
        """Observations for this rule in one file."""
        ...


@cache
def installed_plugins() -> tuple[PluginRule, ...]:
    """Load every `toasty.rules` entry point once per process; a broken one is logged and left out."""
    loaded: list[PluginRule] = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            target = entry.load()
            candidates = target() if callable(target) and not isinstance(target, PluginRule) else target
            items = candidates if isinstance(candidates, list | tuple) else [candidates]
        except Exception:
            log.exception("plugin entry point %s could not be loaded", entry.name)
            continue
        for item in items:
            if isinstance(item, PluginRule) and isinstance(item.meta, RuleMeta):
                loaded.append(item)
            else:
                log.error("plugin entry point %s gave %r, which is not a rule", entry.name, item)
    return tuple(loaded)


def plugin_rules() -> list[RuleMeta]:
    """Catalogue entries of the installed plugins."""
    return [plugin.meta for plugin in installed_plugins()]


def run_plugins(source: SourceFile) -> list[Observation]:
    """Observations from every installed plugin; one that raises is skipped for this file."""
    found: list[Observation] = []
    for plugin in installed_plugins():
        try:
            found.extend(o for o in plugin.check(source) if o.rule == plugin.meta.id)
        except Exception:
            log.exception("plugin rule %s failed on %s", plugin.meta.id, source.path)
    return found
