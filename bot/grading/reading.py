"""What the engine's plan needs from GitHub: the configuration, the changed files' contents (GraphQL batches)
and their bases, rebuilt from patches where they apply; then the grade."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from bot.commenting import Commentable
from bot.context import Services
from bot.engine import ChangedFile, ConfigError, PullRequestGrade, Strategy, changed_file_from_patch, load_config
from bot.engine.config import CONFIG_PATH
from bot.engine.diff import DiffError, reverse_patch
from bot.engine.files import AnalysisJob, Unavailable, analyze_file
from bot.engine.grader import has_base, plan
from bot.engine.strategy import resolve_strategy
from bot.github import contents
from bot.github.client import GitHubClient
from bot.github.contents import BLOBS_PER_QUERY, Blob, PullFile
from bot.grading.ref import PullRequestRef, Superseded


async def grade_files(
    services: Services, gh: GitHubClient, pull: PullRequestRef, files: Sequence[PullFile]
) -> tuple[PullRequestGrade, Strategy, dict[str, Commentable]]:
    """Read the config and the contents, then grade. The first GraphQL request carries the config, the pull
    request's current head and up to 49 head files, excluded or not (it costs the same request); later requests
    fetch only the files the config leaves to grade."""
    changes = [_changed_file(f) for f in files]
    config_at = config_expression(pull)
    head_expressions = [f"{pull.head_sha}:{c.path}" for c in changes if c.status != "removed"]
    first = [config_at, *head_expressions[: BLOBS_PER_QUERY - 1]]
    blobs, head_now = await contents.fetch_blobs_and_head(gh, pull.repository, pull.number, first)
    if head_now is not None and head_now != pull.head_sha:
        raise Superseded(head_now)
    strategy = await services.learning.strategy_for(
        pull.repository, load_config(_text(blobs.get(config_at))), for_grading=True
    )
    grading = plan(changes, strategy)
    wanted = [f"{pull.head_sha}:{c.path}" for c in grading.to_grade]
    blobs |= await contents.fetch_blobs(gh, pull.repository, [e for e in wanted if e not in blobs])
    patches = {f.filename: f.patch for f in files}
    bases = _rebuilt_bases(grading.to_grade, blobs, patches, pull.head_sha)
    missing = [
        f"{pull.base_sha}:{c.old_path or c.path}"
        for c in grading.to_grade
        if has_base(c) and (c.old_path or c.path) not in bases and _text(blobs.get(f"{pull.head_sha}:{c.path}"))
    ]
    blobs |= await contents.fetch_blobs(gh, pull.repository, missing)
    batch = grading.analyses(
        lambda path: _content(blobs, f"{pull.head_sha}:{path}", strategy),
        lambda path: bases[path] if path in bases else _content(blobs, f"{pull.base_sha}:{path}", strategy),
    )
    grade = batch.grade(await _analyze(services.pool, batch.jobs))
    commentable = {f.filename: Commentable.from_patch(f.patch) for f in files}
    return grade, strategy, commentable


def _rebuilt_bases(
    changes: Sequence[ChangedFile], blobs: Mapping[str, Blob | None], patches: Mapping[str, str | None], head_sha: str
) -> dict[str, bytes]:
    """Each modified file's version at the merge base, rebuilt from its head and GitHub's patch (no request):
    the exact starting point of the change. Files whose patch is missing or does not apply are fetched instead."""
    rebuilt: dict[str, bytes] = {}
    for change in changes:
        head = _text(blobs.get(f"{head_sha}:{change.path}"))
        patch = patches.get(change.path)
        if not has_base(change) or head is None or not patch:
            continue
        before = reverse_patch(head, patch)
        if before is not None:
            rebuilt[change.old_path or change.path] = before.encode("utf-8", errors="surrogatepass")
    return rebuilt


async def _analyze(pool: Executor, jobs: Sequence[AnalysisJob]) -> list[Any]:
    """Analysis runs in the process pool, never on the event loop."""
    loop = asyncio.get_running_loop()
    return list(await asyncio.gather(*(loop.run_in_executor(pool, analyze_file, job) for job in jobs)))


def _changed_file(file: PullFile) -> ChangedFile:
    try:
        return changed_file_from_patch(file.filename, file.status, file.patch, file.previous_filename)
    except DiffError:
        return changed_file_from_patch(file.filename, file.status, None, file.previous_filename)


def config_expression(pull: PullRequestRef) -> str:
    """The config is read from the default branch, never from the pull request's head."""
    return f"{pull.default_branch}:{CONFIG_PATH}"


def _text(blob: Blob | None) -> str | None:
    return blob.text if blob is not None else None


async def grades_drafts(gh: GitHubClient, pull: PullRequestRef) -> bool:
    """Whether the repository's configuration asks for draft pull requests to be graded (a broken one does not)."""
    blobs = await contents.fetch_blobs(gh, pull.repository, [config_expression(pull)])
    try:
        return resolve_strategy(load_config(_text(blobs.get(config_expression(pull))))).drafts
    except ConfigError:
        return False


def _content(blobs: Mapping[str, Blob | None], expression: str, strategy: Strategy) -> bytes | Unavailable | None:
    """A file's bytes for the engine, or why it was not fetched as text."""
    blob = blobs.get(expression)
    if blob is None:
        return None
    if blob.is_binary:
        return Unavailable("binary file")
    if blob.byte_size > strategy.max_file_bytes:
        return Unavailable(f"larger than the {strategy.max_file_bytes:,}-byte limit ({blob.byte_size:,} bytes)")
    if blob.text is None:
        return Unavailable("content not available as text")
    return blob.text.encode("utf-8", errors="surrogatepass")
