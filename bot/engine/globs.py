"""Path globs with .gitignore semantics (`tests/`, `*.min.js`, `docs/**`), as users already write them."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pathspec


@lru_cache(maxsize=512)
def _spec(patterns: tuple[str, ...]) -> pathspec.PathSpec[Any]:
    return pathspec.PathSpec.from_lines("gitignore", patterns)


def matches(patterns: Iterable[str], path: str) -> bool:
    """Whether a repository-relative path matches any of the patterns."""
    key = tuple(patterns)
    return bool(key) and _spec(key).match_file(_matchable(path))


def _matchable(path: str) -> str:
    """A file name's bytes that are not UTF-8 (kept by git as surrogates) as U+FFFD: the regex engine takes UTF-8
    only, and no glob a user writes names such a byte."""
    return path.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def validate(pattern: str) -> str:
    """Check that a glob compiles; raise ValueError naming it otherwise."""
    try:
        _spec((pattern,))
    except (ValueError, TypeError) as error:
        raise ValueError(f"invalid glob {pattern!r}: {error}") from None
    return pattern
