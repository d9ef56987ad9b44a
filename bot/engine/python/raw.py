"""Radon's raw metrics (LOC, LLOC, SLOC, comments…) from one tokenize pass instead of radon's quadratic one.

radon.raw.analyze strips every line, then re-tokenizes a growing buffer until each statement tokenizes
cleanly: a statement (or string) of n lines costs O(n²), which never finishes on files with huge literals.
Tokenizing the same stripped text once gives the same tokens group by group, because every group starts
where the tokenizer is back in a clean state (no open bracket, string or continuation, no indentation).
The per-group arithmetic below is radon's, so the figures are identical on every file radon finishes.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from tokenize import COMMENT, ENDMARKER, NEWLINE, NL, OP, STRING, TokenInfo

_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")
_LINE_ENDS = frozenset((NL, NEWLINE))
_SKIP_FOR_LOGICAL = frozenset((COMMENT, NL, NEWLINE))
_TRAILING = frozenset((ENDMARKER, NL, NEWLINE))


@dataclass(frozen=True, slots=True)
class RawMetrics:
    """The same seven figures as radon.raw.Module."""

    loc: int
    lloc: int
    sloc: int
    comments: int
    multi: int
    blank: int
    single_comments: int


class RawMetricsError(ValueError):
    """The text does not tokenize the way valid Python does, so radon's figures are undefined."""


@dataclass(slots=True)
class _Counts:
    lloc: int = 0
    sloc: int = 0
    comments: int = 0
    multi: int = 0
    blank: int = 0
    single_comments: int = 0


def raw_metrics(source: str) -> RawMetrics:
    """Compute radon's raw metrics of Python source in linear time."""
    lines = [line.strip() for line in source.splitlines()]
    counts = _Counts()
    first_line = 1
    for last_line, tokens in _groups(lines):
        _count_group(tokens, lines[first_line - 1 : last_line], counts)
        first_line = last_line + 1
    for _ in range(first_line, len(lines) + 1):
        counts.blank += 1  # trailing empty lines produce no tokens; radon counts each as blank
    loc = counts.sloc + counts.blank + counts.multi + counts.single_comments
    return RawMetrics(
        loc, counts.lloc, counts.sloc, counts.comments, counts.multi, counts.blank, counts.single_comments
    )


def _groups(lines: list[str]) -> list[tuple[int, list[TokenInfo]]]:
    """Split the token stream where radon's per-statement buffers end: (last line, tokens) pairs."""
    readline = io.StringIO("\n".join(lines)).readline
    groups: list[tuple[int, list[TokenInfo]]] = []
    current: list[TokenInfo] = []
    depth = 0
    try:
        for token in tokenize.generate_tokens(readline):
            kind = token.type
            if kind == ENDMARKER:
                break
            if kind == tokenize.ERRORTOKEN:
                raise RawMetricsError(f"unexpected token {token.string!r} at line {token.start[0]}")
            current.append(token)
            if kind == OP:
                if token.string in _OPENERS:
                    depth += 1
                elif token.string in _CLOSERS:
                    depth = max(depth - 1, 0)
            elif kind in _LINE_ENDS and depth == 0:
                groups.append((token.start[0], current))
                current = []
    except (tokenize.TokenError, SyntaxError) as error:
        raise RawMetricsError(str(error)) from error
    if current:
        groups.append((current[-1].end[0], current))
    return groups


def _count_group(tokens: list[TokenInfo], group_lines: list[str], counts: _Counts) -> None:
    """Radon's per-group classification: comment line, docstring, or code."""
    counts.comments += sum(1 for token in tokens if token.type == COMMENT)
    if _is_single(COMMENT, tokens):
        counts.single_comments += 1
    elif _is_single(STRING, tokens):
        if tokens[0].start[0] == tokens[0].end[0]:
            counts.single_comments += 1
        else:
            counts.multi += sum(1 for line in group_lines if line)
            counts.blank += sum(1 for line in group_lines if not line)
    else:
        for line in group_lines:
            if line:
                counts.sloc += 1
            else:
                counts.blank += 1
    counts.lloc += _logical_lines(tokens)


def _is_single(kind: int, tokens: list[TokenInfo]) -> bool:
    """A single token of this kind followed only by line ends (radon's is_single_token)."""
    return bool(tokens) and tokens[0].type == kind and all(t.type in _TRAILING for t in tokens[1:])


def _logical_lines(tokens: list[TokenInfo]) -> int:
    """Radon's _logical: statements split on ';', a trailing colon opening a block counts once.

    Radon's buffer always ends with ENDMARKER, which only the last ';'-separated part sees; the quirk that
    follows from it (an inner part ending in a colon counts once) is kept on purpose.
    """
    parts: list[list[int]] = [[]]
    for token in tokens:
        if token.type == OP and token.string == ";":
            parts.append([])
        elif token.type not in _SKIP_FOR_LOGICAL:
            parts[-1].append(_COLON if token.type == OP and token.string == ":" else _OTHER)
    parts[-1].append(_END)
    return sum(_logical_part(part) for part in parts)


_OTHER, _COLON, _END = 0, 1, 2


def _logical_part(part: list[int]) -> int:
    last_colon = next((index for index in range(len(part) - 1, -1, -1) if part[index] == _COLON), None)
    if last_colon is None:
        return 0 if all(kind == _END for kind in part) else 1
    return 2 - (last_colon == len(part) - 2)
