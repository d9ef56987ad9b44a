"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from aiohttp import web

from bot.web.keys import DATABASE, RUNNER, SERVICES


async def healthz(request: web.Request) -> web.Response:
    """The process is up and serving."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The database answers and its migrations are applied: ready for webhooks."""
    ready, reason = await request.app[DATABASE].is_ready()
    return web.json_response(
        {"status": "ok" if ready else "unavailable", "reason": reason}, status=200 if ready else 503
    )


async def metrics_endpoint(request: web.Request) -> web.Response:
    """Prometheus scrape target (the queue's gauges measured first: on PostgreSQL they span every replica)."""
    await request.app[RUNNER].measure()
    return web.Response(body=request.app[SERVICES].metrics.exposition(), content_type="text/plain", charset="utf-8")
