"""The App's grading of a pull request: one check run, one review, exactly once per head commit.

GitHub requests, in order: create the check run; list the changed files (100 a page); fetch the configuration
and the contents in GraphQL batches (the first also says whether a newer commit superseded this one); complete
the check run with every annotation (50 per request); post one review. Nothing else, unless a crash or an
unanswered POST forces a check of what GitHub already has.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.commenting import Commentable, CommentTarget, choose_comments
from bot.context import AppContext, Job
from bot.engine import ChangedFile, ConfigError, PullRequestGrade, Strategy, changed_file_from_patch, load_config
from bot.engine.config import CONFIG_PATH
from bot.engine.diff import DiffError, reverse_patch
from bot.engine.files import AnalysisJob, Unavailable, analyze_file
from bot.engine.grader import has_base, plan
from bot.engine.strategy import resolve_strategy
from bot.github import checks, contents
from bot.github.client import GitHubClient
from bot.github.contents import BLOBS_PER_QUERY, Blob, PullFile
from bot.github.reviews import post_review, toasty_fingerprints
from bot.learning.explain import summary_section
from bot.metrics import Timer
from bot.report.comment import CHECK_RUN_REST, render_review_body
from bot.report.levels import annotation_level, annotation_title
from bot.report.markdown import render_summary
from bot.store import gradings
from bot.store.feedback import NewSignal
from bot.store.gradings import NewGrading, PlannedComment, PullKey

log = logging.getLogger(__name__)


class Superseded(Exception):
    """The pull request's head moved on: its files and patches are no longer those of the commit being graded."""

    def __init__(self, newer_sha: str) -> None:
        super().__init__(f"superseded by {newer_sha}")
        self.newer_sha = newer_sha


@dataclass(frozen=True, slots=True)
class _Run:
    """One grading in progress: who grades, what, and the check run it reports on."""

    context: AppContext
    gh: GitHubClient
    pull: PullRequestRef
    grading_id: int
    check_run_id: int


@dataclass(frozen=True, slots=True)
class PullRequestRef:
    """The pull request and commits a grading is about, as a webhook payload gives them."""

    repository: str
    number: int
    head_sha: str
    base_sha: str
    default_branch: str
    installation_id: int
    draft: bool = False
    author: str | None = None
    author_association: str | None = None

    @property
    def key(self) -> PullKey:
        return PullKey(self.repository, self.number)

    def new_grading(self) -> NewGrading:
        """What the grading's record keeps about this pull request."""
        return NewGrading(
            self.repository,
            self.number,
            self.head_sha,
            self.base_sha,
            self.installation_id,
            self.author,
            self.author_association,
        )


async def grade_pull_request(context: AppContext, pull: PullRequestRef, job: Job) -> None:
    """Grade the pull request's head commit and answer on GitHub; a pull request is graded once at a time, even
    by several replicas (its findings and comments are unique per pull request)."""
    async with context.pull_lock(pull.repository, pull.number):
        gh = await context.github(pull.installation_id)
        timer = Timer()
        await _grade(context, gh, pull, job)
        context.metrics.grading_seconds.observe(timer.elapsed)


async def _grade(context: AppContext, gh: GitHubClient, pull: PullRequestRef, job: Job) -> None:
    files: list[PullFile] | None = None
    if pull.draft:
        config_blobs = await contents.fetch_blobs(gh, pull.repository, [_config_expression(pull)])
        strategy = _strategy_or_none(config_blobs.get(_config_expression(pull)))
        if strategy is None or not strategy.drafts:
            log.info("draft pull request %s#%s skipped", pull.repository, pull.number)
            return
    grading = await gradings.start(context.database, pull.new_grading(), job.delivery_id)
    if grading.status == "completed":  # the check run says it all; only the review failed
        await _review_again(context, gh, pull, grading.id, grading.comments or 0)
        return
    check_run_id = grading.check_run_id
    if check_run_id is None:
        check_run_id = await _open_check_run(gh, pull, job)
        await gradings.set_check_run(context.database, grading.id, check_run_id)
    run = _Run(context, gh, pull, grading.id, check_run_id)
    try:
        files = await contents.list_files(gh, pull.repository, pull.number)
        grade, strategy, commentable = await _grade_files(context, gh, pull, files)
        conclusion = _conclusion(grade, strategy)
        output = _output(grade, [summary_section(strategy)])
        await checks.complete(gh, pull.repository, check_run_id, conclusion, output, annotations=_annotations(grade))
    except ConfigError as error:
        await _report_config_error(run, error)
        return
    except Superseded as newer:
        await _report_superseded(run, newer.newer_sha)
        return
    await _record_fixes(context, pull, grade)
    await gradings.complete(context.database, grading.id, grade, conclusion)
    posted = await _review(context, gh, pull, grade, strategy=strategy, commentable=commentable)
    await gradings.set_comment_count(context.database, grading.id, posted)


