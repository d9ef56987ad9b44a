"""The REST API's request and response bodies (pydantic models: validated on the way in, documented in OpenAPI)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from bot.engine.config import RULE_ID_PATTERN

MAX_GRADE_FILES = 3000
MAX_OFFSET = 10**9
MAX_INT32 = 2**31 - 1
"""The feedback log's integer columns are 32-bit on PostgreSQL."""
MOMENT_PATTERN = (
    r"^(19[7-9][0-9]|2[0-9]{3})-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
"""An RFC 3339 date-time with its offset, between the years 1970 and 2999 (so it converts to UTC and back)."""
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
"""Printable text: no control characters (PostgreSQL's text refuses NUL) and, being matched, no lone surrogates."""


def _moment(value: Any) -> datetime:
    """An RFC 3339 text as a UTC datetime (a datetime from Python code is taken if it carries its zone)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    if isinstance(value, str) and re.fullmatch(MOMENT_PATTERN, value, re.ASCII):
        try:
            return datetime.fromisoformat(value.upper().replace("Z", "+00:00")).astimezone(UTC)
        except (ValueError, OverflowError):
            pass
    raise ValueError("must be an RFC 3339 date-time with an offset, from 1970 to 2999 (like 2026-01-31T12:00:00Z)")


def _whole_number(value: Any) -> Any:
    """Query parameters are text: only plain digits make a whole number (not `+5`, ` 5` or `5_0`)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,12}", value, re.ASCII):
        raise ValueError("must be a whole number")
    return value


def _json_number(value: Any) -> Any:
    """A JSON number as JSON Schema reads one: `5.0` is an integer, but `true` and `"5"` are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    return value


Moment = Annotated[
    datetime,
    BeforeValidator(_moment),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}),
]
Text = Annotated[str, Field(pattern=TEXT_PATTERN)]
RuleId = Annotated[str, Field(pattern=RULE_ID_PATTERN, max_length=80)]
QueryInt = Annotated[int, BeforeValidator(_whole_number)]
Number = Annotated[float, Field(allow_inf_nan=False), BeforeValidator(_json_number)]
"""Constraints go before the validator: after it, pydantic still checks them but leaves them out of the schema."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GradeRequest(_Body):
    """A change to grade: a unified diff with the files' contents, or just files (graded outright)."""

    diff: str | None = Field(default=None, description="A unified diff (git diff); only its changed lines are judged.")
    files: dict[str, str] = Field(
        default_factory=dict, max_length=MAX_GRADE_FILES, description="Path → content after the change."
    )
    base_files: dict[str, str] = Field(
        default_factory=dict, max_length=MAX_GRADE_FILES, description="Path → content before it (for before → after)."
    )
    config: str | None = Field(default=None, description="A `.github/toasty.yml` text to grade with.")
    repository: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
        description="Grade with this repository's learned strategy (the token must cover it).",
    )


class ErrorDetail(_Body):
    """What went wrong."""

    code: str
    message: str


class ErrorBody(_Body):
    """Every error answer: 400, 401, 403, 404, 408, 413, 415, 422 and 429."""

    error: ErrorDetail


class ResetAnswer(_Body):
    """A strategy reset: learning starts again from here; the feedback log keeps everything."""

    repository: str
    reset: str = Field(description="The rule reset, or `*` for every rule.")


class FeedbackEntry(_Body):
    """One row of the append-only feedback log."""

    id: int
    rule: str
    signal: str
    content: str | None = None
    fingerprint: str | None = None
    value: float | None = None
    threshold: float | None = None
    path: str | None = None
    pull_number: int | None = None
    actor: str
    association: str
    source: str
    occurred_at: datetime


class FeedbackPage(_Body):
    """A page of the feedback log, newest first."""

    total: int
    limit: int
    offset: int
    next_offset: int | None
    entries: list[FeedbackEntry]


class FeedbackInput(_Body):
    """Feedback recorded from elsewhere (another review tool, a survey): it counts like any other signal."""

    rule: RuleId
    signal: Literal[
        "reaction", "reaction_removed", "ignore", "mute", "unmute", "resolved", "unresolved", "fixed", "external"
    ]
    content: Text | None = Field(default=None, max_length=32, description="For reactions: +1, -1, heart…")
    fingerprint: Text | None = Field(default=None, max_length=64)
    value: Number | None = None
    threshold: Number | None = None
    path: Text | None = Field(default=None, max_length=1024)
    pull_number: Annotated[int, Field(ge=1, le=MAX_INT32), BeforeValidator(_json_number)] | None = None
    actor: Text = Field(min_length=1, max_length=256)
    association: Literal[
        "OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "NONE", "BOT"
    ] = "NONE"
    occurred_at: Moment | None = None


class FeedbackQuery(_Body):
    """Filters and paging for reading the feedback log (query parameters; others are refused)."""

    rule: RuleId | None = Field(default=None, description="Only this rule")
    signal: (
        Literal[
            "reaction",
            "reaction_removed",
            "ignore",
            "mute",
            "unmute",
            "resolved",
            "unresolved",
            "fixed",
            "external",
            "reset",
            "posted",
        ]
        | None
    ) = Field(default=None, description="Only this signal")
    actor: Text | None = Field(default=None, min_length=1, max_length=256, description="Only this actor")
    since: Moment | None = Field(default=None, description="Only since (RFC 3339)")
    limit: QueryInt = Field(default=100, ge=1, le=500, description="Page size")
    offset: QueryInt = Field(default=0, ge=0, le=MAX_OFFSET, description="Entries to skip")


class ResetQuery(_Body):
    """Which rule a strategy reset applies to (a query parameter; without it, every rule)."""

    rule: RuleId | None = Field(default=None, description="Only this rule")


class Recorded(_Body):
    """How many feedback entries were appended."""

    recorded: int


class ScorePoint(_Body):
    """One completed grading."""

    pull_number: int
    head_sha: str
    score: float
    grade: str
    findings: int
    comments: int
    finished_at: datetime


class RuleStatistics(_Body):
    """A rule on this repository: how often it fired and was fixed, and the team's trusted votes on it."""

    found: int = 0
    fixed: int = 0
    up: int = 0
    down: int = 0
    fixed_votes: int = 0
    ignored: int = 0
    resolved: int = 0
    usefulness: float | None = None
    delivery: str | None = None
    threshold: float | None = None
    in_doubt: bool = False
    """The votes leave open whether the rule is worth a comment: it comments, or is asked about, once per review."""


class ThresholdPoint(_Body):
    """A threshold as of one learned strategy."""

    at: datetime
    threshold: float


class AnalyticsAnswer(_Body):
    """Scores over time, per-rule statistics and acceptance, and each threshold's history."""

    repository: str
    scores: list[ScorePoint]
    rules: dict[str, RuleStatistics]
    thresholds: dict[str, list[ThresholdPoint]]


class CollectiveRule(_Body):
    """What teams across the deployment said about one rule: counts only, never code."""

    positive: float
    negative: float
    repositories: int
    threshold: float | None = None


class CollectiveAnswer(_Body):
    """Cross-repository statistics per rule."""

    rules: dict[str, CollectiveRule]


class RepositoriesAnswer(_Body):
    """Repositories the token can see."""

    repositories: list[str]
