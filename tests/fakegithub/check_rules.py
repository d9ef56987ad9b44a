"""The Checks API rules GitHub enforces beyond the schema (limits from tests/reference/github/platform-facts.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# https://docs.github.com/rest/checks/runs#create-a-check-run (requestBody schema and prose)
MAX_ANNOTATIONS_PER_REQUEST = 50
MAX_OUTPUT_CHARS = 65535
MAX_ANNOTATION_TITLE_CHARS = 255
MAX_ANNOTATION_TEXT_BYTES = 64 * 1024
MAX_ACTIONS = 3
ACTION_LIMITS = {"label": 20, "description": 40, "identifier": 20}


def check_run_problems(body: Mapping[str, Any], *, already_concluded: bool = False) -> list[str]:
    """Every reason GitHub would refuse this create/update body, worded like its "Invalid request" details."""
    problems = _conclusion_problems(body, already_concluded=already_concluded)
    output = body.get("output")
    if output is not None:
        problems += _output_problems(output)
    actions = body.get("actions") or []
    if len(actions) > MAX_ACTIONS:
        problems.append(f"For 'properties/actions', only {MAX_ACTIONS} actions are allowed.")
    for index, action in enumerate(actions):
        for key, limit in ACTION_LIMITS.items():
            if len(str(action.get(key, ""))) > limit:
                problems.append(f"For 'actions/{index}/{key}', it is longer than {limit} characters.")
    return problems


def _conclusion_problems(body: Mapping[str, Any], *, already_concluded: bool) -> list[str]:
    """A completed run needs a conclusion, and only GitHub may declare one stale."""
    problems = []
    if body.get("conclusion") == "stale":
        problems.append("Conclusion 'stale' can only be set by GitHub.")
    completing = body.get("status") == "completed" or "completed_at" in body
    if completing and not body.get("conclusion") and not already_concluded:
        problems.append('"conclusion" wasn\'t supplied (required when status is completed or completed_at is given).')
    return problems


def _output_problems(output: Mapping[str, Any]) -> list[str]:
    """Output size limits, and title and summary on every output (create and update alike)."""
    problems = []
    # The update schema marks only summary required, but documents title as "**Required**"; GitHub asks for both.
    for key in ("title", "summary"):
        if key not in output:
            problems.append(f'"{key}" wasn\'t supplied in output.')
    for key in ("summary", "text"):
        if len(output.get(key) or "") > MAX_OUTPUT_CHARS:
            problems.append(f"output.{key} is longer than {MAX_OUTPUT_CHARS} characters.")
    annotations = output.get("annotations") or []
    if len(annotations) > MAX_ANNOTATIONS_PER_REQUEST:
        problems.append(f"Only {MAX_ANNOTATIONS_PER_REQUEST} annotations are allowed per request.")
    for index, annotation in enumerate(annotations):
        problems += [f"output.annotations[{index}]: {p}" for p in _annotation_problems(annotation)]
    return problems


def _annotation_problems(annotation: Mapping[str, Any]) -> list[str]:
    """Per-annotation limits: line order, columns on single lines only, title and text sizes."""
    problems = []
    start, end = annotation.get("start_line", 0), annotation.get("end_line", 0)
    if end < start:
        problems.append("end_line must not be before start_line.")
    has_columns = "start_column" in annotation or "end_column" in annotation
    if has_columns and start != end:
        problems.append("start_column and end_column are only allowed when start_line equals end_line.")
    if len(annotation.get("title") or "") > MAX_ANNOTATION_TITLE_CHARS:
        problems.append(f"title is longer than {MAX_ANNOTATION_TITLE_CHARS} characters.")
    for key in ("message", "raw_details"):
        if len((annotation.get(key) or "").encode()) > MAX_ANNOTATION_TEXT_BYTES:
            problems.append(f"{key} is larger than 64 KB.")
    return problems
