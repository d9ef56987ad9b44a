"""Extra rules from installed Python packages, registered under the `toasty.rules` entry-point group.

A plugin rule is a text rule (`meta` and `check(source)`, bot.engine.rules.SourceRule), and joins the built-in ones
in the registry the way the repository's YAML rules do (Registry.with_rules). Plugins are installed by whoever runs
Toasty, so they are trusted code; what they inspect is not, so a plugin that fails is logged and skipped and never
takes the rest of the grading down with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points

from bot.engine.analysis import Observation
from bot.engine.rules import RuleMeta, SourceFile, SourceRule

ENTRY_POINT_GROUP = "toasty.rules"
PluginRule = SourceRule
"""What an entry point provides (directly, or as a list returned by a callable)."""
log = logging.getLogger(__name__)


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
                loaded.append(_Contained(item))
            else:
                log.error("plugin entry point %s gave %r, which is not a rule", entry.name, item)
    return tuple(loaded)


def plugin_rules() -> list[RuleMeta]:
    """Registry entries of the installed plugins."""
    return [plugin.meta for plugin in installed_plugins()]


@dataclass(frozen=True, slots=True)
class _Contained:
    """A plugin rule that answers only for itself: it may report only its own rule, and if it raises, it is logged
    and skipped for that file."""

    plugin: PluginRule

    @property
    def meta(self) -> RuleMeta:
        """The plugin's rule."""
        return self.plugin.meta

    def check(self, source: SourceFile) -> list[Observation]:
        """The plugin's observations of its own rule in one file; none if it fails."""
        rule = self.plugin.meta.id
        try:
            return [o for o in self.plugin.check(source) if o.rule == rule]
        except Exception:
            log.exception("plugin rule %s failed on %s", rule, source.path)
            return []
