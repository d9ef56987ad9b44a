"""Checks for any text file, whatever its language: committed secrets and leftover conflict markers."""

from __future__ import annotations

import bisect
import re

from bot.engine.analysis import Observation, anchor_text, line_starts
from bot.engine.secrets import find_secrets

_CONFLICT = re.compile(r"^<{7} \S.*$|^<{7}$", re.MULTILINE)


def scan_text(text: str, lines: list[str], *, code: bool = False) -> list[Observation]:
    """Hard-coded secrets and merge-conflict markers anywhere in the text (`code`: a programming language, whose
    literals are quoted)."""
    found: list[Observation] = []
    starts: list[int] | None = None
    for secret in find_secrets(text, quoted_only=code):
        starts = starts or line_starts(text)
        line = bisect.bisect_right(starts, secret.start)
        anchor = anchor_text(lines, line, line)
        found.append(Observation("security.hardcoded-secret", line, line, "", anchor, secret.kind))
    if "<<<<<<<" in text:
        for match in _CONFLICT.finditer(text):
            starts = starts or line_starts(text)
            line = bisect.bisect_right(starts, match.start())
            found.append(Observation("reliability.merge-conflict", line, line, "", anchor_text(lines, line, line)))
    return _one_per_line(found)


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
