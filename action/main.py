"""The Action's entry point: grade the event's change, then annotate, summarise, output, write SARIF, review."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from action.event import EventError, Target, read_event, target_for
from action.inputs import InputError, Inputs
from action.review import PullRequest, review
from action.workflow import (
    SUMMARY_LIMIT,
    emit_annotations,
    escape_data,
    overflow_section,
    write_outputs,
    write_summary,
)
from bot.commenting import Commentable
from bot.engine import (
    ChangedFile,
    ConfigError,
    PullRequestGrade,
    Strategy,
    ToastyConfig,
    grade_change,
    load_config,
)
from bot.engine.config import CONFIG_PATH
from bot.engine.grader import known_rules
from bot.engine.strategy import parse_strategy, resolve_strategy
from bot.git import GitError, diff, git, read_blobs, repository_root
from bot.learning.explain import summary_section
from bot.report.markdown import render_summary
from bot.report.sarif import dumps, stopped_sarif, to_sarif

log = logging.getLogger("toasty.action")
EXIT_PASSED, EXIT_BELOW_MINIMUM, EXIT_ERROR = 0, 1, 2
MAX_STRATEGY_BYTES = 1_000_000
DEFAULT_SARIF = "toasty.sarif"
FORK_NOTE = (
    "No review posted: this pull request comes from a fork, and GitHub gives such workflows a read-only token "
    "(`comment: always` tries anyway, e.g. under pull_request_target). The annotations, summary and SARIF carry "
    "the findings."
)


@dataclass(frozen=True, slots=True)
class Change:
    """The change to grade, read from git."""

    files: list[ChangedFile]
    read_head: Callable[[str], bytes | None]
    read_base: Callable[[str], bytes | None] | None
    commentable: dict[str, Commentable]


def main(environment: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    """Run as the workflow step; exit non-zero only below `fail-under` (1) or on a real error (2)."""
    env = os.environ if environment is None else environment
    out = out or sys.stdout
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    workspace = Path(env.get("GITHUB_WORKSPACE") or Path.cwd())
    try:
        inputs = Inputs.from_environment(env)
    except InputError as error:
        return _stop(env, out, _sarif_path(env.get("TOASTY_SARIF", DEFAULT_SARIF), workspace), str(error))
    sarif_path = _sarif_path(inputs.sarif, workspace)
    try:
        repo = repository_root(Path.cwd())
        target = target_for(env.get("GITHUB_EVENT_NAME", ""), read_event(env.get("GITHUB_EVENT_PATH")), repo)
        strategy = _strategy(inputs, repo, target, workspace)
        change = _change(repo, target)
    except (EventError, GitError, ConfigError, OSError) as error:
        return _stop(env, out, sarif_path, str(error))
    grade = grade_change(change.files, change.read_head, change.read_base, strategy, parallel=True)
    review_note = _review(_Run(inputs, env, target, strategy, out), grade, change)
    # GitHub shows about ten annotations per level and step: what matters most comes before the findings.
    notes: Counter[str] = Counter()
    if not grade.passed:
        notes["error"] += _command(out, "error", f"Score {grade.score:g} is below the minimum of {grade.fail_under:g}")
    if review_note.level is not None:
        notes[review_note.level] += _command(out, review_note.level, review_note.text)
    overflow = emit_annotations(grade.visible_findings, out, shown=notes)
    if sarif_path is not None:
        _write(sarif_path, dumps(to_sarif(grade, known_rules(strategy))))
    review_section = f"**Review:** {review_note.text}" if review_note.text else ""
    sections = [summary_section(strategy), overflow_section(overflow), review_section]
    write_summary(env.get("GITHUB_STEP_SUMMARY"), render_summary(grade, limit=SUMMARY_LIMIT, extra_sections=sections))
    write_outputs(
        env.get("GITHUB_OUTPUT"),
        {
            "score": f"{grade.score:g}",
            "grade": grade.grade,
            "findings": str(len(grade.visible_findings)),
            "sarif-file": str(sarif_path or ""),
        },
    )
    log.info("Toasty grade %s (%g/100), %d findings", grade.grade, grade.score, len(grade.visible_findings))
    return EXIT_PASSED if grade.passed else EXIT_BELOW_MINIMUM


def _stop(env: Mapping[str, str], out: TextIO, sarif_path: Path | None, reason: str) -> int:
    """Stop before grading: say why, and still leave a SARIF file for the upload step that follows."""
    _command(out, "error", reason)
    if sarif_path is not None:
        _write(sarif_path, dumps(stopped_sarif(f"Toasty did not grade this change: {reason}")))
    write_summary(env.get("GITHUB_STEP_SUMMARY"), f"## Toasty could not grade this change\n\n{reason}\n")
    write_outputs(env.get("GITHUB_OUTPUT"), {"sarif-file": str(sarif_path or "")})
    return EXIT_ERROR


def _command(out: TextIO, level: str, message: str) -> int:
    """Print one workflow command; returns 1, the annotation it takes of GitHub's ten per level."""
    out.write(f"::{level} title=Toasty::{escape_data(message)}\n")
    return 1


