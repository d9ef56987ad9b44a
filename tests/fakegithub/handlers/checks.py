"""Check runs and suites: creation, updates that append annotations, and the listings an App reads back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.fakegithub.activity import Annotation, CheckRun, CheckSuite
from tests.fakegithub.check_rules import check_run_problems
from tests.fakegithub.errors import invalid_request, not_found, validation_failed
from tests.fakegithub.handlers.context import Reply, RequestContext
from tests.fakegithub.render_checks import annotation, check_run, check_suite
from tests.fakegithub.repository import Repo
from tests.fakegithub.timestamps import parse_iso, utc_now

_ANNOTATION_FIELDS = ("title", "raw_details", "start_column", "end_column")


def create_run(ctx: RequestContext) -> Reply:
    """POST /repos/{owner}/{repo}/check-runs."""
    repo = ctx.repo()
    body: Mapping[str, Any] = ctx.body
    if body["head_sha"] not in repo.commits:
        raise validation_failed(f"No commit found for SHA: {body['head_sha']}", ctx.docs)
    problems = check_run_problems(body)
    if problems:
        raise invalid_request(problems, ctx.docs)
    suite = repo.check_suite_for(body["head_sha"])
    run = CheckRun(ctx.state.ids.next("check_run"), repo, suite, body["name"], body["head_sha"], started_at=utc_now())
    _apply(run, body)
    repo.check_runs[run.id] = run
    return Reply(status=201, body=check_run(ctx.urls, run))


def update_run(ctx: RequestContext) -> Reply:
    """PATCH .../check-runs/{check_run_id}: fields replace, annotations are appended."""
    run = _run(ctx)
    problems = check_run_problems(ctx.body, already_concluded=run.conclusion is not None)
    if problems:
        raise invalid_request(problems, ctx.docs)
    _apply(run, ctx.body)
    return Reply(body=check_run(ctx.urls, run))


def get_run(ctx: RequestContext) -> Reply:
    """GET .../check-runs/{check_run_id}."""
    return Reply(body=check_run(ctx.urls, _run(ctx)))


def list_annotations(ctx: RequestContext) -> Reply:
    """GET .../check-runs/{check_run_id}/annotations, in the order they were added."""
    run = _run(ctx)
    return ctx.page(run.annotations, lambda item: annotation(ctx.urls, run, item))


def list_runs_for_ref(ctx: RequestContext) -> Reply:
    """GET .../commits/{ref}/check-runs with check_name, status, filter and app_id."""
    repo = ctx.repo()
    commit = repo.resolve(ctx.params["ref"])
    if commit is None:
        raise validation_failed(f"No commit found for SHA: {ctx.params['ref']}", ctx.docs)
    runs = [run for run in repo.check_runs.values() if run.head_sha == commit.sha]
    return _run_listing(ctx, runs)


def list_runs_for_suite(ctx: RequestContext) -> Reply:
    """GET .../check-suites/{check_suite_id}/check-runs."""
    suite = _suite(ctx)
    return _run_listing(ctx, [run for run in suite.repo.check_runs.values() if run.suite is suite])


def get_suite(ctx: RequestContext) -> Reply:
    """GET .../check-suites/{check_suite_id}."""
    return Reply(body=check_suite(ctx.urls, _suite(ctx)))


def list_suites_for_ref(ctx: RequestContext) -> Reply:
    """GET .../commits/{ref}/check-suites."""
    repo = ctx.repo()
    commit = repo.resolve(ctx.params["ref"])
    suites = [s for s in repo.check_suites.values() if commit is not None and s.head_sha == commit.sha]
    if "app_id" in ctx.query and ctx.query["app_id"] != ctx.state.app.id:
        suites = []
    page = ctx.page(suites, lambda suite: check_suite(ctx.urls, suite))
    page.body = {"total_count": len(suites), "check_suites": page.body}
    return page


def rerequest_run(ctx: RequestContext) -> Reply:
    """POST .../check-runs/{check_run_id}/rerequest (GitHub answers with an empty object)."""
    _run(ctx)
    return Reply(status=201, body={})


def _run_listing(ctx: RequestContext, runs: list[CheckRun]) -> Reply:
    """Filter runs (name, status, app, latest per name) and page them, newest first."""
    if "check_name" in ctx.query:
        runs = [run for run in runs if run.name == ctx.query["check_name"]]
    if "status" in ctx.query:
        runs = [run for run in runs if run.status == ctx.query["status"]]
    if "app_id" in ctx.query and ctx.query["app_id"] != ctx.state.app.id:
        runs = []
    if ctx.query.get("filter", "latest") == "latest":
        newest: dict[str, CheckRun] = {}
        for run in sorted(runs, key=lambda r: r.id):
            newest[run.name] = run
        runs = list(newest.values())
    runs = sorted(runs, key=lambda r: r.id, reverse=True)
    page = ctx.page(runs, lambda run: check_run(ctx.urls, run))
    page.body = {"total_count": len(runs), "check_runs": page.body}
    return page


def _apply(run: CheckRun, body: Mapping[str, Any]) -> None:
    """Apply a create/update body; a conclusion completes the run."""
    for key in ("name", "details_url", "external_id"):
        if key in body:
            setattr(run, key, body[key])
    if "started_at" in body:
        run.started_at = parse_iso(body["started_at"])
    if "status" in body:
        run.status = body["status"]
    if body.get("conclusion"):
        # "Providing conclusion will automatically set the status parameter to completed."
        run.conclusion, run.status = body["conclusion"], "completed"
        run.completed_at = parse_iso(body["completed_at"]) if "completed_at" in body else utc_now()
    if "output" in body:
        _apply_output(run, body["output"])
    if "actions" in body:
        run.actions = list(body["actions"])
    run.updates += 1


def _apply_output(run: CheckRun, output: Mapping[str, Any]) -> None:
    """Replace title/summary/text when given; append annotations."""
    for key in ("title", "summary", "text"):
        if key in output:
            run.output[key] = output[key]
    for item in output.get("annotations") or []:
        extras = {key: item[key] for key in _ANNOTATION_FIELDS if key in item}
        run.annotations.append(
            Annotation(
                item["path"], item["start_line"], item["end_line"], item["annotation_level"], item["message"], **extras
            )
        )


def _run(ctx: RequestContext) -> CheckRun:
    """The check run in the path, or 404."""
    repo: Repo = ctx.repo()
    run = repo.check_runs.get(ctx.params["check_run_id"])
    if run is None:
        raise not_found(ctx.docs)
    return run


def _suite(ctx: RequestContext) -> CheckSuite:
    """The check suite in the path, or 404."""
    suite = ctx.repo().check_suites.get(ctx.params["check_suite_id"])
    if suite is None:
        raise not_found(ctx.docs)
    return suite


HANDLERS = {
    "checks/create": create_run,
    "checks/update": update_run,
    "checks/get": get_run,
    "checks/list-annotations": list_annotations,
    "checks/list-for-ref": list_runs_for_ref,
    "checks/list-for-suite": list_runs_for_suite,
    "checks/get-suite": get_suite,
    "checks/list-suites-for-ref": list_suites_for_ref,
    "checks/rerequest-run": rerequest_run,
}
