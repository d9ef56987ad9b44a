"""The App's own account is known from the start (TOASTY_BOT_LOGIN, or asked of GitHub once) and handed to learning
when it is built, so no vote of the App's ever counts; credentials GitHub refuses stop the App, while a GitHub that
cannot answer does not keep it from recording webhooks."""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

import pytest
from gidgethub import BadRequest

from bot.github.client import MAX_ATTEMPTS
from bot.jobs.reactions import poll_reactions
from bot.web.keys import SERVICES
from tests.app.conftest import app_settings, start_app
from tests.app.scenarios import RISKY, UTIL
from tests.fakegithub import FakeGitHub


def sqlite(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'toasty.db'}"


async def test_without_toasty_bot_login_the_app_asks_github_once_when_it_starts(
    fake_github: FakeGitHub, tmp_path: Path, analysis_pool: Executor
) -> None:
    running = await start_app(app_settings(fake_github, sqlite(tmp_path), TOASTY_BOT_LOGIN=None), analysis_pool)
    try:
        assert fake_github.count("apps/get-authenticated") == 1
        services = running.app[SERVICES]
        assert services.github is not None
        assert services.github.known_login == "toasty[bot]"
        assert services.learning.ignored_actors == frozenset({"toasty[bot]"})
        pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
        opened = fake_github.webhook("pull_request", "opened.payload", pull=pull)
        assert (await fake_github.deliver(opened, running.webhook_url)).status_code == 202
        await running.settle()
        fake_github.react(next(iter(pull.review_comments.values())), "+1", user="toasty[bot]", bot=True)
        assert (await poll_reactions(services)).signals == 0  # its own reaction is not a vote
    finally:
        await running.server.close()
    assert fake_github.count("apps/get-authenticated") == 1  # never again


async def test_with_toasty_bot_login_github_is_not_asked(
    fake_github: FakeGitHub, tmp_path: Path, analysis_pool: Executor
) -> None:
    settings = app_settings(fake_github, sqlite(tmp_path), TOASTY_BOT_LOGIN="toasty-staging[bot]")
    running = await start_app(settings, analysis_pool)
    try:
        assert running.app[SERVICES].learning.ignored_actors == frozenset({"toasty-staging[bot]"})
    finally:
        await running.server.close()
    assert fake_github.count("apps/get-authenticated") == 0


async def test_without_credentials_learning_ignores_the_configured_login_only(
    fake_github: FakeGitHub, tmp_path: Path, analysis_pool: Executor
) -> None:
    for login, ignored in ((None, frozenset()), ("toasty[bot]", frozenset({"toasty[bot]"}))):
        settings = app_settings(fake_github, sqlite(tmp_path), GITHUB_APP_ID=None, TOASTY_BOT_LOGIN=login)
        running = await start_app(settings, analysis_pool)
        try:
            assert running.app[SERVICES].github is None
            assert running.app[SERVICES].learning.ignored_actors == ignored
        finally:
            await running.server.close()
    assert fake_github.count() == 0


async def test_credentials_github_refuses_stop_the_app_at_start(
    fake_github: FakeGitHub, tmp_path: Path, analysis_pool: Executor
) -> None:
    fake_github.fail_next("apps/get-authenticated", status=401)
    with pytest.raises(BadRequest):
        await start_app(app_settings(fake_github, sqlite(tmp_path), TOASTY_BOT_LOGIN=None), analysis_pool)
    assert not (tmp_path / "toasty.db").exists()  # refused before anything else was set up


async def test_a_github_that_cannot_answer_at_start_does_not_keep_the_app_from_working(
    fake_github: FakeGitHub, tmp_path: Path, analysis_pool: Executor
) -> None:
    fake_github.fail_next("apps/get-authenticated", status=502, times=MAX_ATTEMPTS)
    running = await start_app(app_settings(fake_github, sqlite(tmp_path), TOASTY_BOT_LOGIN=None), analysis_pool)
    try:
        assert running.app[SERVICES].github.known_login is None
        pull = fake_github.add_repo("octo/demo").add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
        opened = fake_github.webhook("pull_request", "opened.payload", pull=pull)
        assert (await fake_github.deliver(opened, running.webhook_url)).status_code == 202  # recorded meanwhile
        await running.settle()
        (run,) = pull.repo.check_runs.values()
        assert run.status == "completed"  # the delivery asked for the App's account once GitHub answered
        assert running.app[SERVICES].github.known_login == "toasty[bot]"
        assert len(pull.reviews) == 1
    finally:
        await running.server.close()