def _sarif_path(sarif: str, workspace: Path) -> Path | None:
    """The SARIF file, relative to the workspace (as other actions' file inputs are), made absolute."""
    return (workspace / sarif).resolve() if sarif else None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", errors="backslashreplace")  # JSON reads \udcXX back as the name's byte


def _strategy(inputs: Inputs, repo: Path, target: Target, workspace: Path) -> Strategy:
    base = parse_strategy(_read_strategy(inputs.strategy, workspace)) if inputs.strategy else None
    strategy = resolve_strategy(_config(inputs, repo, target), base=base)
    updates: dict[str, object] = {}
    if inputs.fail_under is not None:
        updates["fail_under"] = inputs.fail_under
    if inputs.max_comments is not None:
        updates["comment_budget"] = inputs.max_comments
    return strategy.model_copy(update=updates) if updates else strategy


def _read_strategy(source: str, workspace: Path) -> bytes:
    """A strategy document from a path (relative to the workspace) or an https URL (bounded in size and time)."""
    if source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310  (https only, checked above)
            return bytes(response.read(MAX_STRATEGY_BYTES + 1))[: MAX_STRATEGY_BYTES + 1]
    if "://" in source:
        raise ConfigError(f"strategy {source!r}: only local paths and https:// URLs are read")
    return (workspace / source).read_bytes()[: MAX_STRATEGY_BYTES + 1]


def _config(inputs: Inputs, repo: Path, target: Target) -> ToastyConfig | None:
    """The configuration, at `config` from the repository's root: from the pull request's base commit (a change
    cannot alter its own rules), else the working tree."""
    path = (repo / inputs.config).resolve()
    try:
        relative = path.relative_to(repo.resolve()).as_posix()
    except ValueError:
        relative = None
    if target.config_revision is not None and relative is not None:
        blobs = read_blobs(repo, target.config_revision, [relative])
        if relative not in blobs:
            log.info("the pull request's base has no %s: the defaults apply", relative)
            return None
        try:
            return load_config(blobs[relative])
        except ConfigError as error:
            raise ConfigError(_base_config_problem(relative, target.config_revision, error)) from None
    if not path.is_file():
        return None
    try:
        return load_config(path.read_bytes())
    except ConfigError as error:
        raise ConfigError(f"{relative or path}: {_problem(error)}") from None


def _base_config_problem(relative: str, revision: str, error: ConfigError) -> str:
    return (
        f"{relative} (read from the pull request's base commit {revision[:12]}): {_problem(error)}. "
        "A pull request is graded by its base's configuration, so a fix in this pull request takes effect once it "
        "is merged: fix the file on the base branch first, or point the `config` input at a valid file."
    )


def _problem(error: ConfigError) -> str:
    """The engine's message without the default file name it starts with (the Action names the real one)."""
    return str(error).removeprefix(CONFIG_PATH).lstrip(" :")


def _change(repo: Path, target: Target) -> Change:
    if target.base is None:
        listing = git(repo, "ls-tree", "-r", "--name-only", "-z", target.head).decode("utf-8", "surrogateescape")
        files = [ChangedFile(path=name, status="added", whole_file=True) for name in listing.split("\0") if name]
        heads = read_blobs(repo, target.head, [f.path for f in files])
        everything = Commentable(frozenset(), frozenset())
        return Change(files, heads.get, None, {f.path: everything for f in files})
    change = diff(repo, target.base, target.head)
    files = change.files
    heads = read_blobs(repo, target.head, [f.path for f in files if f.status != "removed"])
    bases = read_blobs(repo, target.base, [f.old_path or f.path for f in files if f.status in ("modified", "renamed")])
    commentable = {path: Commentable.from_patch(hunks) for path, hunks in change.hunks.items() if _addressable(path)}
    return Change(files, heads.get, bases.get, commentable)


def _addressable(path: str) -> bool:
    """Whether GitHub's API can name the file: a name that is not UTF-8 cannot be commented on, only annotated."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Run:
    """The step's inputs and surroundings."""

    inputs: Inputs
    env: Mapping[str, str]
    target: Target
    strategy: Strategy
    out: TextIO


@dataclass(frozen=True, slots=True)
class _Note:
    """What became of the review, and the level to announce it at (None: the summary and log only)."""

    text: str
    level: str | None = None


def _review(run: _Run, grade: PullRequestGrade, change: Change) -> _Note:
    """Post the review when asked and possible, and say what happened (empty when no review was wanted)."""
    inputs, env, target = run.inputs, run.env, run.target
    if inputs.comment == "never" or target.pull_number is None:
        return _Note("")
    if inputs.github_token is None:
        return _Note("No review posted: no token was given.", "warning")
    if inputs.comment == "auto" and target.read_only_token:
        return _Note(FORK_NOTE, "notice")
    pull = PullRequest(
        repository=env.get("GITHUB_REPOSITORY", ""),
        number=target.pull_number,
        head_sha=target.head,
        api_url=env.get("GITHUB_API_URL", "https://api.github.com"),
        token=inputs.github_token.get_secret_value(),
        app_logins=inputs.app_logins,
    )
    outcome = asyncio.run(review(pull, grade, change.commentable, run.strategy))
    log.info(outcome.note)
    return _Note(outcome.note, "warning" if outcome.refused else None)
