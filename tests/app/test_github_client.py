"""The client's policies, on their own: rate-limit waits, and writes serialised per installation."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from bot.github.auth import AppAuth
from bot.github.client import SECONDARY_LIMIT_WAIT, GitHubClient, GitHubUnavailable, rate_limit_wait
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


async def test_a_post_that_github_may_have_applied_is_not_sent_again(fake_github: FakeGitHub) -> None:
    repo = fake_github.add_repo("octo/demo")
    sha = repo.commit({"a.py": "x = 1\n"}, branch="main")
    fake_github.server_error_after_next("checks/create", status=502)
    fake_github.server_error_next("graphql", status=502)
    async with aiohttp.ClientSession() as session:
        client = GitHubClient(
            session,
            base_url=fake_github.api_url,
            graphql_url=fake_github.graphql_url,
            oauth_token=token_of(fake_github),
        )
        with pytest.raises(GitHubUnavailable):
            await client.post(f"/repos/{repo.full_name}/check-runs", data={"name": "t", "head_sha": sha})
        data = await client.query("query { rateLimit { remaining } }")
        (run,) = repo.check_runs.values()
        annotation = {"path": "a.py", "start_line": 1, "end_line": 1, "annotation_level": "notice", "message": "m"}
        fake_github.server_error_after_next("checks/update", status=502)
        with pytest.raises(GitHubUnavailable):  # GitHub appends annotations: sent twice, they would show twice
            await client.patch(
                f"/repos/{repo.full_name}/check-runs/{run.id}",
                data={"output": {"title": "t", "summary": "s", "annotations": [annotation]}},
            )
    assert fake_github.count("checks/create") == 1  # sent once: GitHub created it despite the 502
    assert fake_github.count("checks/update") == 1
    assert len(repo.check_runs) == 1
    assert [r.status for r in fake_github.requests("graphql")] == [502, 200]  # a query is safe to repeat
    assert data["rateLimit"]["remaining"] > 0


def token_of(fake: FakeGitHub) -> str:
    return fake.token_for(next(iter(fake.state.repos.values())))


async def test_requests_refused_for_a_revoked_token_renew_it_once_between_them(fake_github: FakeGitHub) -> None:
    repo = fake_github.add_repo("octo/demo")
    installation = fake_github.state.installation_for(repo)
    assert installation is not None
    async with aiohttp.ClientSession() as session:
        auth = AppAuth(
            session,
            app_id=str(fake_github.app.id),
            private_key=fake_github.app.private_key_pem,
            base_url=fake_github.api_url,
            graphql_url=fake_github.graphql_url,
        )
        revoked = await auth.token(installation.id)
        renewed = await auth.token(installation.id, refused=revoked)
        late = await auth.token(installation.id, refused=revoked)  # a refusal that arrives after the renewal
        assert renewed != revoked
        assert late == renewed
        client = auth.installation_client(installation.id)
        fake_github.expire_tokens()
        await client.getitem(f"/repos/{repo.full_name}")  # refused, renewed and sent again
    assert fake_github.count("apps/create-installation-access-token") == 3
    fake_github.take_invalid_requests()  # the request made with the revoked token
