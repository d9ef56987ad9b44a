"""GitHub's error responses as exceptions handlers raise, with the exact bodies clients parse."""

from __future__ import annotations

from typing import Any

GENERIC_DOCS = "https://docs.github.com/rest"


class ApiError(Exception):
    """A response GitHub would give instead of the resource: status, JSON body and extra headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body.get('message')}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def error_body(
    message: str, documentation_url: str = GENERIC_DOCS, status: int | None = None, **extra: Any
) -> dict[str, Any]:
    """GitHub's basic-error shape; recent responses repeat the status as a string."""
    body: dict[str, Any] = {"message": message, **extra, "documentation_url": documentation_url}
    if status is not None:
        body["status"] = str(status)
    return body


def not_found(documentation_url: str = GENERIC_DOCS) -> ApiError:
    """404, which GitHub also uses for resources the caller may not see."""
    return ApiError(404, error_body("Not Found", documentation_url, 404))


def unauthorized(message: str = "Bad credentials", documentation_url: str = GENERIC_DOCS) -> ApiError:
    """401 for missing, malformed, expired or unknown credentials."""
    return ApiError(401, error_body(message, documentation_url, 401))


def forbidden(
    message: str = "Resource not accessible by integration", documentation_url: str = GENERIC_DOCS
) -> ApiError:
    """403 for an App lacking the permission an endpoint needs."""
    return ApiError(403, error_body(message, documentation_url, 403))


def unprocessable(errors: list[Any], documentation_url: str, message: str = "Unprocessable Entity") -> ApiError:
    """422 with an `errors` list, the shape of GitHub's domain-rule refusals (e.g. review lines)."""
    return ApiError(422, error_body(message, documentation_url, 422, errors=errors))


def invalid_request(reasons: list[str], documentation_url: str) -> ApiError:
    """422 for a body or query that breaks the documented schema ("Invalid request." plus the reasons)."""
    return ApiError(422, error_body("Invalid request.\n\n" + "\n".join(reasons), documentation_url, 422))


def validation_failed(message: str, documentation_url: str) -> ApiError:
    """422 with a bare message, as GitHub gives e.g. for an unknown commit SHA."""
    return ApiError(422, error_body(message, documentation_url, 422))
