"""docs/rules.md, generated from the rule catalogue and the secret kinds, so the docs cannot drift from the code.

Regenerate with `python -m bot.engine.rule_docs` (tests/docs/test_rules_doc.py fails when the committed file
differs from what this renders).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from bot.engine.rules import BUILTIN_RULES, RuleMeta, format_number
from bot.engine.secrets import KINDS

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "rules.md"

_INTRO = """\
# Rules

Every rule has a stable id (configuration, suppression comments, learning and SARIF use it), a dimension, a
default severity and, for metrics, a default threshold. `toasty rules` prints this table for the installed version,
plugins included. Scope says what must change for a finding to be reported (see [how Toasty measures](metrics.md)).
This page is generated from the rule catalogue (`bot/engine/rules.py`) by `python -m bot.engine.rule_docs`.
"""

_PYTHON_NOTES = """\
Python calls are matched by the name they were imported as: `import pickle as pk; pk.loads(…)` is `pickle.loads`,
`from subprocess import Popen as pop; pop(…, shell=True)` is `subprocess.Popen`.

Measured on bandit's own example files against bandit's findings (`tests/engine/test_bandit_examples.py`): Toasty
reports every one of bandit's shell (B602, B604, B605), unpickling (B301, B302), eval/exec (B307, B102), YAML (B506)
and TLS (B501, B323) findings and 16 of its 17 hard-coded password findings (the empty-string comparison), and no
mapped rule reports a line bandit leaves clean (apart from comments that quote a password, and lines bandit skips
for its own `# nosec` marker, which Toasty does not read).
"""

_SECRETS_NOTES = """\
Measured on gitleaks' and detect-secrets' own samples (`python -m benchmarks detection`, asserted by
`tests/engine/test_secret_samples.py`): recall ≥ 95% on every kind above that they test, ≥ 90% over all their
samples, false positives ≤ 10% of their known negatives. Where Toasty differs on purpose: detect-secrets' keyword
plugin reports any value after a secret-like name (phrases, template-like strings); Toasty requires a value that
looks random.
"""


def render(rules: Iterable[RuleMeta] = BUILTIN_RULES) -> str:
    """The whole of docs/rules.md."""
    ordered = sorted(rules, key=lambda rule: rule.id)
    parts = [_INTRO, _table(ordered), "## How each rule decides\n", _details(ordered), _PYTHON_NOTES]
    parts += ["## Secret kinds\n", _secret_kinds(), _SECRETS_NOTES]
    return "\n".join(parts)


def _table(rules: list[RuleMeta]) -> str:
    lines = ["| Rule | Dimension | Severity | Threshold | Scope | What it finds |", "|---|---|---|---|---|---|"]
    for rule in rules:
        finds = f"{rule.title}. {rule.why}".strip()
        row = (rule.id, rule.dimension.value, rule.severity.value, _threshold(rule), rule.scope)
        lines.append(f"| `{row[0]}` | {' | '.join(row[1:])} | {finds} |")
    return "\n".join(lines) + "\n"


def _threshold(rule: RuleMeta) -> str:
    if rule.threshold is None:
        return "–"
    direction = "at least" if rule.lower_is_worse else "at most"
    return f"{direction} {format_number(rule.threshold)}{rule.unit}"


def _details(rules: list[RuleMeta]) -> str:
    return "".join(f"- `{rule.id}`: {rule.details}\n" for rule in rules if rule.details)


def _secret_kinds() -> str:
    """Every kind security.hardcoded-secret names in its findings, from the patterns themselves."""
    described: dict[str, str] = {}
    for kind in KINDS:
        described.setdefault(kind.name, kind.covers)
    lines = [f"- {name}" + (f": {covers}" if covers else "") for name, covers in described.items()]
    return "`security.hardcoded-secret` recognises these kinds:\n\n" + "\n".join(lines) + "\n"


def main() -> int:
    """Write docs/rules.md."""
    DOC_PATH.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC_PATH}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
