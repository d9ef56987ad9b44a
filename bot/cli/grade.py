"""`toasty grade`: grade paths outright, or the working tree's change exactly as a pull request would be."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.cli.progress import ProgressBar
from bot.engine import ChangedFile, ConfigError, PullRequestGrade, Strategy, grade_change, load_config
from bot.engine.config import CONFIG_PATH, parse_score
from bot.engine.grader import known_rules
from bot.engine.strategy import parse_strategy, resolve_strategy
from bot.git import (
    GitError,
    changes_against,
    default_branch,
    merge_base,
    read_blobs,
    repository_root,
    resolve,
    tracked_files,
)
from bot.report.markdown import render_summary
from bot.report.sarif import dumps, to_sarif
from bot.report.text import render_text

FORMATS = ("text", "json", "markdown", "sarif")
EXIT_PASSED, EXIT_BELOW_MINIMUM, EXIT_USAGE = 0, 1, 2
_SKIPPED_DIRECTORIES = frozenset((".git", ".hg", ".svn", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"))


@dataclass(slots=True)
class Inputs:
    """What to grade and how to read it."""

    root: Path
    changes: list[ChangedFile]
    read_head: Callable[[str], bytes | None]
    read_base: Callable[[str], bytes | None] | None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `grade` command's options."""
    parser.add_argument("paths", nargs="*", type=Path, help="files or directories to grade (default: .)")
    parser.add_argument(
        "--diff",
        nargs="?",
        const="",
        metavar="BASE",
        help="grade the working tree's change against BASE (default: the merge-base with the default branch)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file instead of stdout")
    parser.add_argument("--config", type=Path, help=f"configuration file (default: {CONFIG_PATH} in the repository)")
    parser.add_argument("--strategy", type=Path, help="a strategy document exported by `toasty strategy export`")
    parser.add_argument("--fail-under", metavar="SCORE|GRADE", help="exit 1 when the score is below this")
    parser.add_argument("--verbose", "-v", action="store_true", help="explain each finding (text format)")
    parser.add_argument("--no-progress", action="store_true", help="never draw a progress bar")


def run(args: argparse.Namespace) -> int:
    """Grade, print the report, and exit 0 (passed), 1 (below the minimum) or 2 (usage or config error)."""
    try:
        inputs = _diff_inputs(args.diff) if args.diff is not None else _path_inputs(args.paths or [Path()])
        strategy = _strategy(args, inputs.root)
    except (ConfigError, GitError, OSError) as error:
        print(f"toasty: {error}", file=sys.stderr)
        return EXIT_USAGE
    bar = ProgressBar() if not args.no_progress else None
    try:
        grade = grade_change(inputs.changes, inputs.read_head, inputs.read_base, strategy, parallel=True, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    report = render(grade, args.format, strategy, verbose=args.verbose)
    if args.output is not None:
        args.output.write_text(report, encoding="utf-8", errors="backslashreplace")
    else:  # a file name that is not UTF-8 is shown escaped rather than crashing the report
        sys.stdout.write(report.encode("utf-8", errors="backslashreplace").decode("utf-8"))
    return EXIT_PASSED if grade.passed else EXIT_BELOW_MINIMUM


def render(grade: PullRequestGrade, output_format: str, strategy: Strategy, verbose: bool = False) -> str:
    """The report in the requested format."""
    if output_format == "json":
        return json.dumps(grade.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if output_format == "markdown":
        return render_summary(grade, limit=1_000_000)
    if output_format == "sarif":
        return dumps(to_sarif(grade, known_rules(strategy)))
    return render_text(grade, verbose=verbose)


def _strategy(args: argparse.Namespace, root: Path) -> Strategy:
    base = parse_strategy(args.strategy.read_bytes()) if args.strategy is not None else None
    config_path = args.config if args.config is not None else root / CONFIG_PATH
    if args.config is not None and not config_path.is_file():
        raise ConfigError(f"{config_path}: no such file")
    config = load_config(config_path.read_bytes()) if config_path.is_file() else None
    strategy = resolve_strategy(config, base=base)
    if args.fail_under is not None:
        try:
            strategy = strategy.model_copy(update={"fail_under": parse_score(args.fail_under)})
        except ValueError as error:
            raise ConfigError(f"--fail-under: {error}") from None
    return strategy


def _diff_inputs(base_revision: str) -> Inputs:
    root = repository_root(Path.cwd())
    base = resolve(root, base_revision) if base_revision else merge_base(root, default_branch(root))
    changes = changes_against(root, base)
    needs_base = [c.old_path or c.path for c in changes if c.status in ("modified", "renamed")]
    base_blobs = read_blobs(root, base, needs_base)
    return Inputs(root, changes, _working_tree_reader(root), base_blobs.get)


def _path_inputs(paths: list[Path]) -> Inputs:
    try:
        root = repository_root(Path.cwd())
    except GitError:
        root = Path.cwd()
    names: set[str] = set()
    for path in paths:
        if not path.exists():
            raise OSError(f"{path}: no such file or directory")
        names.update(_files_under(root, path.resolve()))
    changes = [ChangedFile(path=name, status="added", whole_file=True) for name in sorted(names)]
    return Inputs(root, changes, _working_tree_reader(root), None)


def _files_under(root: Path, path: Path) -> list[str]:
    if path.is_file():
        return [_relative(root, path)]
    try:
        return tracked_files(root, path)
    except GitError:
        found: list[str] = []
        for directory, subdirectories, files in os.walk(path):
            subdirectories[:] = [d for d in subdirectories if d not in _SKIPPED_DIRECTORIES and not d.startswith(".")]
            found.extend(_relative(root, Path(directory) / name) for name in files)
        return found


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _working_tree_reader(root: Path, limit: int = 50_000_000) -> Callable[[str], bytes | None]:
    """Read a file of the working tree; huge files are read only far enough to know they are too big."""

    def read(path: str) -> bytes | None:
        try:
            with (root / path).open("rb") as handle:
                return handle.read(limit)
        except OSError:
            return None

    return read
