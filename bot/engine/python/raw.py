"""Radon's raw metrics (LOC, LLOC, SLOC, comments…) in one linear scan instead of radon's quadratic passes.

radon.raw.analyze strips every line, then re-tokenizes a growing buffer until each statement tokenizes
cleanly: a statement (or string) of n lines costs O(n²), which never finishes on files with huge literals.
Radon's figures depend only on strings, comments, brackets, colons, semicolons and line ends, so one regex
scan of the same stripped text finds the same statement groups and the same counts. Groups whose count
depends on finer token detail (a `;`, or an f-string, which Python 3.12+ tokenizes into parts) are
tokenized on their own, exactly as radon does. The arithmetic per group is radon's.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from dataclasses import dataclass
from tokenize import COMMENT, ENDMARKER, NEWLINE, NL, OP, STRING, TokenInfo

_FSTRINGS_ARE_SPLIT = sys.version_info >= (3, 12)
"""Since 3.12 the tokenizer emits f-strings as FSTRING_START, parts and FSTRING_END instead of one STRING."""

_TOKEN = re.compile(
    r"""(?P<quote>'''|\"\"\"|'|")
    |(?P<comment>\#[^\n]*)
    |(?P<walrus>:=)
    |(?P<colon>:)
    |(?P<semicolon>;)
    |(?P<open>[(\[{])
    |(?P<close>[)\]}])
    |(?P<continuation>\\\n)
    |(?P<newline>\n)
    |(?P<text>[^'"\#()\[\]{}:;\\\n]+)
    |(?P<stray>\\)""",
    re.VERBOSE,
)
_STRING_BODY = {
    "'": re.compile(r"[^\n'\\]*(?:\\.[^\n'\\]*)*'", re.DOTALL),
    '"': re.compile(r'[^\n"\\]*(?:\\.[^\n"\\]*)*"', re.DOTALL),
    "'''": re.compile(r"[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''", re.DOTALL),
    '"""': re.compile(r'[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""', re.DOTALL),
}
_TRIPLE_QUOTES = ("'''", '"""')
_PREFIX_TAIL = re.compile(r"(?<!\w)[rRbBuUfF]{1,2}$")
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


@dataclass(slots=True)
class _Group:
    """What radon's arithmetic needs to know about one statement group."""

    first_line: int
    comments: int = 0
    strings: int = 0
    multiline_string: bool = False
    others: int = 0
    """Significant tokens that are neither strings nor comments."""
    seen_colon: bool = False
    after_colon: bool = False
    """Something significant follows the last colon."""
    needs_tokens: bool = False
    """The group holds a `;` or a split f-string: count it from real tokens."""


def raw_metrics(source: str) -> RawMetrics:
    """Compute radon's raw metrics of Python source in linear time."""
    lines = [line.strip() for line in source.splitlines()]
    counts = _Counts()
    next_line = 1
    for group, last_line in _Scanner("\n".join(lines)).groups():
        group_lines = lines[group.first_line - 1 : last_line]
        if group.needs_tokens:
            _count_tokens(_tokens("\n".join(group_lines)), group_lines, counts)
        else:
            _count_group(group, group_lines, counts)
        next_line = last_line + 1
    counts.blank += max(0, len(lines) - next_line + 1)  # trailing empty lines: radon counts each as blank
    loc = counts.sloc + counts.blank + counts.multi + counts.single_comments
    return RawMetrics(
        loc, counts.lloc, counts.sloc, counts.comments, counts.multi, counts.blank, counts.single_comments
    )


class _Scanner:
    """Walks the stripped text once, splitting it where radon's statement buffers end."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.line = 1
        self.depth = 0

    def groups(self) -> list[tuple[_Group, int]]:
        text, found = self.text, []
        group = _Group(self.line)
        continued = False
        while self.position < len(text):
            match = _TOKEN.match(text, self.position)
            if match is None:  # pragma: no cover - the alternatives cover every character
                raise RawMetricsError(f"cannot scan line {self.line}")
            kind = match.lastgroup
            self.position = match.end()
            # radon's buffer has no final newline, so a `\` line followed by a blank line is still open there:
            # the statement group goes on to the next line.
            ends_group = kind == "newline" and self.depth == 0 and not continued
            continued = kind == "continuation"
            if kind == "newline":
                if ends_group:
                    found.append((group, self.line))
                    group = _Group(self.line + 1)
                self.line += 1
            elif kind == "text":
                self.text_run(match.group(), group)
            elif kind == "quote":
                self.string(match, group)
            elif kind == "comment":
                group.comments += 1
            elif kind == "continuation":
                self.line += 1
            elif kind == "stray":
                raise RawMetricsError(f"stray backslash on line {self.line}")
            else:
                self.operator(kind, group)
        if group.comments or group.strings or group.others or group.needs_tokens:
            found.append((group, self.line))
        return found

    def text_run(self, run: str, group: _Group) -> None:
        """Names, numbers and operators: significant unless only blanks or a string prefix."""
        if self.position < len(self.text) and self.text[self.position] in "'\"":
            prefix = _PREFIX_TAIL.search(run)
            if prefix is not None:
                run = run[: prefix.start()]
        if run.strip():
            self.significant(group)

    def string(self, match: re.Match[str], group: _Group) -> None:
        end = _string_end(self.text, match.start(), match.group())
        if _FSTRINGS_ARE_SPLIT and _is_fstring(self.text, match.start()):
            group.needs_tokens = True
        newlines = self.text.count("\n", match.start(), end)
        group.multiline_string = group.multiline_string or (newlines > 0 and group.strings == 0)
        group.strings += 1
        self.position = end
        self.line += newlines
        group.after_colon = group.seen_colon

    def operator(self, kind: str | None, group: _Group) -> None:
        if kind == "open":
            self.depth += 1
        elif kind == "close":
            self.depth = max(0, self.depth - 1)
        elif kind == "semicolon":
            group.needs_tokens = True
        if kind == "colon":
            group.others += 1
            group.seen_colon, group.after_colon = True, False
        else:
            self.significant(group)

    @staticmethod
    def significant(group: _Group) -> None:
        group.others += 1
        group.after_colon = group.seen_colon


def _is_fstring(text: str, quote_start: int) -> bool:
    prefix = _PREFIX_TAIL.search(text, max(0, quote_start - 3), quote_start)
    return prefix is not None and "f" in prefix.group().lower()


def _string_end(text: str, start: int, quote: str) -> int:
    """Index just past the string whose opening quote is at `start`."""
    if _FSTRINGS_ARE_SPLIT and _is_fstring(text, start):
        return _fstring_end(text, start + len(quote), quote)
    body = _STRING_BODY[quote].match(text, start + len(quote))
    if body is None:
        raise RawMetricsError(f"unterminated string at offset {start}")
    return body.end()


def _quote_at(text: str, position: int) -> str:
    for quote in _TRIPLE_QUOTES:
        if text.startswith(quote, position):
            return quote
    return text[position]


def _fstring_end(text: str, position: int, quote: str) -> int:
    """Past a 3.12+ f-string, whose replacement fields may hold any string, even with the same quotes."""
    while position < len(text):
        if text.startswith(quote, position):
            return position + len(quote)
        character = text[position]
        if character == "\\":
            position += 2
        elif character == "{" and not text.startswith("{{", position):
            position = _replacement_end(text, position + 1)
        elif character == "\n" and len(quote) == 1:
            break
        else:
            position += 2 if text.startswith(("{{", "}}"), position) else 1
    raise RawMetricsError(f"unterminated f-string at offset {position}")


def _replacement_end(text: str, position: int) -> int:
    """Past the `}` closing a replacement field (its expression, then any format spec)."""
    depth = 0
    while position < len(text):
        character = text[position]
        if character in "'\"":
            position = _string_end(text, position, _quote_at(text, position))
            continue
        if character == "}" and depth == 0:
            return position + 1
        if character == ":" and depth == 0:
            return _format_spec_end(text, position + 1)
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        elif character == "#":  # 3.12 allows comments inside multi-line replacement fields
            position = text.find("\n", position)
            if position < 0:
                break
        position += 1
    raise RawMetricsError("unterminated f-string replacement field")


def _format_spec_end(text: str, position: int) -> int:
    """Past the `}` closing a format spec, which may nest replacement fields (`{x:{width}}`)."""
    while position < len(text):
        character = text[position]
        if character == "}":
            return position + 1
        position = _replacement_end(text, position + 1) if character == "{" else position + 1
    raise RawMetricsError("unterminated f-string format spec")


def _count_group(group: _Group, group_lines: list[str], counts: _Counts) -> None:
    """Radon's classification (comment line, docstring, or code) from a scanned group."""
    counts.comments += group.comments
    if group.comments == 1 and not group.strings and not group.others:
        counts.single_comments += 1
    elif group.strings == 1 and not group.comments and not group.others:
        _count_docstring(group.multiline_string, group_lines, counts)
    else:
        _count_code(group_lines, counts)
    if group.others or group.strings:
        counts.lloc += 2 - (not group.after_colon) if group.seen_colon else 1


def _count_docstring(multiline: bool, group_lines: list[str], counts: _Counts) -> None:
    if not multiline:
        counts.single_comments += 1
    else:
        counts.multi += sum(1 for line in group_lines if line)
        counts.blank += sum(1 for line in group_lines if not line)


def _count_code(group_lines: list[str], counts: _Counts) -> None:
    for line in group_lines:
        if line:
            counts.sloc += 1
        else:
            counts.blank += 1


def _tokens(group_text: str) -> list[TokenInfo]:
    """A group tokenized on its own, as radon does, without the end marker."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(group_text).readline))
    except (tokenize.TokenError, SyntaxError) as error:
        raise RawMetricsError(str(error)) from error
    return [token for token in tokens if token.type != ENDMARKER]


def _count_tokens(tokens: list[TokenInfo], group_lines: list[str], counts: _Counts) -> None:
    """Radon's per-group classification from real tokens."""
    counts.comments += sum(1 for token in tokens if token.type == COMMENT)
    if _is_single(COMMENT, tokens):
        counts.single_comments += 1
    elif _is_single(STRING, tokens):
        _count_docstring(tokens[0].start[0] != tokens[0].end[0], group_lines, counts)
    else:
        _count_code(group_lines, counts)
    counts.lloc += _logical_lines(tokens)


def _is_single(kind: int, tokens: list[TokenInfo]) -> bool:
    """A single token of this kind followed only by line ends (radon's is_single_token)."""
    return bool(tokens) and tokens[0].type == kind and all(t.type in _TRAILING for t in tokens[1:])


_OTHER, _COLON, _END = 0, 1, 2


def _logical_lines(tokens: list[TokenInfo]) -> int:
    """Radon's _logical: statements split on ';', a trailing colon opening a block counts once.

    Radon's buffer always ends with ENDMARKER, which only the last ';'-separated part sees; the quirk that
    follows from it (an inner part whose colon is followed by one token counts once) is kept on purpose.
    """
    parts: list[list[int]] = [[]]
    for token in tokens:
        if token.type == OP and token.string == ";":
            parts.append([])
        elif token.type not in _SKIP_FOR_LOGICAL:
            parts[-1].append(_COLON if token.type == OP and token.string == ":" else _OTHER)
    parts[-1].append(_END)
    return sum(_logical_part(part) for part in parts)


def _logical_part(part: list[int]) -> int:
    last_colon = next((index for index in range(len(part) - 1, -1, -1) if part[index] == _COLON), None)
    if last_colon is None:
        return 0 if all(kind == _END for kind in part) else 1
    return 2 - (last_colon == len(part) - 2)
