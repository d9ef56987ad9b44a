"""The operator's dashboard: server-rendered pages (tables work without JavaScript; charts are inline SVG)."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

import jinja2
from aiohttp import web

from bot.engine.rules import CATALOGUE, format_number
from bot.learning.explain import changes
from bot.store import analytics, tokens
from bot.web.api import analytics_for
from bot.web.auth import SESSION_COOKIE, SESSION_HOURS, Principal
from bot.web.charts import Point, line_chart, stacked_bars
from bot.web.keys import CONTEXT, GATE, SETTINGS

GREEN, RED, BLUE, GREY = "#2da44e", "#cf222e", "#1f6feb", "#8c959f"


def add_routes(app: web.Application) -> None:
    """The dashboard's pages."""
    app.router.add_get("/", overview)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/repos/{owner}/{repo}", repository_page)


@cache
def _templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    environment.filters["number"] = format_number
    return environment


def _page(template: str, status: int = 200, **values: Any) -> web.Response:
    html = _templates().get_template(template).render(**values)
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    return response


async def _signed_in(request: web.Request) -> Principal:
    principal = await request.app[GATE].identify(request)
    if principal is None or not principal.may("read"):
        raise web.HTTPSeeOther("/login")
    return principal


async def login_form(request: web.Request) -> web.Response:
    """The sign-in form."""
    return _page("login.html", principal=None, error=None)


async def login(request: web.Request) -> web.Response:
    """Exchange a token for a session cookie (Secure, HttpOnly, SameSite=Strict)."""
    form = await request.post()
    secret = str(form.get("token", "")).strip()
    row = await tokens.verify(request.app[CONTEXT].database, secret) if secret else None
    if row is None or not Principal.of(row).may("read"):
        return _page("login.html", status=401, principal=None, error="That token is unknown, revoked, or cannot read.")
    response = web.HTTPSeeOther("/")
    response.set_cookie(
        SESSION_COOKIE,
        request.app[GATE].sessions.issue(row.id),
        max_age=SESSION_HOURS * 3600,
        secure=True,
        httponly=True,
        samesite="Strict",
        path="/",
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    """Forget the session."""
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def overview(request: web.Request) -> web.Response:
    """Every repository the token covers, with its latest grade, and the latest gradings."""
    principal = await _signed_in(request)
    database = request.app[CONTEXT].database
    names = [name for name in await analytics.repositories(database) if principal.covers(name)]
    recent = [g for g in await analytics.recent_gradings(database, limit=200) if principal.covers(g.repository)]
    counts = Counter(g.repository for g in recent)
    rows = []
    for name in names:
        scores = await analytics.scores(database, name, limit=1)
        rows.append({"name": name, "count": counts.get(name, 0), "latest": scores[-1] if scores else None})
    return _page(
        "overview.html",
        principal=principal,
        repositories=rows,
        gradings=recent[:20],
        web_url=request.app[SETTINGS].web_url,
    )


async def repository_page(request: web.Request) -> web.Response:
    """One repository: score trend, acceptance per rule, learned thresholds over time, recent gradings."""
    principal = await _signed_in(request)
    repository = f"{request.match_info['owner']}/{request.match_info['repo']}"
    if not principal.covers(repository):
        raise web.HTTPNotFound(text="This token does not cover that repository.")
    answer = await analytics_for(request.app, repository)
    strategy = await request.app[CONTEXT].learning.strategy_for(repository, None)
    score_chart = line_chart(
        [Point(f"#{p.pull_number} {p.head_sha[:7]}", p.score) for p in answer.scores],
        f"Score of each graded commit of {repository}",
        bands=True,
    )
    acceptance = [
        (rule, [("👍", s.up, GREEN), ("fixed", s.fixed_votes, BLUE), ("👎", s.down, RED), ("ignored", s.ignored, GREY)])
        for rule, s in answer.rules.items()
        if s.up + s.down + s.fixed_votes + s.ignored
    ]
    threshold_charts = [
        (
            rule,
            line_chart(
                [Point(p.at.strftime("%Y-%m-%d %H:%M"), p.threshold) for p in points],
                f"Threshold of {rule} over time",
                low=min(p.threshold for p in points) * 0.8,
                high=max(p.threshold for p in points) * 1.2,
            ),
        )
        for rule, points in answer.thresholds.items()
        if _moved(rule, [p.threshold for p in points])
    ]
    return _page(
        "repository.html",
        principal=principal,
        repository=repository,
        analytics=answer,
        score_chart=score_chart,
        acceptance_chart=stacked_bars(acceptance, f"Trusted votes per rule on {repository}"),
        threshold_charts=threshold_charts,
        learned=[line.replace("`", "") for line in changes(strategy)],
        gradings=await analytics.recent_gradings(request.app[CONTEXT].database, repository),
        web_url=request.app[SETTINGS].web_url,
    )


def _moved(rule: str, values: list[float]) -> bool:
    """A threshold worth a chart: it changed, or it differs from the rule's default."""
    default = CATALOGUE[rule].threshold if rule in CATALOGUE else None
    return len(set(values)) > 1 or (default is not None and values[-1] != default)