async def abandon_gradings(context: AppContext, delivery_id: str, reason: str) -> None:
    """The delivery was given up: complete each check run it left in progress (one GitHub created without answering
    included), saying why, so no pull request waits on a grading that will not come."""
    for grading in await gradings.unfinished(context.database, delivery_id):
        if grading.installation_id is not None:
            gh = await context.github(grading.installation_id)
            check_run_id = grading.check_run_id or await checks.find_open(
                gh, grading.repository, grading.head_sha, delivery_id
            )
            if check_run_id is not None:
                await checks.complete(gh, grading.repository, check_run_id, "neutral", _given_up_output(reason))
        await gradings.complete(context.database, grading.id, None, "neutral", error=reason)
        log.warning("grading %s#%s at %s given up", grading.repository, grading.pull_number, grading.head_sha)


def _given_up_output(reason: str) -> checks.Output:
    """Neutral: it is not the author's fault; the reason says what to expect of a Re-grade."""
    summary = f"Toasty gave up grading this commit:\n\n```\n{reason[:2000]}\n```\n\nUse **Re-grade** to try again."
    return checks.Output(title="Toasty could not finish grading", summary=summary)


async def _open_check_run(gh: GitHubClient, pull: PullRequestRef, job: Job) -> int:
    """Create the check run; a retry first looks for the one an earlier attempt's unanswered request created."""
    found = await checks.find_open(gh, pull.repository, pull.head_sha, job.delivery_id) if job.attempt > 1 else None
    if found is not None:
        return found
    return await checks.create(gh, pull.repository, pull.head_sha, job.delivery_id)


async def _review_again(context: AppContext, gh: GitHubClient, pull: PullRequestRef, grading_id: int, had: int) -> None:
    """A retry after the review step failed: grade again (no check run) and post only what GitHub lacks."""
    files = await contents.list_files(gh, pull.repository, pull.number)
    try:
        grade, strategy, commentable = await _grade_files(context, gh, pull, files)
    except (ConfigError, Superseded):
        return  # the config or the head changed since the check run was completed; nothing sensible to review
    posted = await _review(context, gh, pull, grade, strategy=strategy, commentable=commentable)
    await gradings.set_comment_count(context.database, grading_id, had + posted)


