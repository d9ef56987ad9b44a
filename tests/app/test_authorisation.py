"""Authorisation, route by route: installation limits, bearer-only API, unforgeable sign-in and sign-out, sessions
that end on the server, rate-limited pages, feedback only where the App is installed, and logs without secrets."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.logs import QUIET, configure_logging
from bot.store import tokens
from bot.store.installations import installations_by_repository
from bot.store.models import Feedback
from bot.store.tokens import NewToken
from tests.app.conftest import RunningApp, install
from tests.app.http import raw_request
from tests.fakegithub import FakeGitHub

ENTRY = {"rule": "complexity.cyclomatic", "signal": "reaction", "content": "-1", "actor": "maintainer"}


class Browser:
    """A browser on Toasty's dashboard: its cookies, and the Origin its forms are sent from."""

    def __init__(self, toasty: RunningApp, origin: str | None = None) -> None:
        self.toasty = toasty
        self.origin = origin or str(toasty.server.make_url("")).rstrip("/")
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, **options: Any) -> tuple[int, str, dict[str, str]]:
        headers = {"Origin": self.origin, **options.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        async with (
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
            session.request(
                method, self.toasty.url(path), headers=headers, allow_redirects=False, **options
            ) as response,
        ):
            for name, morsel in response.cookies.items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
            return response.status, await response.text(), dict(response.headers)

    async def sign_in(self, secret: str) -> int:
        _, page, _ = await self.request("GET", "/login")
        status, _, _ = await self.request("POST", "/login", data={"token": secret, "csrf": csrf_of(page)})
        return status


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


async def token(toasty: RunningApp, *operations: str, **options: Any) -> str:
    secret, _ = await tokens.create(toasty.database, NewToken("t", operations, **options))
    return secret


async def api(toasty: RunningApp, method: str, path: str, secret: str | None, **options: Any) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, toasty.url(path), headers={**headers, **options.pop("headers", {})}, **options) as r,
    ):
        return r.status, await r.json(content_type=None)


async def feedback_count(toasty: RunningApp) -> int:
    async with toasty.database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Feedback)) or 0)


