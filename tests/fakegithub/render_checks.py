"""GitHub's JSON for check runs, their annotations and check suites."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.fakegithub.activity import Annotation, CheckRun, CheckSuite
from tests.fakegithub.render_core import Urls, integration, repository
from tests.fakegithub.render_pulls import pull_minimal
from tests.fakegithub.repository import Repo
from tests.fakegithub.timestamps import iso

# The order GitHub uses to summarise a suite from its runs: the first conclusion present wins.
_CONCLUSION_PRECEDENCE = ("action_required", "cancelled", "timed_out", "failure", "neutral", "success", "skipped")


def check_run(urls: Urls, run: CheckRun) -> dict[str, Any]:
    """A check-run object."""
    api = urls.repo(run.repo)
    return {
        "id": run.id,
        "name": run.name,
        "node_id": f"CR_kwDO{run.id:012X}",
        "head_sha": run.head_sha,
        "external_id": run.external_id,
        "url": f"{api}/check-runs/{run.id}",
        "html_url": f"{urls.repo_web(run.repo)}/runs/{run.id}",
        "details_url": run.details_url or f"{urls.web}/apps/{run.repo.state.app.slug}",
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": iso(run.started_at) if run.started_at else None,
        "completed_at": iso(run.completed_at) if run.completed_at else None,
        "output": {
            **run.output,
            "annotations_count": len(run.annotations),
            "annotations_url": f"{api}/check-runs/{run.id}/annotations",
        },
        "check_suite": {"id": run.suite.id},
        "app": integration(urls, run.repo.state.app),
        "pull_requests": _pulls_for(urls, run.repo, run.head_sha),
    }


def annotation(urls: Urls, run: CheckRun, item: Annotation) -> dict[str, Any]:
    """A check-annotation object as GET .../check-runs/{id}/annotations lists it."""
    return {
        "path": item.path,
        "blob_href": f"{urls.repo_web(run.repo)}/blob/{run.head_sha}/{quote(item.path)}",
        "start_line": item.start_line,
        "end_line": item.end_line,
        "start_column": item.start_column,
        "end_column": item.end_column,
        "annotation_level": item.annotation_level,
        "title": item.title,
        "message": item.message,
        "raw_details": item.raw_details,
    }


def check_suite(urls: Urls, suite: CheckSuite) -> dict[str, Any]:
    """A check-suite object, its status summarised from its runs."""
    runs = [run for run in suite.repo.check_runs.values() if run.suite is suite]
    commit = suite.repo.commits.get(suite.head_sha)
    status, conclusion = _suite_outcome(runs)
    author = {"name": "Contributor", "email": "contributor@example.com"}
    return {
        "id": suite.id,
        "node_id": f"CS_kwDO{suite.id:012X}",
        "head_branch": suite.head_branch,
        "head_sha": suite.head_sha,
        "status": status,
        "conclusion": conclusion,
        "url": f"{urls.repo(suite.repo)}/check-suites/{suite.id}",
        "before": commit.parents[0] if commit and commit.parents else None,
        "after": suite.head_sha,
        "pull_requests": _pulls_for(urls, suite.repo, suite.head_sha),
        "app": integration(urls, suite.repo.state.app),
        "repository": repository(urls, suite.repo),
        "created_at": iso(suite.created_at),
        "updated_at": iso(suite.created_at),
        "head_commit": {
            "id": suite.head_sha,
            "tree_id": commit.tree_sha if commit else suite.head_sha,
            "message": commit.message if commit else "",
            "timestamp": iso(commit.created_at if commit else suite.created_at),
            "author": author,
            "committer": author,
        },
        "latest_check_runs_count": len(runs),
        "check_runs_url": f"{urls.repo(suite.repo)}/check-suites/{suite.id}/check-runs",
        "rerequestable": True,
        "runs_rerequestable": True,
    }


def _suite_outcome(runs: list[CheckRun]) -> tuple[str, str | None]:
    """A suite's status and conclusion summarised from its runs."""
    if all(run.status == "queued" for run in runs):
        return "queued", None
    if any(run.status != "completed" for run in runs):
        return "in_progress", None
    present = {run.conclusion for run in runs}
    return "completed", next((c for c in _CONCLUSION_PRECEDENCE if c in present), None)


def _pulls_for(urls: Urls, repo: Repo, head_sha: str) -> list[dict[str, Any]]:
    """Open pull requests whose head is this commit, as check objects list them."""
    return [pull_minimal(urls, p) for p in repo.pulls.values() if p.state == "open" and p.head_sha == head_sha]
