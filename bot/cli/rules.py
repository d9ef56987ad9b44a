"""`toasty rules`: every rule Toasty knows, with its id, dimension and defaults."""

from __future__ import annotations

import argparse
import json
import sys

from bot.engine.plugins import plugin_rules
from bot.engine.rules import RuleMeta, format_number, rule_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `rules` command's options."""
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    """Print the rule table (built-in rules and installed plugins)."""
    table = sorted(rule_table(plugin_rules()).values(), key=lambda rule: rule.id)
    if args.format == "json":
        sys.stdout.write(json.dumps([rule.model_dump(mode="json") for rule in table], indent=2) + "\n")
        return 0
    width = max(len(rule.id) for rule in table)
    sys.stdout.write(f"{'RULE':<{width}}  {'DIMENSION':<15}  {'SEVERITY':<8}  {'THRESHOLD':>9}  TITLE\n")
    for rule in table:
        sys.stdout.write(
            f"{rule.id:<{width}}  {rule.dimension.value:<15}  {rule.severity.value:<8}  {_threshold(rule):>9}  "
            f"{rule.title}\n"
        )
    return 0


def _threshold(rule: RuleMeta) -> str:
    if rule.threshold is None:
        return "–"
    return ("≥ " if rule.lower_is_worse else "≤ ") + format_number(rule.threshold)
