"""The REST API: grade a change, read and reset strategies, read and record feedback, analytics, collective stats."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.engine import ChangedFile, ConfigError, DiffError, grade_change, load_config, parse_diff
from bot.engine.config import describe_validation_error, is_rule_id
from bot.engine.strategy import resolve_strategy
from bot.learning.learner import CollectivePriors
from bot.store import analytics, feedback
from bot.store.feedback import LogQuery, NewSignal
from bot.store.models import Feedback, utcnow
from bot.web.auth import Principal, api_error
from bot.web.keys import CONTEXT, GATE
from bot.web.schemas import (
    AnalyticsAnswer,
    CollectiveAnswer,
    CollectiveRule,
    FeedbackEntry,
    FeedbackInput,
    FeedbackPage,
    GradeRequest,
    Recorded,
    RepositoriesAnswer,
    ResetAnswer,
    RuleStatistics,
    ScorePoint,
    ThresholdPoint,
)

Model = TypeVar("Model", bound=BaseModel)
MAX_API_BODY = 10 * 1024 * 1024
MAX_PAGE = 500
MAX_FEEDBACK_BATCH = 1000


def add_routes(app: web.Application) -> None:
    """Every API route (each documented in bot.web.openapi)."""
    app.router.add_post("/api/grade", grade)
    app.router.add_get("/api/repos", repositories)
    app.router.add_get("/api/repos/{owner}/{repo}/strategy", get_strategy)
    app.router.add_delete("/api/repos/{owner}/{repo}/strategy", reset_strategy)
    app.router.add_get("/api/repos/{owner}/{repo}/feedback", get_feedback)
    app.router.add_post("/api/repos/{owner}/{repo}/feedback", post_feedback)
    app.router.add_get("/api/repos/{owner}/{repo}/analytics", get_analytics)
    app.router.add_get("/api/collective", collective)


async def grade(request: web.Request) -> web.Response:
    """POST /api/grade: the same engine and output model as `toasty grade --format json`."""
    gate = request.app[GATE]
    principal = await gate.authorize(request, "grade")  # before reading a body of up to 10 MB
    body = await _body(request, GradeRequest)
    if body.repository is not None:
        await gate.check_repository(principal, body.repository)
    try:
        config = load_config(body.config) if body.config else None
        changes = _changes(body)
    except (ConfigError, DiffError) as error:
        raise api_error(422, "invalid_input", str(error)) from None
    context = request.app[CONTEXT]
    strategy = (
        await context.learning.strategy_for(body.repository, config) if body.repository else resolve_strategy(config)
    )
    heads = {path: _encoded(text) for path, text in body.files.items()}
    bases = {path: _encoded(text) for path, text in body.base_files.items()}
    result = await asyncio.to_thread(
        grade_change, changes, heads.get, bases.get if bases else None, strategy, executor=context.pool
    )
    return _json(result.model_dump(mode="json"))


async def repositories(request: web.Request) -> web.Response:
    """GET /api/repos: the repositories this token may read."""
    principal = await request.app[GATE].authorize(request, "read")
    names = [name for name in await analytics.repositories(request.app[CONTEXT].database) if principal.covers(name)]
    return _answer(RepositoriesAnswer(repositories=names))


async def get_strategy(request: web.Request) -> web.Response:
    """GET …/strategy: the learned strategy (defaults ◀ collective ◀ learned), as `toasty strategy export` gives it."""
    repository, _ = await _repository(request, "read")
    strategy = await request.app[CONTEXT].learning.strategy_for(repository, None)
    return web.Response(text=strategy.to_json(), content_type="application/json")


async def reset_strategy(request: web.Request) -> web.Response:
    """DELETE …/strategy[?rule=R]: learning starts again from here (the log keeps everything)."""
    repository, principal = await _repository(request, "admin")
    rule = request.query.get("rule") or None
    if rule is not None and not is_rule_id(rule):
        raise api_error(422, "unknown_rule", f"{rule!r} is not a rule id (like complexity.cyclomatic)")
    await request.app[CONTEXT].record_feedback(
        [
            NewSignal(
                repository=repository,
                rule=rule or "*",
                content=rule,
                actor=_actor(principal),
                association="OWNER",
                signal="reset",
                source="api",
                occurred_at=utcnow(),
            )
        ]
    )
    request.app[CONTEXT].learning.forget(repository)
    return _answer(ResetAnswer(repository=repository, reset=rule or "*"))


async def get_feedback(request: web.Request) -> web.Response:
    """GET …/feedback?rule&signal&actor&since&limit&offset: the log, newest first."""
    repository, _ = await _repository(request, "read")
    limit = _int(request, "limit", 100, 1, MAX_PAGE)
    offset = _int(request, "offset", 0, 0, 10**9)
    query = LogQuery(
        repository,
        request.query.get("rule"),
        request.query.get("signal"),
        request.query.get("actor"),
        _since(request),
        limit=limit,
        offset=offset,
    )
    rows, total = await feedback.entries(request.app[CONTEXT].database, query)
    following = offset + len(rows)
    page = FeedbackPage(
        total=total,
        limit=limit,
        offset=offset,
        next_offset=following if following < total else None,
        entries=[_entry(row) for row in rows],
    )
    return _answer(page)


async def post_feedback(request: web.Request) -> web.Response:
    """POST …/feedback: one entry or a list of entries, appended to the log (they count like any other signal)."""
    repository, _ = await _repository(request, "feedback")
    raw = await _raw_json(request)
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > MAX_FEEDBACK_BATCH:
        raise api_error(413, "too_many", f"at most {MAX_FEEDBACK_BATCH} entries per request")
    try:
        entries = [FeedbackInput.model_validate(item) for item in items]
    except ValidationError as error:
        raise api_error(422, "invalid_input", describe_validation_error(error).split(": ", 1)[-1]) from None
    signals = [
        NewSignal(
            repository=repository,
            rule=entry.rule,
            signal=entry.signal,
            content=entry.content,
            fingerprint=entry.fingerprint,
            value=entry.value,
            threshold=entry.threshold,
            path=entry.path,
            pull_number=entry.pull_number,
            actor=entry.actor,
            association=entry.association,
            source="api",
            occurred_at=entry.occurred_at or utcnow(),
        )
        for entry in entries
    ]
    await request.app[CONTEXT].record_feedback(signals)
    return _answer(Recorded(recorded=len(signals)), status=201)


async def get_analytics(request: web.Request) -> web.Response:
    """GET …/analytics: scores over time, findings and acceptance per rule, threshold history."""
    repository, _ = await _repository(request, "read")
    return _answer(await analytics_for(request.app, repository))


async def analytics_for(app: web.Application, repository: str) -> AnalyticsAnswer:
    """A repository's analytics (shared with the dashboard)."""
    context = app[CONTEXT]
    database = context.database
    strategy = await context.learning.strategy_for(repository, None)
    counts = await analytics.rule_counts(database, repository)
    rules: dict[str, RuleStatistics] = {}
    for rule in sorted(set(counts) | set(strategy.learned)):
        record = strategy.learned.get(rule)
        found = counts.get(rule)
        settings = strategy.rules.get(rule)
        rules[rule] = RuleStatistics(
            found=found.found if found else 0,
            fixed=found.fixed if found else 0,
            up=record.up if record else 0,
            down=record.down if record else 0,
            fixed_votes=record.fixed if record else 0,
            ignored=record.ignored if record else 0,
            resolved=record.resolved if record else 0,
            usefulness=record.usefulness if record else None,
            delivery=settings.delivery if settings else None,
            threshold=settings.threshold if settings else None,
            in_doubt=record.in_doubt if record else False,
        )
    history = await analytics.thresholds(database, repository)
    return AnalyticsAnswer(
        repository=repository,
        scores=[ScorePoint(**vars_of(point)) for point in await analytics.scores(database, repository)],
        rules=rules,
        thresholds={
            rule: [ThresholdPoint(at=p.at, threshold=p.threshold) for p in points] for rule, points in history.items()
        },
    )


