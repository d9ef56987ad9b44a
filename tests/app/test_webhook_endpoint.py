"""POST /webhook: signatures, malformed bodies, size limit, pings, ignored events and duplicates."""

from __future__ import annotations

import io
import json

import aiohttp
import pytest

from tests.app.conftest import RunningApp
from tests.fakegithub import FakeGitHub


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=io.BytesIO(body), headers=headers) as response,
    ):
        return response.status, await response.json()


async def test_missing_and_bad_signatures_are_refused(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    delivery = fake_github.webhook("ping", "payload")
    unsigned = {k: v for k, v in delivery.headers.items() if k.lower() != "x-hub-signature-256"}
    assert (await post(toasty.webhook_url, delivery.body, unsigned))[0] == 401
    forged = fake_github.sign("ping", delivery.body, secret="not-the-secret")
    assert (await post(toasty.webhook_url, delivery.body, dict(forged.headers)))[0] == 401
    tampered = delivery.body.replace(b"{", b"{ ", 1)
    assert (await post(toasty.webhook_url, tampered, dict(delivery.headers)))[0] == 401


async def test_ping_is_answered(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    record = await fake_github.deliver(fake_github.webhook("ping", "payload"), toasty.webhook_url)
    assert record.status_code == 200
    assert "zen" in json.loads(record.response_body)


async def test_malformed_body_with_a_valid_signature_is_a_400(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    for body in (b"{not json", b"[1, 2, 3]"):
        delivery = fake_github.sign("pull_request", body)
        status, answer = await post(toasty.webhook_url, body, dict(delivery.headers))
        assert status == 400
        assert "JSON" in str(answer["message"])


async def test_missing_event_header_is_a_400(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    delivery = fake_github.webhook("ping", "payload")
    headers = {k: v for k, v in delivery.headers.items() if k.lower() != "x-github-event"}
    assert (await post(toasty.webhook_url, delivery.body, headers))[0] == 400


async def test_a_body_over_25_megabytes_is_a_413(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    body = b'{"zen": "' + b"x" * (25 * 1024 * 1024) + b'"}'
    delivery = fake_github.sign("ping", body)
    assert (await post(toasty.webhook_url, body, dict(delivery.headers)))[0] == 413


async def test_events_toasty_ignores_get_a_200(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    repo = fake_github.add_repo("octo/demo")
    pull = repo.add_pull(base_files={"a.py": "x = 1\n"}, changes={"a.py": "x = 2\n"})
    record = await fake_github.deliver(
        fake_github.webhook("pull_request", "closed.payload", pull=pull), toasty.webhook_url
    )
    assert record.status_code == 200
    await toasty.settle()
    assert fake_github.count("checks/create") == 0


async def test_a_duplicate_delivery_is_acknowledged_and_processed_once(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    repo = fake_github.add_repo("octo/demo")
    pull = repo.add_pull(base_files={"a.py": "x = 1\n"}, changes={"a.py": "x = eval(y)\n"})
    delivery = fake_github.webhook("pull_request", "opened.payload", pull=pull)
    first = await fake_github.deliver(delivery, toasty.webhook_url)
    second = await fake_github.deliver(delivery, toasty.webhook_url, redelivery=True)
    assert (first.status_code, second.status_code) == (202, 200)
    assert "duplicate" in second.response_body
    await toasty.settle()
    assert fake_github.count("checks/create") == 1
    assert fake_github.count("pulls/create-review") == 1


async def test_health_and_readiness(toasty: RunningApp) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(toasty.url("/healthz")) as response:
            assert response.status == 200
        async with session.get(toasty.url("/readyz")) as response:
            assert response.status == 200
            assert (await response.json())["reason"] == "ok"


@pytest.mark.parametrize("name", ["created.payload", "deleted.payload"])
async def test_installation_events_are_recorded(fake_github: FakeGitHub, toasty: RunningApp, name: str) -> None:
    from bot.store.installations import active_repositories

    repo = fake_github.add_repo("octo/demo")
    created = await fake_github.deliver(
        fake_github.webhook("installation", "created.payload", repo=repo), toasty.webhook_url
    )
    assert created.status_code == 202
    await toasty.settle()
    assert await active_repositories(toasty.database)
    if name == "deleted.payload":
        await fake_github.deliver(fake_github.webhook("installation", name, repo=repo), toasty.webhook_url)
        await toasty.settle()
        assert await active_repositories(toasty.database) == []
