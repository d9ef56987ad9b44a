"""The Action's entry point: grade the event's change, then annotate, summarise, output, write SARIF, review."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import urllib.request
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
    parse_diff,
)
from bot.engine.diff import patches_by_path
from bot.engine.grader import known_rules
from bot.engine.strategy import parse_strategy, resolve_strategy
from bot.git import GitError, git, read_blobs, repository_root
from bot.learning.explain import summary_section
from bot.report.markdown import render_summary
from bot.report.sarif import dumps, to_sarif

log = logging.getLogger("toasty.action")
EXIT_PASSED, EXIT_BELOW_MINIMUM, EXIT_ERROR = 0, 1, 2
MAX_STRATEGY_BYTES = 1_000_000
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
    try:
        inputs = Inputs.from_environment(env)
        repo = repository_root(Path.cwd())
        target = target_for(env.get("GITHUB_EVENT_NAME", ""), read_event(env.get("GITHUB_EVENT_PATH")), repo)
        strategy = _strategy(inputs, repo, target)
        change = _change(repo, target)
    except (InputError, EventError, GitError, ConfigError, OSError) as error:
        out.write(f"::error title=Toasty::{escape_data(str(error))}\n")
        return EXIT_ERROR
    grade = grade_change(change.files, change.read_head, change.read_base, strategy, parallel=True)
    overflow = emit_annotations(grade.visible_findings, out)
    sarif_path = _write_sarif(inputs, grade, strategy)
    note = _review(_Run(inputs, env, target, strategy, out), grade, change)
    sections = [summary_section(strategy), overflow_section(overflow), f"**Review:** {note}" if note else ""]
    write_summary(env.get("GITHUB_STEP_SUMMARY"), render_summary(grade, limit=SUMMARY_LIMIT, extra_sections=sections))
    write_outputs(
        env.get("GITHUB_OUTPUT"),
        {
            "score": f"{grade.score:g}",
            "grade": grade.grade,
            "findings": str(len(grade.visible_findings)),
            "sarif-file": sarif_path,
        },
    )
    log.info("Toasty grade %s (%g/100), %d findings", grade.grade, grade.score, len(grade.visible_findings))
    if not grade.passed:
        out.write(f"::error title=Toasty::Score {grade.score:g} is below the minimum of {grade.fail_under:g}\n")
        return EXIT_BELOW_MINIMUM
    return EXIT_PASSED


def _strategy(inputs: Inputs, repo: Path, target: Target) -> Strategy:
    base = parse_strategy(_read_strategy(inputs.strategy)) if inputs.strategy else None
    strategy = resolve_strategy(_config(inputs, repo, target), base=base)
    updates: dict[str, object] = {}
    if inputs.fail_under is not None:
        updates["fail_under"] = inputs.fail_under
    if inputs.max_comments is not None:
        updates["comment_budget"] = inputs.max_comments
    return strategy.model_copy(update=updates) if updates else strategy


def _read_strategy(source: str) -> bytes:
    """A strategy document from a path or an https URL (bounded in size and time)."""
    if source.startswith("https://"):
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310  (https only, checked above)
            return bytes(response.read(MAX_STRATEGY_BYTES + 1))[: MAX_STRATEGY_BYTES + 1]
    if "://" in source:
        raise ConfigError(f"strategy {source!r}: only local paths and https:// URLs are read")
    return Path(source).read_bytes()[: MAX_STRATEGY_BYTES + 1]


def _config(inputs: Inputs, repo: Path, target: Target) -> ToastyConfig | None:
    """The configuration: from the pull request's base commit (a change cannot alter its own rules), else the
    working tree."""
    path = (Path.cwd() / inputs.config).resolve()
    try:
        relative = path.relative_to(repo.resolve()).as_posix()
    except ValueError:
        relative = None
    if target.config_revision is not None and relative is not None:
        blobs = read_blobs(repo, target.config_revision, [relative])
        if relative not in blobs:
            log.info("the pull request's base has no %s: the defaults apply", relative)
        return load_config(blobs.get(relative))
    return load_config(path.read_bytes()) if path.is_file() else None


def _change(repo: Path, target: Target) -> Change:
    if target.base is None:
        listing = git(repo, "ls-tree", "-r", "--name-only", "-z", target.head).decode("utf-8", "surrogateescape")
        files = [ChangedFile(path=name, status="added", whole_file=True) for name in listing.split("\0") if name]
        heads = read_blobs(repo, target.head, [f.path for f in files])
        everything = Commentable(frozenset(), frozenset())
        return Change(files, heads.get, None, {f.path: everything for f in files})
    diff = git(
        repo,
        "diff",
        "--no-color",
        "--no-ext-diff",
        "-M",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        target.base,
        target.head,
    )
    text = diff.decode("utf-8", errors="surrogateescape")
    files = parse_diff(text)
    heads = read_blobs(repo, target.head, [f.path for f in files if f.status != "removed"])
    bases = read_blobs(repo, target.base, [f.old_path or f.path for f in files if f.status in ("modified", "renamed")])
    commentable = {path: Commentable.from_patch(hunks) for path, hunks in patches_by_path(text).items()}
    return Change(files, heads.get, bases.get, commentable)


def _write_sarif(inputs: Inputs, grade: PullRequestGrade, strategy: Strategy) -> str:
    if not inputs.sarif:
        return ""
    path = Path(inputs.sarif)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(to_sarif(grade, known_rules(strategy))), encoding="utf-8")
    return str(path)


@dataclass(frozen=True, slots=True)
class _Run:
    """The step's inputs and surroundings."""

    inputs: Inputs
    env: Mapping[str, str]
    target: Target
    strategy: Strategy
    out: TextIO


def _review(run: _Run, grade: PullRequestGrade, change: Change) -> str:
    """Post the review when asked and possible; what happened, in words (empty when no review was wanted)."""
    inputs, env, target = run.inputs, run.env, run.target
    if inputs.comment == "never" or target.pull_number is None:
        return ""
    if inputs.github_token is None:
        return "No review posted: no token was given."
    if inputs.comment == "auto" and target.read_only_token:
        run.out.write(f"::notice title=Toasty::{escape_data(FORK_NOTE)}\n")
        return FORK_NOTE
    api = env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    pull = PullRequest(
        repository=env.get("GITHUB_REPOSITORY", ""),
        number=target.pull_number,
        head_sha=target.head,
        api_url=api,
        graphql_url=env.get("GITHUB_GRAPHQL_URL", api + "/graphql"),
        token=inputs.github_token.get_secret_value(),
    )
    outcome = asyncio.run(review(pull, grade, change.commentable, run.strategy))
    if outcome.posted == 0 and "may not write" in outcome.note:
        run.out.write(f"::warning title=Toasty::{escape_data(outcome.note)}\n")
    log.info(outcome.note)
    return outcome.note
