"""Check runs: created in progress as soon as work starts, completed with a summary and every annotation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.github.client import GitHubClient

CHECK_NAME = "Toasty"
ANNOTATIONS_PER_REQUEST = 50
"""GitHub accepts at most 50 annotations per create/update request; further batches are appended."""
Conclusion = Literal["success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Annotation(_Request):
    """A check-run annotation, within GitHub's limits."""

    path: str
    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    annotation_level: Literal["notice", "warning", "failure"]
    message: str = Field(max_length=64_000)
    title: str | None = Field(default=None, max_length=255)
    raw_details: str | None = Field(default=None, max_length=64_000)


class CheckAction(_Request):
    """A button on a completed check run; clicking it sends check_run.requested_action."""

    label: str = Field(max_length=20)
    description: str = Field(max_length=40)
    identifier: str = Field(max_length=20)


class Output(_Request):
    """A check run's output: title, Markdown summary, and optional extra text."""

    title: str = Field(max_length=255)
    summary: str = Field(max_length=65_535)
    text: str | None = Field(default=None, max_length=65_535)


REGRADE = CheckAction(label="Re-grade", description="Grade this commit again", identifier="regrade")


async def create(gh: GitHubClient, repository: str, head_sha: str, external_id: str) -> int:
    """Open an in-progress check run on the head commit; returns its id."""
    answer = await gh.post(
        f"/repos/{repository}/check-runs",
        data={
            "name": CHECK_NAME,
            "head_sha": head_sha,
            "status": "in_progress",
            "external_id": external_id,
            "started_at": _now(),
            "output": {"title": "Grading…", "summary": "Toasty is grading the code this pull request changes."},
        },
    )
    return int(answer["id"])


async def find_open(gh: GitHubClient, repository: str, head_sha: str, external_id: str) -> int | None:
    """An in-progress Toasty check run a request GitHub answered with an error did create, or None."""
    url = f"/repos/{repository}/commits/{head_sha}/check-runs?check_name={CHECK_NAME}&status=in_progress&filter=all"
    async for run in gh.getiter(url, iterable_key="check_runs"):
        if run.get("external_id") == external_id:
            return int(run["id"])
    return None


async def complete(
    gh: GitHubClient,
    repository: str,
    check_run_id: int,
    conclusion: Conclusion,
    output: Output,
    *,
    annotations: Sequence[Annotation] = (),
) -> int:
    """Complete the run, sending annotations 50 per request (the last request completes it); returns requests made."""
    batches = [
        list(annotations[i : i + ANNOTATIONS_PER_REQUEST]) for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)
    ]
    batches = batches or [[]]
    url = f"/repos/{repository}/check-runs/{check_run_id}"
    for batch in batches[:-1]:
        await gh.patch(url, data={"output": _output(output, batch)})
    await gh.patch(
        url,
        data={
            "status": "completed",
            "conclusion": conclusion,
            "completed_at": _now(),
            "output": _output(output, batches[-1]),
            "actions": [REGRADE.model_dump()],
        },
    )
    return len(batches)


def _output(output: Output, annotations: Sequence[Annotation]) -> dict[str, object]:
    body = output.model_dump(exclude_none=True)
    if annotations:
        body["annotations"] = [annotation.model_dump(exclude_none=True) for annotation in annotations]
    return body


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
