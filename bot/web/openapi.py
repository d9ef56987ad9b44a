"""The REST API's OpenAPI 3.1 description, built from the same pydantic models that validate the traffic."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot import __version__
from bot.engine.models import PullRequestGrade
from bot.engine.strategy import Strategy
from bot.web.auth import NAME_PART
from bot.web.schemas import (
    AnalyticsAnswer,
    CollectiveAnswer,
    ErrorBody,
    FeedbackInput,
    FeedbackPage,
    FeedbackQuery,
    GradeRequest,
    Recorded,
    RepositoriesAnswer,
    ResetAnswer,
    ResetQuery,
)

_MODELS: tuple[type[BaseModel], ...] = (
    GradeRequest,
    PullRequestGrade,
    Strategy,
    ResetAnswer,
    FeedbackPage,
    FeedbackInput,
    Recorded,
    AnalyticsAnswer,
    CollectiveAnswer,
    RepositoriesAnswer,
    ErrorBody,
)
_ERROR_STATUSES = {
    "400": "Malformed request or parameter",
    "401": "No valid token",
    "403": "The token does not allow this operation or repository",
    "408": "The body did not arrive in time",
    "413": "The body is too large",
    "415": "The body is compressed (send it without Content-Encoding)",
    "422": "The body does not validate",
    "429": "Over the token's rate limit (see Retry-After)",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors() -> dict[str, Any]:
    return {status: _json("ErrorBody", text) for status, text in _ERROR_STATUSES.items()}


def _operation(
    summary: str,
    ok: dict[str, Any],
    *,
    body: str | None = None,
    parameters: list[Any] | None = None,
    status: str = "200",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {status: ok, **_errors(), **(extra or {})}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _query(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Query parameters described by the model that validates them (one schema per parameter, null left out)."""
    parameters = []
    for name, schema in model.model_json_schema()["properties"].items():
        options = [option for option in schema.pop("anyOf", [schema]) if option.get("type") != "null"]
        description = schema.pop("description", name)
        schema.pop("title", None)
        if schema.get("default", 0) is None:
            del schema["default"]
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": description,
                "schema": {**options[0], **schema},
            }
        )
    return parameters


_NAME = {"type": "string", "pattern": NAME_PART}
_REPOSITORY = [
    {"name": "owner", "in": "path", "required": True, "schema": _NAME},
    {"name": "repo", "in": "path", "required": True, "schema": _NAME},
]
_NOT_INSTALLED = {"404": _json("ErrorBody", "Toasty is not installed on this repository")}
_FEEDBACK_BATCH = {
    "oneOf": [_ref("FeedbackInput"), {"type": "array", "items": _ref("FeedbackInput"), "maxItems": 1000}]
}


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document (built once per process)."""
    _, schemas = models_json_schema([(m, "validation") for m in _MODELS], ref_template="#/components/schemas/{model}")
    components = dict(schemas.get("$defs", {}))
    repository = "/api/repos/{owner}/{repo}"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Toasty API",
            "version": __version__,
            "description": "Grade changes, and read or steer what Toasty learned per repository. Authenticate with "
            "`Authorization: Bearer <token>` (`toasty token create`).",
        },
        "security": [{"bearer": []}],
        "components": {"schemas": components, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/api/grade": {
                "post": _operation(
                    "Grade a diff or files (the same engine and output as `toasty grade --format json`)",
                    _json("PullRequestGrade", "The grade"),
                    body="GradeRequest",
                )
            },
            "/api/repos": {"get": _operation("Repositories this token can read", _json("RepositoriesAnswer", "Names"))},
            f"{repository}/strategy": {
                "get": _operation(
                    "The repository's learned strategy",
                    _json("Strategy", "The versioned document"),
                    parameters=_REPOSITORY,
                ),
                "delete": _operation(
                    "Reset what was learned (one rule, or all); the feedback log keeps everything",
                    _json("ResetAnswer", "Reset"),
                    parameters=[*_REPOSITORY, *_query(ResetQuery)],
                    extra=_NOT_INSTALLED,
                ),
            },
            f"{repository}/feedback": {
                "get": _operation(
                    "The feedback log, newest first",
                    _json("FeedbackPage", "A page"),
                    parameters=[*_REPOSITORY, *_query(FeedbackQuery)],
                ),
                "post": {
                    **_operation(
                        "Record feedback from elsewhere",
                        _json("Recorded", "Appended"),
                        parameters=_REPOSITORY,
                        status="201",
                        extra=_NOT_INSTALLED,
                    ),
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _FEEDBACK_BATCH}}},
                },
            },
            f"{repository}/analytics": {
                "get": _operation(
                    "Scores over time, findings and acceptance per rule, threshold history",
                    _json("AnalyticsAnswer", "Analytics"),
                    parameters=_REPOSITORY,
                )
            },
            "/api/collective": {
                "get": _operation(
                    "Per-rule statistics across repositories (counts only)", _json("CollectiveAnswer", "Statistics")
                )
            },
        },
    }
