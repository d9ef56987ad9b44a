"""The grading's check run: opened once per head commit, completed with the grade, or with why there is none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.context import Job
from bot.engine import ConfigError, PullRequestGrade, Strategy
from bot.engine.config import CONFIG_PATH
from bot.github import checks
from bot.github.client import GitHubClient
from bot.grading.ref import PullRequestRef
from bot.report.levels import annotation_level, annotation_title
from bot.report.markdown import render_summary
from bot.store import gradings
from bot.store.db import Database


@dataclass(frozen=True, slots=True)
class CheckRun:
    """One grading in progress: where it is recorded, who reports it, what it grades, and its check run."""

    database: Database
    gh: GitHubClient
    pull: PullRequestRef
    grading_id: int
    check_run_id: int


async def open_check_run(gh: GitHubClient, pull: PullRequestRef, job: Job) -> int:
    """Create the check run; a retry first looks for the one an earlier attempt's unanswered request created."""
    found = await checks.find_open(gh, pull.repository, pull.head_sha, job.delivery_id) if job.attempt > 1 else None
    if found is not None:
        return found
    return await checks.create(gh, pull.repository, pull.head_sha, job.delivery_id)


def conclusion_of(grade: PullRequestGrade, strategy: Strategy) -> checks.Conclusion:
    if grade.passed:
        return "success"
    return strategy.conclusion


def output_of(grade: PullRequestGrade, extra_sections: Sequence[str] = ()) -> checks.Output:
    findings = grade.visible_findings
    title = f"Grade {grade.grade} ({grade.score:g}/100) · {len(findings)} finding{'s' * (len(findings) != 1)}"
    return checks.Output(title=title, summary=render_summary(grade, extra_sections=extra_sections))


def annotations_of(grade: PullRequestGrade) -> list[checks.Annotation]:
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


async def report_config_error(run: CheckRun, error: ConfigError) -> None:
    """A broken config gets a check run that says what is wrong, not silence."""
    pull = run.pull
    summary = (
        f"Toasty reads its configuration from `{CONFIG_PATH}` on the default branch (`{pull.default_branch}`), "
        f"and that file has a problem:\n\n```\n{error}\n```\n\nFix it on `{pull.default_branch}`, then use "
        "**Re-grade** on this check run. The keys are described in docs/configuration.md."
    )
    output = checks.Output(title=f"{CONFIG_PATH} is invalid", summary=summary[:65_000])
    await checks.complete(run.gh, pull.repository, run.check_run_id, "failure", output)
    await gradings.complete(run.database, run.grading_id, None, "failure", error=str(error))


async def report_superseded(run: CheckRun, newer_sha: str) -> None:
    """A late grading of an older commit says which commit supersedes it and posts no review: the pull request's
    files now describe the newer commit, and grading them against the older one would mix the two."""
    pull = run.pull
    summary = (
        f"The pull request moved on to {newer_sha} before Toasty could grade {pull.head_sha}; "
        f"the grading of {newer_sha} is the one that counts. Use **Re-grade** there if it is missing."
    )
    output = checks.Output(title=f"Superseded by {newer_sha[:7]}", summary=summary)
    await checks.complete(run.gh, pull.repository, run.check_run_id, "neutral", output)
    await gradings.complete(run.database, run.grading_id, None, "neutral", error=f"superseded by {newer_sha}")


def given_up_output(reason: str) -> checks.Output:
    """Neutral: it is not the author's fault; the reason says what to expect of a Re-grade."""
    summary = f"Toasty gave up grading this commit:\n\n```\n{reason[:2000]}\n```\n\nUse **Re-grade** to try again."
    return checks.Output(title="Toasty could not finish grading", summary=summary)
