"""Building the aiohttp application: routes, and the resources that live as long as the App."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from concurrent.futures import Executor
from functools import partial

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler

from bot.context import Services
from bot.engine.pool import make_pool
from bot.github.auth import AppAuth, GitHubApp
from bot.github.client import GitHubUnavailable, RetryLater
from bot.github.trust import Trust
from bot.jobs.attempts import Attempts
from bot.jobs.deliveries import abandon_delivery, process_delivery
from bot.jobs.queues import make_queue
from bot.jobs.schedule import in_process_scheduler, periodic_work
from bot.learning.service import LearningService
from bot.logs import log_context
from bot.metrics import Metrics
from bot.settings import Settings
from bot.store.db import Database
from bot.store.deliveries import PendingDelivery, Recorder
from bot.store.pull_locks import PullRequestLocks
from bot.web import api, dashboard
from bot.web.auth import CsrfTokens, Gate
from bot.web.health import healthz, metrics_endpoint, readyz
from bot.web.intake import HANDLER_ARGS, LARGE_BODIES_AT_ONCE, LARGE_BODY_SLOTS, bounded_bodies
from bot.web.keys import DATABASE, GATE, RECORDER, ROLE, RUNNER, SERVICES, SETTINGS, WEB_AND_WORKERS, Role
from bot.web.openapi import openapi_document
from bot.web.webhook import receive

log = logging.getLogger(__name__)
GITHUB_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)


def create_app(settings: Settings, pool: Executor | None = None, role: Role = WEB_AND_WORKERS) -> web.Application:
    """The App's web application; resources (database, runner, pool) start with it and stop with it. A worker
    serves only its health and metrics; the web role without workers only records and answers."""
    app = web.Application(middlewares=[bounded_bodies], handler_args=HANDLER_ARGS)
    app[SETTINGS], app[ROLE] = settings, role
    app[LARGE_BODY_SLOTS] = asyncio.Semaphore(LARGE_BODIES_AT_ONCE)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)
    if role.serves:
        app.router.add_post(settings.webhook_path, receive)
        app.router.add_get("/openapi.json", openapi)
        api.add_routes(app)
        dashboard.add_routes(app)
        app.middlewares.insert(0, count_api_requests)  # outermost: refused bodies count too
    app.cleanup_ctx.append(partial(_resources, pool=pool))
    return app


async def _resources(app: web.Application, pool: Executor | None) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    log.info("starting Toasty", extra={"settings": settings.describe()})
    async with contextlib.AsyncExitStack() as stack:  # what was started is stopped, even when starting fails
        session = aiohttp.ClientSession(timeout=GITHUB_TIMEOUT)
        stack.push_async_callback(session.close)
        metrics = Metrics()
        github = await _github_app(settings, session, metrics)
        database = Database(settings.database_url)
        stack.push_async_callback(database.dispose)
        await database.migrate()
        executor = make_pool(settings.analysis_workers) if pool is None else pool
        if pool is None:
            stack.callback(executor.shutdown, wait=True, cancel_futures=True)
        login = github.known_login if github is not None else settings.bot_login
        learning = LearningService(
            database,
            settings.learning_parameters(),
            ignored_actors=frozenset({login} if login else ()),
            on_update=metrics.strategy_updates.inc,
        )
        stack.callback(learning.close)
        services = Services(
            settings=settings,
            database=database,
            github=github,
            pool=executor,
            learning=learning,
            metrics=metrics,
            pull_locks=PullRequestLocks(database),
            trust=Trust(),
        )
        attempts = Attempts(database, partial(_work, services), partial(abandon_delivery, services), metrics)
        periodic = periodic_work(services)
        runner = make_queue(attempts, periodic, concurrency=settings.job_concurrency, metrics=metrics)
        stack.push_async_callback(runner.stop)
        scheduler = in_process_scheduler(periodic) if database.one_process else None
        app[DATABASE], app[SERVICES], app[RUNNER] = database, services, runner
        app[RECORDER] = Recorder(database, defer=runner.defer)
        app[GATE] = Gate(database, CsrfTokens(_session_secret(settings)))
        await learning.start_priors()
        if github is None:
            log.warning(
                "GITHUB_APP_ID and a private key are not set: webhooks are verified and recorded, and will be "
                "processed once the App is restarted with its credentials"
            )
        else:
            if app[ROLE].works:
                await runner.start()
            if scheduler is not None:
                scheduler.start()
                stack.callback(scheduler.shutdown, wait=False)
        yield


def _session_secret(settings: Settings) -> bytes:
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode()
    return secrets.token_bytes(32)  # one replica: sessions last until it restarts


async def openapi(request: web.Request) -> web.Response:
    """The API's OpenAPI 3.1 description."""
    return web.json_response(openapi_document())


@web.middleware
async def count_api_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count API requests by route and status."""
    if not request.path.startswith("/api/"):
        return await handler(request)
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unknown"
    try:
        response = await handler(request)
    except web.HTTPException as error:
        request.app[SERVICES].metrics.api_requests.labels(route, str(error.status)).inc()
        raise
    request.app[SERVICES].metrics.api_requests.labels(route, str(response.status)).inc()
    return response


async def _github_app(settings: Settings, session: aiohttp.ClientSession, metrics: Metrics) -> GitHubApp | None:
    """The App's credentials and its own account: TOASTY_BOT_LOGIN, or asked of GitHub now, so that credentials
    GitHub refuses stop the App with a clear error (None without credentials). If GitHub cannot answer, the App
    starts anyway, recording webhooks, and asks again when it first needs to know."""
    if not settings.has_app_credentials or settings.github_app_id is None:
        return None
    auth = AppAuth(
        session,
        app_id=settings.github_app_id,
        private_key=settings.private_key(),
        base_url=settings.github_api_url,
        graphql_url=settings.graphql_url,
        inline_wait=settings.inline_wait_seconds,
        observe=metrics.observe_github,
    )
    app = GitHubApp(auth, settings.bot_login)
    try:
        await app.login()
    except (GitHubUnavailable, RetryLater) as error:
        log.warning("GitHub did not say which account is the App's (%s): it will be asked again when needed", error)
    return app


async def _work(services: Services, delivery: PendingDelivery) -> None:
    with log_context(
        delivery=delivery.id,
        event=f"{delivery.event}.{delivery.action}",
        repository=delivery.repository,
        installation=delivery.installation_id,
        attempt=delivery.attempt,
    ):
        await process_delivery(services, delivery)
