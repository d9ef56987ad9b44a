"""Scripted failures for the next matching requests: GitHub's rate limits, outages, slowness and refusals."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.fakegithub.errors import error_body

ANY_OPERATION = "*"
GRAPHQL_OPERATION = "graphql"
# Wording and links as GitHub sends them (seen in recorded responses quoted in public issue reports).
SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)
SECONDARY_LIMIT_DOCS = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
PRIMARY_LIMIT_MESSAGE = (
    "API rate limit exceeded for installation ID {installation_id}. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)
PRIMARY_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
REVIEW_OUTSIDE_DIFF = "Pull request review thread line must be part of the diff"
REVIEW_DOCS = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"
_UNICORN_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8">
    <title>Unicorn! &middot; GitHub</title>
  </head>
  <body>
    <div class="container">
      <p><strong>We had issues producing the response to your request.</strong></p>
      <p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>
      <div id="suggestions"><a href="https://support.github.com">Contact Support</a> &mdash;
        <a href="https://githubstatus.com">GitHub Status</a> &mdash;
        <a href="https://twitter.com/githubstatus">@githubstatus</a></div>
    </div>
  </body>
</html>
"""
_SERVER_ERROR_MESSAGES = {
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
    504: "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request "
    "and contact us if the problem persists.",
}


@dataclass
class Fault:
    """What to do instead of (or before) answering the next `times` requests for an operation."""

    operation: str
    status: int | None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int = 1
    label: str = "fault"
    applied: bool = False
    """Carry the request out first, then answer with the fault (GitHub's 502 on a review it did create)."""

    def matches(self, operation_id: str | None) -> bool:
        """Whether this fault applies to a request for `operation_id`."""
        return self.times > 0 and self.operation in (ANY_OPERATION, operation_id)


class FaultQueue:
    """Faults in the order tests scripted them; each fires for its next matching requests."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Queue a fault."""
        self._faults.append(fault)
        return fault

    def take(self, operation_id: str | None) -> Fault | None:
        """The first pending fault for this operation, consuming one of its repetitions."""
        for fault in self._faults:
            if fault.matches(operation_id):
                fault.times -= 1
                return fault
        return None

    def pending(self) -> list[Fault]:
        """Faults that have not fired as often as scripted."""
        return [fault for fault in self._faults if fault.times > 0]

    def clear(self) -> None:
        """Drop every pending fault."""
        self._faults.clear()


def json_fault(operation: str, status: int, body: dict[str, Any], *, times: int, label: str, **headers: str) -> Fault:
    """A fault answering with a JSON body."""
    merged = {"content-type": "application/json; charset=utf-8", **headers}
    return Fault(operation, status, json.dumps(body).encode(), merged, times=times, label=label)


def secondary_rate_limit(operation: str, *, retry_after: int | None, status: int, times: int) -> Fault:
    """GitHub's secondary (abuse) limit: 403 (or 429) with Retry-After, while the primary budget is fine."""
    body = error_body(SECONDARY_LIMIT_MESSAGE.format(request_id=request_id()), SECONDARY_LIMIT_DOCS)
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    return json_fault(operation, status, body, times=times, label="secondary-rate-limit", **headers)


def primary_rate_limit(operation: str, *, installation_id: int, reset_in: int, status: int, times: int) -> Fault:
    """The hourly budget exhausted: x-ratelimit-remaining 0 and x-ratelimit-reset when it refills."""
    message = PRIMARY_LIMIT_MESSAGE.format(installation_id=installation_id, request_id=request_id())
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-used": "5000",
        "x-ratelimit-reset": str(int(time.time()) + reset_in),
        "x-ratelimit-resource": "core",
    }
    return json_fault(
        operation, status, error_body(message, PRIMARY_LIMIT_DOCS), times=times, label="primary-rate-limit", **headers
    )


def server_error(operation: str, *, status: int, html: bool, times: int) -> Fault:
    """A 5xx: the HTML "Unicorn!" page GitHub's front end serves, or the API's JSON error."""
    if html:
        headers = {"content-type": "text/html; charset=utf-8"}
        return Fault(operation, status, _UNICORN_PAGE.encode(), headers, times=times, label=f"server-error-{status}")
    message = _SERVER_ERROR_MESSAGES.get(status, "Server Error")
    return json_fault(operation, status, {"message": message}, times=times, label=f"server-error-{status}")


def review_rejection(errors: list[str] | None, *, times: int) -> Fault:
    """The 422 GitHub gives a review with a comment outside the diff (the whole review is refused)."""
    body = error_body("Unprocessable Entity", REVIEW_DOCS, 422, errors=errors or [REVIEW_OUTSIDE_DIFF])
    return json_fault("pulls/create-review", 422, body, times=times, label="review-rejected")


def request_id() -> str:
    """An X-GitHub-Request-Id shaped like GitHub's."""
    raw = uuid.uuid4().hex.upper()
    return f"{raw[:4]}:{raw[4:9]}:{raw[9:16]}:{raw[16:23]}:{raw[23:31]}"