async def collective(request: web.Request) -> web.Response:
    """GET /api/collective: per-rule vote counts and settled thresholds across repositories (counts only)."""
    await request.app[GATE].authorize(request, "read")
    priors: CollectivePriors = request.app[CONTEXT].learning.priors
    return _answer(
        CollectiveAnswer(
            rules={
                rule: CollectiveRule(
                    positive=p.positive, negative=p.negative, repositories=p.repositories, threshold=p.threshold
                )
                for rule, p in sorted(priors.rules.items())
            }
        )
    )


def vars_of(point: Any) -> dict[str, Any]:
    """A slotted dataclass's fields."""
    return {name: getattr(point, name) for name in point.__dataclass_fields__}


async def _repository(request: web.Request, operation: str) -> tuple[str, Principal]:
    repository = f"{request.match_info['owner']}/{request.match_info['repo']}"
    return repository, await request.app[GATE].authorize(request, operation, repository)


def _encoded(text: str) -> bytes:
    """UTF-8 bytes of a JSON string, keeping lone surrogates (valid JSON, not valid UTF-8) as the engine reads files."""
    return text.encode("utf-8", errors="surrogatepass")


async def _raw_json(request: web.Request) -> Any:
    if request.content_length is not None and request.content_length > MAX_API_BODY:
        raise api_error(413, "too_large", f"the body may be at most {MAX_API_BODY // (1024 * 1024)} MB")
    raw = await request.read()
    if len(raw) > MAX_API_BODY:
        raise api_error(413, "too_large", f"the body may be at most {MAX_API_BODY // (1024 * 1024)} MB")
    try:
        return json.loads(raw)
    except ValueError as error:
        raise api_error(400, "malformed", f"the body is not JSON: {error}") from None


async def _body(request: web.Request, model: type[Model]) -> Model:
    raw = await _raw_json(request)
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise api_error(422, "invalid_input", describe_validation_error(error).split(": ", 1)[-1]) from None


def _changes(body: GradeRequest) -> list[ChangedFile]:
    if body.diff:
        return parse_diff(body.diff)
    return [ChangedFile(path=path, status="added", whole_file=True) for path in sorted(body.files)]


def _entry(row: Feedback) -> FeedbackEntry:
    return FeedbackEntry(
        id=row.id,
        rule=row.rule,
        signal=row.signal,
        content=row.content,
        fingerprint=row.fingerprint,
        value=row.value,
        threshold=row.threshold,
        path=row.path,
        pull_number=row.pull_number,
        actor=row.actor,
        association=row.association,
        source=row.source,
        occurred_at=row.occurred_at,
    )


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise api_error(400, "bad_parameter", f"{name} must be a whole number from {low} to {high}")
    return int(text)


def _since(request: web.Request) -> datetime | None:
    text = request.query.get("since")
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise api_error(400, "bad_parameter", "since must be an ISO 8601 date or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _actor(principal: Principal) -> str:
    return f"token:{principal.name}"


def _answer(model: BaseModel, status: int = 200) -> web.Response:
    return _json(model.model_dump(mode="json"), status)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda value: json.dumps(value, ensure_ascii=False))
