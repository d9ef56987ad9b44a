"""The REST API: grade a change, read and reset strategies, read and record feedback, analytics, collective stats."""

from __future__ import annotations

import asyncio
import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.engine import ChangedFile, ConfigError, DiffError, grade_change, load_config, parse_diff
from bot.engine.strategy import resolve_strategy
from bot.feedback import record_feedback
from bot.learning.learner import CollectivePriors
from bot.store import analytics, feedback
from bot.store.feedback import LogQuery, NewSignal
from bot.store.installations import is_installed
from bot.store.models import Feedback, utcnow
from bot.web.auth import Principal, repository_of
from bot.web.errors import api_error, problems
from bot.web.intake import parse_json, read_body
from bot.web.keys import GATE, SERVICES
from bot.web.schemas import (
    AnalyticsAnswer,
    CollectiveAnswer,
    CollectiveRule,
    FeedbackEntry,
    FeedbackInput,
    FeedbackPage,
    FeedbackQuery,
    GradeRequest,
    Recorded,
    RepositoriesAnswer,
    ResetAnswer,
    ResetQuery,
    RuleStatistics,
    ScorePoint,
    ThresholdPoint,
)

Model = TypeVar("Model", bound=BaseModel)
MAX_API_BODY = 10 * 1024 * 1024
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
    access = await gate.authorize(request, "grade")  # before reading a body of up to 10 MB
    body = await _body(request, GradeRequest)
    if body.repository is not None and not await access.visible([body.repository]):
        raise api_error(403, "forbidden", f"this token does not cover {body.repository}")
    try:
        config = load_config(body.config) if body.config else None
        changes = _changes(body)
    except (ConfigError, DiffError) as error:
        raise api_error(422, "invalid_input", str(error)) from None
    services = request.app[SERVICES]
    strategy = (
        await services.learning.strategy_for(body.repository, config) if body.repository else resolve_strategy(config)
    )
    heads = {path: _encoded(text) for path, text in body.files.items()}
    bases = {path: _encoded(text) for path, text in body.base_files.items()}
    result = await asyncio.to_thread(
        grade_change, changes, heads.get, bases.get if bases else None, strategy, executor=services.pool
    )
    return _json(result.model_dump(mode="json"))


async def repositories(request: web.Request) -> web.Response:
    """GET /api/repos: the repositories this token may read."""
    access = await request.app[GATE].authorize(request, "read")
    names = await access.visible(await analytics.repositories(request.app[SERVICES].database))
    return _answer(RepositoriesAnswer(repositories=names))


async def get_strategy(request: web.Request) -> web.Response:
    """GET …/strategy: the learned strategy (defaults ◀ collective ◀ learned), as `toasty strategy export` gives it."""
    repository, _ = await _repository(request, "read")
    strategy = await request.app[SERVICES].learning.strategy_for(repository, None)
    return web.Response(text=strategy.to_json(), content_type="application/json")


async def reset_strategy(request: web.Request) -> web.Response:
    """DELETE …/strategy[?rule=R]: learning starts again from here (the log keeps everything)."""
    repository, principal = await _repository(request, "admin")
    rule = _query(request, ResetQuery).rule
    await _require_installed(request, repository)
    services = request.app[SERVICES]
    signal = NewSignal.reset(repository, rule, actor=_actor(principal), source="api")
    await record_feedback(services.database, services.metrics, [signal])
    services.learning.forget(repository)
    return _answer(ResetAnswer(repository=repository, reset=rule or "*"))


async def get_feedback(request: web.Request) -> web.Response:
    """GET …/feedback?rule&signal&actor&since&limit&offset: the log, newest first."""
    repository, _ = await _repository(request, "read")
    filters = _query(request, FeedbackQuery)
    query = LogQuery(
        repository,
        filters.rule,
        filters.signal,
        filters.actor,
        filters.since,
        limit=filters.limit,
        offset=filters.offset,
    )
    rows, total = await feedback.entries(request.app[SERVICES].database, query)
    following = filters.offset + len(rows)
    page = FeedbackPage(
        total=total,
        limit=filters.limit,
        offset=filters.offset,
        next_offset=following if following < total else None,
        entries=[_entry(row) for row in rows],
    )
    return _answer(page)


async def post_feedback(request: web.Request) -> web.Response:
    """POST …/feedback: one entry or a list of entries, appended to the log (they count like any other signal)."""
    repository, _ = await _repository(request, "feedback")
    await _require_installed(request, repository)
    raw = await _raw_json(request)
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > MAX_FEEDBACK_BATCH:
        raise api_error(422, "invalid_input", f"at most {MAX_FEEDBACK_BATCH} entries per request")
    try:
        entries = [FeedbackInput.model_validate(item) for item in items]
    except ValidationError as error:
        raise api_error(422, "invalid_input", problems(error)) from None
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
    services = request.app[SERVICES]
    await record_feedback(services.database, services.metrics, signals)
    return _answer(Recorded(recorded=len(signals)), status=201)


async def get_analytics(request: web.Request) -> web.Response:
    """GET …/analytics: scores over time, findings and acceptance per rule, threshold history."""
    repository, _ = await _repository(request, "read")
    return _answer(await analytics_for(request.app, repository))


async def analytics_for(app: web.Application, repository: str) -> AnalyticsAnswer:
    """A repository's analytics (shared with the dashboard)."""
    services = app[SERVICES]
    database = services.database
    strategy = await services.learning.strategy_for(repository, None)
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
    priors: CollectivePriors = await request.app[SERVICES].learning.current_priors()
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
    repository = repository_of(request)
    return repository, (await request.app[GATE].authorize(request, operation, repository)).principal


async def _require_installed(request: web.Request, repository: str) -> None:
    """Feedback counts toward every tenant's collective priors: it is taken only where the App is installed."""
    if not await is_installed(request.app[SERVICES].database, repository):
        raise api_error(404, "not_installed", f"Toasty is not installed on {repository}, so it takes no feedback there")


def _query(request: web.Request, model: type[Model]) -> Model:
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as error:
        raise api_error(400, "bad_parameter", problems(error).replace("unknown field", "unknown parameter")) from None


def _encoded(text: str) -> bytes:
    """UTF-8 bytes of a JSON string, keeping lone surrogates (valid JSON, not valid UTF-8) as the engine reads files."""
    return text.encode("utf-8", errors="surrogatepass")


async def _raw_json(request: web.Request) -> Any:
    body = await read_body(request, MAX_API_BODY)
    try:
        return parse_json(body)
    except ValueError as error:
        raise api_error(400, "malformed", str(error)) from None


async def _body(request: web.Request, model: type[Model]) -> Model:
    raw = await _raw_json(request)
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise api_error(422, "invalid_input", problems(error)) from None


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


def _actor(principal: Principal) -> str:
    return f"token:{principal.name}"


def _answer(model: BaseModel, status: int = 200) -> web.Response:
    return _json(model.model_dump(mode="json"), status)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _dumps(value: Any) -> str:
    """JSON as the OpenAPI description promises it: never the NaN or Infinity that only Python reads."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)
