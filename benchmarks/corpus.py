"""Real code to measure on: this machine's standard library and one large third-party package (pip)."""

from __future__ import annotations

import ast
import sysconfig
import warnings
from dataclasses import dataclass
from pathlib import Path

import pip

PATHOLOGICAL = "pydoc_data/topics.py"


@dataclass(frozen=True)
class SourceFile:
    """A file's path (relative to its corpus root) and bytes."""

    path: str
    data: bytes


@dataclass(frozen=True)
class Corpus:
    """Named set of parsable Python files."""

    name: str
    files: tuple[SourceFile, ...]

    @property
    def megabytes(self) -> float:
        return sum(len(f.data) for f in self.files) / 1e6

    def sample(self, every: int, max_bytes: int = 400_000) -> Corpus:
        """A deterministic subset (every n-th file, small enough for radon to finish)."""
        chosen = [f for f in self.files if len(f.data) <= max_bytes][::every]
        return Corpus(self.name if every == 1 else f"{self.name} (1 in {every})", tuple(chosen))


def load(name: str, root: Path, exclude: tuple[str, ...] = ()) -> Corpus:
    """Every UTF-8 .py file under root that parses on this Python, in path order."""
    files = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "site-packages" in relative.split("/") or relative in exclude:
            continue
        data = path.read_bytes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(data.decode("utf-8"))
        except (SyntaxError, ValueError):  # UnicodeDecodeError is a ValueError
            continue
        files.append(SourceFile(relative, data))
    return Corpus(name, tuple(files))


def stdlib() -> Corpus:
    """The standard library of the running Python (the pathological file measured on its own)."""
    return load("standard library", Path(sysconfig.get_paths()["stdlib"]), exclude=(PATHOLOGICAL,))


def third_party() -> Corpus:
    """pip with its vendored libraries: large, real, and present wherever a virtual environment is."""
    return load(f"pip {pip.__version__}", Path(pip.__file__).parent)


def pathological() -> SourceFile:
    """pydoc_data/topics.py: 15.7k lines of huge string literals, on which radon's raw analysis is quadratic."""
    path = Path(sysconfig.get_paths()["stdlib"]) / PATHOLOGICAL
    return SourceFile(PATHOLOGICAL, path.read_bytes())
