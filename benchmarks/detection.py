"""Detection quality on other scanners' published samples and bandit's examples, and the secret scan's speed.

Recall per kind Toasty claims and false positives on the peers' known negatives come from the same measurement
the test suite asserts (tests/engine/test_secret_samples.py); the timings scan real source and adversarial
near misses at two sizes, so the ratio shows that the scan stays linear.
"""

from __future__ import annotations

import sysconfig
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from bot.engine.secrets import find_secrets
from tests.engine.test_bandit_examples import MAPPED, _groups, _reported
from tests.engine.test_secret_samples import _claimed_kind, measure

LARGE_MB = 8


def run() -> Iterator[str]:
    """Print the per-kind table, the totals and the scan timings."""
    yield from ["## Secret detection on gitleaks' and detect-secrets' samples", ""]
    yield from _quality_table()
    yield ""
    yield from ["## Python security rules on bandit's example files, against bandit's own findings", ""]
    yield from _bandit_table()
    yield ""
    yield from _timings()


def _quality_table() -> Iterator[str]:
    rows = list(measure())
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for peer_kind, positives, found, negatives, flagged, placeholders in rows:
        totals = by_kind[_claimed_kind(peer_kind) or "(kinds Toasty does not claim)"]
        for index, value in enumerate((positives, found, negatives, flagged, placeholders)):
            totals[index] += value
    yield (
        f"{'kind':<40} {'positives':>9} {'found':>6} {'recall':>7} {'negatives':>9} {'flagged':>8} {'placeholders':>13}"
    )
    for kind, (positives, found, negatives, flagged, placeholders) in sorted(by_kind.items()):
        recall = f"{found / positives:.1%}" if positives else "–"
        yield f"{kind:<40} {positives:>9} {found:>6} {recall:>7} {negatives:>9} {flagged:>8} {placeholders:>13}"
    positives = sum(row[1] + row[5] for row in rows)
    found = sum(row[2] for row in rows)
    negatives = sum(row[3] for row in rows)
    flagged = sum(row[4] for row in rows)
    yield ""
    yield (
        f"overall recall {found}/{positives} = {found / positives:.1%} (placeholders counted as misses; target ≥ 90%), "
        f"false positives {flagged}/{negatives} = {flagged / negatives:.1%} (target ≤ 10%)"
    )


def _bandit_table() -> Iterator[str]:
    yield f"{'Toasty rules':<56} {'bandit checks':<18} {'findings':>8} {'reported':>9} {'recall':>7}"
    for rule, expected in sorted(_groups().items()):
        rules = next(rules for rules in MAPPED.values() if rules[0] == rule)
        checks = ", ".join(sorted(test for test, mapped in MAPPED.items() if mapped[0] == rule))
        reported = sum(_reported(name, line, rules) for name, line in expected)
        names = ", ".join(rules)
        yield f"{names:<56} {checks:<18} {len(expected):>8} {reported:>9} {reported / len(expected):>7.1%}"


def _timings() -> Iterator[str]:
    source = _stdlib_text(LARGE_MB)
    near_misses = _near_misses(LARGE_MB)
    yield f"{'file':<44} {'MB':>5} {'seconds':>8} {'MB/s':>7} {'2x size / 1x':>13}"
    for name, text in (("standard library concatenated", source), ("adversarial near misses", near_misses)):
        small = _seconds(text[: len(text) // 2])
        large = _seconds(text)
        megabytes = len(text) / 1e6
        yield f"{name:<44} {megabytes:>5.1f} {large:>8.2f} {megabytes / large:>7.1f} {large / small:>12.2f}x"


def _seconds(text: str) -> float:
    started = time.perf_counter()
    for _ in find_secrets(text):
        pass
    return time.perf_counter() - started


def _stdlib_text(megabytes: int) -> str:
    parts, size = [], 0
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        parts.append(text)
        size += len(text)
        if size > megabytes * 1e6:
            break
    return "".join(parts)


def _near_misses(megabytes: int) -> str:
    """Lines that start every pattern and fail late: secret-like names with long non-random values, token
    prefixes without a body, key headers without a key."""
    unit = (
        "DB_PASSWORD = '" + "a" * 390 + "'\n"
        "token: " + "abc_def_" * 40 + "\n"
        "xoxb-" + "1-" * 150 + "\n"
        "-----BEGIN PRIVATE KEY-----" * 8 + "\n"
        "https://user:" + "p" * 90 + "\n"
        "eyJ" + "a" * 200 + ".ey\n"
    )
    return unit * int(megabytes * 1e6 / len(unit))
