"""Toasty's Python security rules on bandit's own example files, against bandit's own findings on them.

tests/reference/scanners/bandit holds bandit's example files and the findings bandit 1.9.4 reports on them; the
first test checks those findings against the counts bandit's functional tests expect per file, so the reference
is bandit's, not ours. Each bandit check that matches a Toasty rule is mapped to it; recall is asserted per rule,
and no mapped rule may report a line bandit leaves clean.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from bot.engine import ChangedFile, Strategy, grade_change
from bot.engine.models import Finding

BANDIT = Path(__file__).parents[1] / "reference" / "scanners" / "bandit"
RECALL = 0.90
SHELL = ("security.shell-true", "security.shell-constant")
PASSWORD = ("security.hardcoded-password", "security.hardcoded-secret")
# bandit test id -> the Toasty rules that report the same thing
MAPPED: dict[str, tuple[str, ...]] = {
    "B602": SHELL,  # subprocess call with shell=True
    "B604": SHELL,  # any other function with shell=True
    "B605": SHELL,  # os.system, os.popen, popen2, commands, subprocess.getoutput…
    "B301": ("security.pickle",),  # pickle, dill, shelve, jsonpickle, pandas.read_pickle
    "B302": ("security.pickle",),  # marshal
    "B307": ("security.eval",),
    "B102": ("security.eval",),  # exec
    "B506": ("security.yaml-load",),
    "B501": ("security.tls-verify-off",),  # requests with verify=False
    "B323": ("security.tls-verify-off",),  # ssl._create_unverified_context
    "B105": PASSWORD,  # password string assigned, in a dictionary or compared
    "B106": PASSWORD,  # password keyword argument
    "B107": PASSWORD,  # password default argument
}
OWN_RULES = frozenset(rule for rules in MAPPED.values() for rule in rules)


@cache
def _reference() -> dict[str, object]:
    data: dict[str, object] = json.loads((BANDIT / "findings.json").read_text(encoding="utf-8"))
    return data


def _bandit_findings() -> list[dict[str, object]]:
    findings = _reference()["findings"]
    assert isinstance(findings, list)
    return findings


@cache
def _toasty_findings(name: str) -> tuple[Finding, ...]:
    data = (BANDIT / "examples" / name).read_bytes()
    change = ChangedFile(path=name, status="added", whole_file=True)
    grade = grade_change([change], lambda _: data, None, Strategy.default())
    return tuple(f for f in grade.findings if f.rule in OWN_RULES)


def _reported(name: str, line: int, rules: tuple[str, ...]) -> bool:
    return any(f.rule in rules and f.line <= line <= (f.end_line or f.line) for f in _toasty_findings(name))


def test_the_reference_findings_are_what_bandits_functional_tests_expect() -> None:
    expected = _reference()["expected_counts"]
    assert isinstance(expected, dict)
    assert len(expected) >= 15
    for name, counts in expected.items():
        severities = Counter(str(f["severity"]) for f in _bandit_findings() if f["file"] == name)
        assert {level: severities[level] for level in counts["SEVERITY"]} == counts["SEVERITY"], name


def _groups() -> dict[str, list[tuple[str, int]]]:
    groups: dict[str, list[tuple[str, int]]] = {}
    for finding in _bandit_findings():
        rules = MAPPED.get(str(finding["test"]))
        if rules is not None:
            groups.setdefault(rules[0], []).append((str(finding["file"]), int(str(finding["line"]))))
    return groups


@pytest.mark.parametrize("rule", sorted({rules[0] for rules in MAPPED.values()}))
def test_recall_of_bandits_findings_per_mapped_rule(rule: str) -> None:
    rules = next(rules for rules in MAPPED.values() if rules[0] == rule)
    expected = _groups()[rule]
    missed = [(name, line) for name, line in expected if not _reported(name, line, rules)]
    assert 1 - len(missed) / len(expected) >= RECALL, missed


def test_no_mapped_rule_reports_a_line_bandit_leaves_clean() -> None:
    """Except comments that quote a password (a credential in a comment is still committed) and lines bandit skips
    because of its own `# nosec` marker, which Toasty does not read (it has `toasty: ignore`)."""
    flagged = {(str(f["file"]), int(str(f["line"]))) for f in _bandit_findings()}
    names = sorted({name for name, _ in flagged} | {"okay.py"})
    extra = []
    for name in names:
        lines = (BANDIT / "examples" / name).read_text(encoding="utf-8").splitlines()
        for finding in _toasty_findings(name):
            span = range(finding.line, (finding.end_line or finding.line) + 1)
            text = lines[finding.line - 1]
            nosec = any("nosec" in lines[line - 1] for line in span)
            if any((name, line) in flagged for line in span) or text.lstrip().startswith("#") or nosec:
                continue
            extra.append((name, finding.line, finding.rule))
    assert extra == []