async def test_installation_limited_tokens_see_only_their_installations(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    await install(fake_github, toasty, "octo/demo")
    await install(fake_github, toasty, "other/secret")
    installation = (await installations_by_repository(toasty.database))["octo/demo"]
    secret = await token(toasty, "read", installations=(installation,))
    assert await api(toasty, "GET", "/api/repos", secret) == (200, {"repositories": ["octo/demo"]})
    assert (await api(toasty, "GET", "/api/repos/other/secret/analytics", secret))[0] == 403
    browser = Browser(toasty)
    assert await browser.sign_in(secret) == 303
    status, overview, _ = await browser.request("GET", "/")
    assert status == 200
    assert "octo/demo" in overview
    assert "other/secret" not in overview
    assert (await browser.request("GET", "/repos/other/secret"))[0] == 404
    assert (await browser.request("GET", "/repos/octo/demo"))[0] == 200


async def test_the_session_cookie_authenticates_no_api_route(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    await install(fake_github, toasty, "octo/demo")
    browser = Browser(toasty, origin="https://evil.example")
    assert await Browser(toasty).sign_in(await token(toasty, "admin")) == 303
    signed_in = Browser(toasty)
    await signed_in.sign_in(await token(toasty, "admin"))
    browser.cookies = dict(signed_in.cookies)  # the victim's browser, on another site's page
    cross_site = {"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site"}
    status, _, _ = await browser.request(
        "POST", "/api/repos/octo/demo/feedback", data=json.dumps(ENTRY), headers=cross_site
    )
    assert status == 401
    assert (await browser.request("DELETE", "/api/repos/octo/demo/strategy", headers=cross_site))[0] == 401
    assert (await signed_in.request("GET", "/api/repos"))[0] == 401  # not even reads: the API takes bearer tokens
    assert await feedback_count(toasty) == 0


async def test_sign_in_cannot_be_forced_from_another_site(toasty: RunningApp) -> None:
    attacker = await token(toasty, "read")
    without_token = Browser(toasty)
    assert (await without_token.request("POST", "/login", data={"token": attacker}))[0] == 403
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        victim = Browser(toasty)
        _, page, _ = await victim.request("GET", "/login")
        status, _, _ = await victim.request(
            "POST", "/login", data={"token": attacker, "csrf": csrf_of(page)}, headers=headers
        )
        assert status == 403
        assert "toasty_session" not in victim.cookies
    forged = Browser(toasty)
    forged.cookies["toasty_csrf"] = "chosen-by-the-attacker-0123456789"
    status, _, _ = await forged.request("POST", "/login", data={"token": attacker, "csrf": "something-else-entirely"})
    assert status == 403


async def test_sign_out_ends_the_session_on_the_server_and_cannot_be_forced(toasty: RunningApp) -> None:
    browser = Browser(toasty)
    assert await browser.sign_in(await token(toasty, "read")) == 303
    stolen = dict(browser.cookies)
    status, page, _ = await browser.request("GET", "/")
    assert status == 200
    assert (await browser.request("POST", "/logout", data={}))[0] == 403  # no CSRF token: another site's form
    evil = Browser(toasty, origin="https://evil.example")
    evil.cookies = dict(browser.cookies)
    assert (await evil.request("POST", "/logout", data={"csrf": csrf_of(page)}))[0] == 403
    assert (await browser.request("GET", "/"))[0] == 200  # still signed in
    status, _, headers = await browser.request("POST", "/logout", data={"csrf": csrf_of(page)})
    assert (status, headers["Location"]) == (303, "/login")
    replay = Browser(toasty)
    replay.cookies = stolen
    status, _, headers = await replay.request("GET", "/")
    assert (status, headers["Location"]) == (303, "/login")  # the old cookie no longer opens anything


async def test_a_revoked_token_ends_its_sessions(toasty: RunningApp) -> None:
    secret, row = await tokens.create(toasty.database, NewToken("soon revoked", ("read",)))
    browser = Browser(toasty)
    await browser.sign_in(secret)
    assert (await browser.request("GET", "/"))[0] == 200
    await tokens.revoke(toasty.database, [row.id])
    assert (await browser.request("GET", "/"))[0] == 303


async def test_dashboard_pages_are_rate_limited(toasty: RunningApp) -> None:
    browser = Browser(toasty)
    await browser.sign_in(await token(toasty, "read", rate_per_minute=3))
    statuses = [(await browser.request("GET", "/"))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


async def test_feedback_is_taken_only_for_installed_repositories(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    await install(fake_github, toasty, "octo/demo")
    writer = await token(toasty, "admin")
    status, body = await api(toasty, "POST", "/api/repos/nobody/installed/feedback", writer, json=ENTRY)
    assert (status, body["error"]["code"]) == (404, "not_installed")
    assert (await api(toasty, "DELETE", "/api/repos/nobody/installed/strategy", writer))[0] == 404
    assert await feedback_count(toasty) == 0
    assert (await api(toasty, "POST", "/api/repos/octo/demo/feedback", writer, json=ENTRY))[0] == 201


@pytest.fixture
def debug_logs() -> Iterator[io.StringIO]:
    """The App's logging as `TOASTY_LOG_LEVEL=DEBUG` configures it, written here instead of stderr; then restored."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {name: logging.getLogger(name).level for name in QUIET})
    server_filters = logging.getLogger("aiohttp.server").filters[:]
    configure_logging("DEBUG", "json")
    written = io.StringIO()
    for handler in root.handlers:
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(written)
    yield written
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger("aiohttp.server").filters[:] = server_filters


async def test_logs_at_every_level_hold_no_token_digest_and_no_webhook_body(
    fake_github: FakeGitHub, toasty: RunningApp, debug_logs: io.StringIO
) -> None:
    await install(fake_github, toasty, "octo/demo")
    secret = await token(toasty, "admin")
    marker = "def leaked_source_code(): pass"
    repo = fake_github.add_repo("octo/marked")
    delivery = fake_github.webhook(
        "installation_repositories", "added.payload", repo=repo, modify=lambda p: p.update(quoted=marker)
    )
    assert (await fake_github.deliver(delivery, toasty.webhook_url)).status_code == 202
    await toasty.settle()
    assert (await api(toasty, "GET", "/api/repos", secret))[0] == 200
    assert (await api(toasty, "POST", "/api/repos/octo/demo/feedback", secret, json=ENTRY))[0] == 201
    assert await Browser(toasty).sign_in(secret) == 303
    for _ in range(3):  # requests aiohttp cannot parse: one debug line each, no traceback
        status, _, _ = await raw_request(toasty.webhook_url, "POST", [("X-GitHub-Event", b"p\x01ng")], b"{}")
        assert status == 400
    written = debug_logs.getvalue()
    assert '"level": "debug"' in written  # DEBUG was on
    assert tokens.digest(secret) not in written
    assert marker not in written
    assert "Traceback" not in written
