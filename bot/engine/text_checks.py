"""Checks for any text file, whatever its language: committed secrets and leftover conflict markers."""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.engine.analysis import Observation, anchor_text, line_starts


@dataclass(frozen=True, slots=True)
class _SecretPattern:
    kind: str
    hints: tuple[str, ...]
    """Substrings (lower-case) that must occur before the regex is worth running."""
    regex: re.Pattern[str]
    min_entropy: float = 0.0


_SECRETS = (
    _SecretPattern("AWS access key ID", ("akia", "asia"), re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    _SecretPattern(
        "AWS secret access key",
        ("aws",),
        re.compile(
            r"(?i)aws_?secret_?access_?key\s*[\"']?\s*[:=]\s*[\"']?(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
        ),
        min_entropy=3.5,
    ),
    _SecretPattern(
        "GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,251}\b"),
    ),
    _SecretPattern("GitHub fine-grained token", ("github_pat_",), re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b")),
    _SecretPattern(
        "private key",
        ("private key-----",),
        re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"),
    ),
    _SecretPattern("Slack token", ("xox",), re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}")),
    _SecretPattern("Google API key", ("aiza",), re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    _SecretPattern("Stripe live key", ("_live_",), re.compile(r"\b(?:sk|rk)_live_[0-9a-zA-Z]{24,}\b")),
    _SecretPattern("GitLab token", ("glpat-",), re.compile(r"\bglpat-[0-9A-Za-z_\-]{20,}\b")),
    _SecretPattern("npm token", ("npm_",), re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    _SecretPattern("PyPI token", ("pypi-",), re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}")),
    _SecretPattern(
        "OpenAI or Anthropic key",
        ("sk-",),
        re.compile(
            r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}|\bsk-ant-api\d\d-[A-Za-z0-9_\-]{80,}"
        ),
    ),
    _SecretPattern(
        "password or secret in a literal",
        ("password", "passwd", "secret", "api_key", "apikey", "token", "private_key"),
        re.compile(
            r"(?i)\b(?:password|passwd|secret|api_?key|access_?token|auth_?token|private_?key|client_?secret)\b"
            r"[\"']?\s*[:=]\s*[\"'](?P<value>[^\"'\s$<>{}]{16,})[\"']"
        ),
        min_entropy=3.8,
    ),
)
_PLACEHOLDERS = (
    "example",
    "changeme",
    "placeholder",
    "dummy",
    "sample",
    "xxxx",
    "your",
    "redacted",
    "test",
    "fake",
)
_CONFLICT = re.compile(r"^<{7} \S.*$|^<{7}$", re.MULTILINE)


def scan_text(text: str, lines: list[str]) -> list[Observation]:
    """Hard-coded secrets and merge-conflict markers anywhere in the text."""
    lowered = text.lower()
    found: list[Observation] = []
    starts: list[int] | None = None
    for pattern in _SECRETS:
        if not any(hint in lowered for hint in pattern.hints):
            continue
        for match in pattern.regex.finditer(text):
            value = match.groupdict().get("value") or match.group(0)
            if pattern.min_entropy and not _looks_random(value, pattern.min_entropy):
                continue
            starts = starts or line_starts(text)
            line = bisect.bisect_right(starts, match.start())
            found.append(
                Observation("security.hardcoded-secret", line, line, "", anchor_text(lines, line, line), pattern.kind)
            )
    if "<<<<<<<" in text:
        for match in _CONFLICT.finditer(text):
            starts = starts or line_starts(text)
            line = bisect.bisect_right(starts, match.start())
            found.append(Observation("reliability.merge-conflict", line, line, "", anchor_text(lines, line, line)))
    return _one_per_line(found)


def _looks_random(value: str, threshold: float) -> bool:
    """Shannon entropy per character, and no placeholder words: real keys are random, examples are not."""
    lowered = value.lower()
    if any(word in lowered for word in _PLACEHOLDERS):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= threshold


def _one_per_line(found: list[Observation]) -> list[Observation]:
    """Two patterns can match the same credential; one finding per rule and line is enough."""
    seen: set[tuple[str, int]] = set()
    unique = []
    for observation in found:
        key = (observation.rule, observation.line)
        if key not in seen:
            seen.add(key)
            unique.append(observation)
    return unique
