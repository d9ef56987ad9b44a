"""The client's policies, on their own: rate-limit waits, and writes serialised per installation."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from bot.github.client import SECONDARY_LIMIT_WAIT, GitHubClient, rate_limit_wait
from tests.fakegithub import FakeGitHub


def test_rate_limit_waits_follow_githubs_headers() -> None:
    assert rate_limit_wait(403, {"retry-after": "7"}, b"{}") == 7
    reset = str(int(time.time()) + 120)
    assert 100 < (rate_limit_wait(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}, b"") or 0) <= 122
    secondary = b'{"message": "You have exceeded a secondary rate limit."}'
    assert rate_limit_wait(403, {}, secondary) == SECONDARY_LIMIT_WAIT
    assert rate_limit_wait(403, {}, b'{"message": "Resource not accessible by integration"}') is None
    assert rate_limit_wait(200, {"retry-after": "3"}, b"") is None


async def test_writes_of_one_installation_go_one_at_a_time(fake_github: FakeGitHub) -> None:
    repo = fake_github.add_repo("octo/demo")
    sha = repo.commit({"a.py": "x = 1\n"}, branch="main")
    token = fake_github.token_for(repo)
    lock = asyncio.Lock()
    fake_github.delay_next("checks/create", seconds=0.3, times=2)
    async with aiohttp.ClientSession() as session:
        clients = [
            GitHubClient(
                session,
                base_url=fake_github.api_url,
                graphql_url=fake_github.graphql_url,
                oauth_token=token,
                write_lock=lock,
            )
            for _ in range(2)
        ]
        started = time.monotonic()
        await asyncio.gather(
            *(c.post(f"/repos/{repo.full_name}/check-runs", data={"name": "t", "head_sha": sha}) for c in clients)
        )
        elapsed = time.monotonic() - started
    assert elapsed >= 0.6  # the second write waited for the first
    assert fake_github.count("checks/create") == 2