async def _grade_files(
    context: AppContext, gh: GitHubClient, pull: PullRequestRef, files: Sequence[PullFile]
) -> tuple[PullRequestGrade, Strategy, dict[str, Commentable]]:
    """Read the config and the contents, then grade. The first GraphQL request carries the config, the pull
    request's current head and up to 49 head files, excluded or not (it costs the same request); later requests
    fetch only the files the config leaves to grade."""
    changes = [_changed_file(f) for f in files]
    config_expression = _config_expression(pull)
    head_expressions = [f"{pull.head_sha}:{c.path}" for c in changes if c.status != "removed"]
    first = [config_expression, *head_expressions[: BLOBS_PER_QUERY - 1]]
    blobs, head_now = await contents.fetch_blobs_and_head(gh, pull.repository, pull.number, first)
    if head_now is not None and head_now != pull.head_sha:
        raise Superseded(head_now)
    strategy = await context.learning.strategy_for(
        pull.repository, load_config(_text(blobs.get(config_expression))), for_grading=True
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
    grade = batch.grade(await _analyze(context, batch.jobs))
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


async def _analyze(context: AppContext, jobs: Sequence[AnalysisJob]) -> list[Any]:
    """Analysis runs in the process pool, never on the event loop."""
    loop = asyncio.get_running_loop()
    return list(await asyncio.gather(*(loop.run_in_executor(context.pool, analyze_file, job) for job in jobs)))


def _changed_file(file: PullFile) -> ChangedFile:
    try:
        return changed_file_from_patch(file.filename, file.status, file.patch, file.previous_filename)
    except DiffError:
        return changed_file_from_patch(file.filename, file.status, None, file.previous_filename)


def _config_expression(pull: PullRequestRef) -> str:
    """The config is read from the default branch, never from the pull request's head."""
    return f"{pull.default_branch}:{CONFIG_PATH}"


def _text(blob: Blob | None) -> str | None:
    return blob.text if blob is not None else None


def _strategy_or_none(blob: Blob | None) -> Strategy | None:
    try:
        return resolve_strategy(load_config(_text(blob)))
    except ConfigError:
        return None


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


def _conclusion(grade: PullRequestGrade, strategy: Strategy) -> checks.Conclusion:
    if grade.passed:
        return "success"
    return strategy.conclusion


def _output(grade: PullRequestGrade, extra_sections: Sequence[str] = ()) -> checks.Output:
    findings = grade.visible_findings
    title = f"Grade {grade.grade} ({grade.score:g}/100) · {len(findings)} finding{'s' * (len(findings) != 1)}"
    return checks.Output(title=title, summary=render_summary(grade, extra_sections=extra_sections))


def _annotations(grade: PullRequestGrade) -> list[checks.Annotation]:
    """Every visible finding, most severe first (GitHub shows the first ones most prominently)."""
    return [
        checks.Annotation(
            path=f.path,
            start_line=f.line,
            end_line=f.line,
            annotation_level=annotation_level(f.severity),
            title=annotation_title(f),
            message=f.message,
        )
        for f in grade.visible_findings
    ]


async def _review(
    context: AppContext,
    gh: GitHubClient,
    pull: PullRequestRef,
    grade: PullRequestGrade,
    *,
    strategy: Strategy,
    commentable: Mapping[str, Commentable],
) -> int:
    """Post one review with the new comments worth posting; returns how many were posted (found posted too)."""
    settled = await _settle_pending(context, gh, pull)
    already = await gradings.commented_fingerprints(context.database, pull.key)
    targets = choose_comments(grade, commentable, already, strategy, seed=pull.head_sha)
    if not targets:
        return settled
    await gradings.add_pending(context.database, pull.key, pull.head_sha, _planned(targets))
    findings = len(grade.visible_findings)
    result = await post_review(
        gh,
        pull.repository,
        pull.number,
        commit_id=pull.head_sha,
        body_for=lambda comments: render_review_body(grade, comments, findings, elsewhere=CHECK_RUN_REST),
        targets=targets,
    )
    await gradings.mark_comments(
        context.database, pull.key, [t.finding.fingerprint for t in result.posted], "posted", result.review_id
    )
    await gradings.mark_comments(context.database, pull.key, [t.finding.fingerprint for t in result.dropped], "dropped")
    return settled + len(result.posted)


def _planned(targets: Sequence[CommentTarget]) -> list[PlannedComment]:
    return [PlannedComment(t.finding, t.path, t.line, t.exploring) for t in targets]


async def _record_fixes(context: AppContext, pull: PullRequestRef, grade: PullRequestGrade) -> None:
    """A commented finding that a push made go away was worth commenting on: the author's fix is a vote."""
    fixed = await gradings.track_findings(context.database, pull.key, pull.head_sha, grade.findings)
    commented = await gradings.commented_fingerprints(context.database, pull.key)
    author = (
        (pull.author, pull.author_association or "NONE")
        if pull.author
        else await gradings.last_author(context.database, pull.key)
    )
    signals = [
        NewSignal.on_finding(row, actor=author[0], association=author[1], signal="fixed", source="grading")
        for row in fixed
        if row.fingerprint in commented and author is not None
    ]
    if signals:
        await context.record_feedback(signals)
        log.info("%d commented finding(s) fixed on %s#%s", len(signals), pull.repository, pull.number)


async def _settle_pending(context: AppContext, gh: GitHubClient, pull: PullRequestRef) -> int:
    """After a crash between writing comments down and hearing GitHub's answer, ask GitHub what the App posted; returns
    how many of the comments it has."""
    pending = await gradings.pending_comments(context.database, pull.key, pull.head_sha)
    if not pending:
        return 0
    posted = await toasty_fingerprints(gh, pull.repository, pull.number, await context.bot_login())
    waiting = {row.fingerprint for row in pending}
    await gradings.mark_comments(context.database, pull.key, waiting & posted, "posted")
    await gradings.mark_comments(context.database, pull.key, waiting - posted, "dropped")
    return len(waiting & posted)


async def _report_config_error(run: _Run, error: ConfigError) -> None:
    """A broken config gets a check run that says what is wrong, not silence."""
    pull = run.pull
    summary = (
        f"Toasty reads its configuration from `{CONFIG_PATH}` on the default branch (`{pull.default_branch}`), "
        f"and that file has a problem:\n\n```\n{error}\n```\n\nFix it on `{pull.default_branch}`, then use "
        "**Re-grade** on this check run. The keys are described in docs/configuration.md."
    )
    output = checks.Output(title=f"{CONFIG_PATH} is invalid", summary=summary[:65_000])
    await checks.complete(run.gh, pull.repository, run.check_run_id, "failure", output)
    await gradings.complete(run.context.database, run.grading_id, None, "failure", error=str(error))


async def _report_superseded(run: _Run, newer_sha: str) -> None:
    """A late grading of an older commit says which commit supersedes it and posts no review: the pull request's
    files now describe the newer commit, and grading them against the older one would mix the two."""
    pull = run.pull
    summary = (
        f"The pull request moved on to {newer_sha} before Toasty could grade {pull.head_sha}; "
        f"the grading of {newer_sha} is the one that counts. Use **Re-grade** there if it is missing."
    )
    output = checks.Output(title=f"Superseded by {newer_sha[:7]}", summary=summary)
    await checks.complete(run.gh, pull.repository, run.check_run_id, "neutral", output)
    await gradings.complete(run.context.database, run.grading_id, None, "neutral", error=f"superseded by {newer_sha}")
