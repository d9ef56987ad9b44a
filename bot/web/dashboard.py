"""The operator's dashboard: server-rendered pages (tables work without JavaScript; charts are inline SVG)."""

from __future__ import annotations

import secrets
from collections import Counter
from functools import cache
from typing import Any
from urllib.parse import parse_qs

import jinja2
from aiohttp import web

from bot.engine.rules import CATALOGUE, format_number
from bot.learning.explain import changes
from bot.store import analytics, tokens
from bot.web.api import analytics_for
from bot.web.auth import CSRF_COOKIE, SESSION_COOKIE, SESSION_LIFETIME, Access, Principal, repository_of, same_origin
from bot.web.charts import Point, line_chart, stacked_bars
from bot.web.intake import read_body
from bot.web.keys import GATE, SERVICES, SETTINGS

GREEN, RED, BLUE, GREY = "#2da44e", "#cf222e", "#1f6feb", "#8c959f"
MAX_FORM = 4096
"""The sign-in form holds one token; nothing larger is read."""
COOKIE_FLAGS: dict[str, Any] = {"secure": True, "httponly": True, "samesite": "Strict", "path": "/"}


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


async def _signed_in(request: web.Request, repository: str | None = None) -> Access:
    return await request.app[GATE].authorize(request, "read", repository, page=True)


def _signed_page(request: web.Request, template: str, access: Access, **values: Any) -> web.Response:
    """A page for a signed-in operator: its sign-out form carries the session's CSRF token."""
    session = request.cookies.get(SESSION_COOKIE, "")
    csrf = request.app[GATE].csrf.issue(session)
    return _page(template, principal=access.principal, csrf=csrf, **values)


async def login_form(request: web.Request) -> web.Response:
    """The sign-in form, with a CSRF token that only this browser's cookie matches."""
    csrf = request.cookies.get(CSRF_COOKIE, "")
    if not tokens.well_formed(csrf):
        csrf = secrets.token_urlsafe(32)
    response = _page("login.html", principal=None, error=None, csrf=csrf)
    response.set_cookie(CSRF_COOKIE, csrf, **COOKIE_FLAGS)
    return response


async def login(request: web.Request) -> web.Response:
    """Exchange a token for a session cookie (Secure, HttpOnly, SameSite=Strict), from Toasty's own form only."""
    form = await _form(request)
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not same_origin(request) or not tokens.well_formed(expected) or form.get("csrf") != expected:
        return _page("login.html", status=403, principal=None, csrf="", error=_FORGED)
    secret = form.get("token", "").strip()
    row = await tokens.verify(request.app[SERVICES].database, secret) if secret else None
    if row is None or not Principal.of(row).may("read"):
        error = "That token is unknown, revoked, or cannot read."
        return _page("login.html", status=401, principal=None, error=error, csrf=expected)
    session = await tokens.open_session(request.app[SERVICES].database, row.id, SESSION_LIFETIME)
    response = web.HTTPSeeOther("/")
    response.set_cookie(SESSION_COOKIE, session, max_age=int(SESSION_LIFETIME.total_seconds()), **COOKIE_FLAGS)
    response.del_cookie(CSRF_COOKIE, path="/")
    raise response


async def logout(request: web.Request) -> web.Response:
    """End the session on the server (its cookie stops working everywhere) and forget the cookie."""
    form = await _form(request)
    session = request.cookies.get(SESSION_COOKIE, "")
    if not same_origin(request) or not request.app[GATE].csrf.matches(session, form.get("csrf", "")):
        return _page("login.html", status=403, principal=None, csrf="", error=_FORGED)
    await tokens.close_session(request.app[SERVICES].database, session)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


_FORGED = "This form was not sent from Toasty's own page; open the page and try again."


async def _form(request: web.Request) -> dict[str, str]:
    """A small urlencoded form, each field's first value; 400 when it is not one."""
    body = await read_body(request, MAX_FORM)
    try:
        fields = parse_qs(body.decode("ascii"), max_num_fields=8, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise web.HTTPBadRequest(text="The form is not a URL-encoded form of UTF-8 text.") from None
    return {name: values[0] for name, values in fields.items()}


async def overview(request: web.Request) -> web.Response:
    """Every repository the token covers, with its latest grade, and the latest gradings."""
    access = await _signed_in(request)
    database = request.app[SERVICES].database
    names = await access.visible(await analytics.repositories(database))
    reachable = set(names)
    recent = [g for g in await analytics.recent_gradings(database, limit=200) if g.repository in reachable]
    counts = Counter(g.repository for g in recent)
    rows = []
    for name in names:
        scores = await analytics.scores(database, name, limit=1)
        rows.append({"name": name, "count": counts.get(name, 0), "latest": scores[-1] if scores else None})
    return _signed_page(
        request,
        "overview.html",
        access,
        repositories=rows,
        gradings=recent[:20],
        web_url=request.app[SETTINGS].web_url,
    )


async def repository_page(request: web.Request) -> web.Response:
    """One repository: score trend, acceptance per rule, learned thresholds over time, recent gradings."""
    repository = repository_of(request)
    access = await _signed_in(request, repository)
    answer = await analytics_for(request.app, repository)
    strategy = await request.app[SERVICES].learning.strategy_for(repository, None)
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
    return _signed_page(
        request,
        "repository.html",
        access,
        repository=repository,
        analytics=answer,
        score_chart=score_chart,
        acceptance_chart=stacked_bars(acceptance, f"Trusted votes per rule on {repository}"),
        threshold_charts=threshold_charts,
        learned=[line.replace("`", "") for line in changes(strategy)],
        gradings=await analytics.recent_gradings(request.app[SERVICES].database, repository),
        web_url=request.app[SETTINGS].web_url,
    )


def _moved(rule: str, values: list[float]) -> bool:
    """A threshold worth a chart: it changed, or it differs from the rule's default."""
    default = CATALOGUE[rule].threshold if rule in CATALOGUE else None
    return len(set(values)) > 1 or (default is not None and values[-1] != default)
