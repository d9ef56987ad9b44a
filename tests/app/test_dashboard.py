"""The dashboard in a real headless browser (Debian's chromium, driven by Playwright), with a screenshot."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.jobs.reactions import poll_reactions
from bot.report.comment import parse_marker
from bot.store import feedback, tokens
from bot.store.feedback import NewSignal
from bot.store.models import utcnow
from bot.store.tokens import NewToken
from bot.web.keys import SERVICES
from tests.app.conftest import RunningApp
from tests.app.scenarios import RISKY, UTIL
from tests.fakegithub import FakeGitHub

CHROMIUM = os.environ.get("TOASTY_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Chromium, or a skip that says why (a failure where CI requires the browser)."""
    required = os.environ.get("TOASTY_REQUIRE_BROWSER") == "1"
    missing = None
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing = "the playwright package is not installed"
    if missing is None and not shutil.which(CHROMIUM):
        missing = f"no chromium at {CHROMIUM} (apt-get install chromium)"
    if missing is not None:
        if required:
            pytest.fail(f"dashboard browser tests are mandatory here, but {missing}")
        pytest.skip(f"dashboard browser tests skipped: {missing}")
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        await instance.close()


async def active_repository(fake: FakeGitHub, toasty: RunningApp) -> None:
    """A graded pull request, reactions polled, and a threshold that moved twice."""
    repo = fake.add_repo("octo/demo")
    repo.set_permission("maintainer", "write")
    pull = repo.add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    await fake.deliver(fake.webhook("pull_request", "opened.payload", pull=pull), toasty.webhook_url)
    await toasty.settle()
    for comment in pull.review_comments.values():
        fake.react(comment, "+1" if parse_marker(comment.body)[1] == "security.eval" else "-1", user="maintainer")  # type: ignore[index]
    await poll_reactions(toasty.app[SERVICES])
    learning = toasty.app[SERVICES].learning
    for values in ((12, 13, 14), (15, 16)):
        await feedback.append(
            toasty.database,
            [
                NewSignal(
                    repository="octo/demo",
                    rule="complexity.cyclomatic",
                    fingerprint=f"c{v}",
                    value=float(v),
                    actor="maintainer",
                    association="MEMBER",
                    signal="reaction",
                    content="-1",
                    source="api",
                    occurred_at=utcnow() - timedelta(minutes=20 - v),
                )
                for v in values
            ],
        )
        await learning.strategy_for("octo/demo", None, for_grading=True)  # as the next grading would


async def test_sign_in_overview_repository_page_and_screenshot(
    fake_github: FakeGitHub, toasty: RunningApp, browser: Any, tmp_path: Path
) -> None:
    await active_repository(fake_github, toasty)
    secret, _ = await tokens.create(toasty.database, NewToken("dashboard", ("read",)))
    page = await browser.new_page()
    await page.goto(toasty.url("/"))
    assert page.url.endswith("/login")
    await page.fill("#token", "toasty_wrong")
    await page.click("button[type=submit]")
    assert "unknown, revoked, or cannot read" in await page.inner_text("[role=alert]")
    await page.fill("#token", secret)
    await page.click("button[type=submit]")
    await page.wait_for_url(toasty.url("/"))
    (cookie,) = await page.context.cookies()
    assert (cookie["name"], cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (
        "toasty_session",
        True,
        True,
        "Strict",
    )
    assert "octo/demo" in await page.inner_text("main")
    await page.click("text=octo/demo >> nth=0")
    await page.wait_for_url(toasty.url("/repos/octo/demo"))
    assert await page.locator("svg[aria-label='Score of each graded commit of octo/demo'] circle").count() == 1
    assert await page.locator("svg[aria-label='Trusted votes per rule on octo/demo'] rect").count() >= 2
    assert await page.locator("svg[aria-label='Threshold of complexity.cyclomatic over time'] circle").count() == 3
    body = await page.inner_text("main")
    assert "complexity.cyclomatic threshold 10 → 16 after 5 👎" in body  # 12 after three votes, then 14, then 16
    link = page.locator("a", has_text="octo/demo#").first
    assert await link.get_attribute("href") == f"{toasty.settings.web_url}/octo/demo/pull/1"
    screenshot = tmp_path / "dashboard.png"
    await page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / f"dashboard-{toasty.settings.database_url.split('+')[0]}.png")
    await page.click("text=Sign out")
    await page.wait_for_url(toasty.url("/login"))


async def test_tables_work_without_javascript(fake_github: FakeGitHub, toasty: RunningApp, browser: Any) -> None:
    await active_repository(fake_github, toasty)
    secret, _ = await tokens.create(toasty.database, NewToken("no-js", ("read",), ("octo/*",)))
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(toasty.url("/login"))
    await page.fill("#token", secret)
    await page.click("button[type=submit]")
    await page.goto(toasty.url("/repos/octo/demo"))
    rows = await page.locator("section[aria-labelledby=acceptance] tbody tr").all_inner_texts()
    assert any(row.startswith("security.eval") for row in rows)
    response = await page.goto(toasty.url("/repos/other/repo"))
    assert response.status == 404  # outside the token's repositories
    await context.close()
