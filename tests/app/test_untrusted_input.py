"""Untrusted input costs neither memory nor a good delivery, and never gets a 5xx: each class of the attacks seen."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.store import tokens
from bot.store.deliveries import NewDelivery, Recorder
from bot.store.models import Delivery, Feedback
from bot.store.tokens import NewToken
from bot.web import intake
from bot.web.api import MAX_API_BODY
from bot.web.dashboard import MAX_FORM
from bot.web.intake import LARGE_BODIES_AT_ONCE, LARGE_BODY_SLOTS
from bot.web.webhook import MAX_BODY
from tests.app.conftest import RunningApp, install
from tests.app.http import json_error, raw_request
from tests.fakegithub import FakeGitHub


async def post(url: str, body: Any, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def chunked(body: bytes, size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    """A body sent without Content-Length, as Transfer-Encoding: chunked."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def admin(toasty: RunningApp) -> dict[str, str]:
    secret, _ = await tokens.create(toasty.database, NewToken("admin", ("admin",), rate_per_minute=10_000))
    return {"Authorization": f"Bearer {secret}"}


async def recorded(toasty: RunningApp) -> int:
    async with toasty.database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Delivery)) or 0)


# -- memory: bounded before authentication --------------------------------------------------------------------------

BOMB = gzip.compress(b" " * (20 * 1024 * 1024))  # 20 MB once inflated, 20 KB on the wire


async def test_compressed_bodies_are_refused_on_every_route_that_reads_one(toasty: RunningApp) -> None:
    for path in ("/webhook", "/login", "/api/grade", "/api/repos/octo/demo/feedback"):
        for encoding in ("gzip", "deflate", "br"):
            headers = {"Content-Encoding": encoding, "Content-Type": "application/json"}
            status, answer = await post(toasty.url(path), BOMB, headers)
            assert (status, answer["error"]["code"]) == (415, "unsupported_encoding"), (path, encoding)


async def test_webhook_signature_is_checked_over_the_bytes_as_sent(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    delivery = fake_github.webhook("ping", "payload")
    compressed = gzip.compress(delivery.body)
    signed_over_inflated = {**delivery.headers, "Content-Encoding": "gzip"}
    assert (await post(toasty.webhook_url, compressed, signed_over_inflated))[0] == 415
    assert (await post(toasty.webhook_url, delivery.body, {**delivery.headers, "Content-Encoding": "identity"}))[
        0
    ] == 200


async def test_a_chunked_body_one_byte_over_the_limit_is_a_json_413(toasty: RunningApp) -> None:
    headers = await admin(toasty)
    for path, limit in (("/webhook", MAX_BODY), ("/api/grade", MAX_API_BODY), ("/login", MAX_FORM)):
        status, answer = await post(toasty.url(path), chunked(b" " * (limit + 1)), headers)
        assert (status, answer["error"]["code"]) == (413, "too_large"), path


async def test_a_chunked_body_at_the_limit_is_read(toasty: RunningApp) -> None:
    body = b'{"files": {}}'.ljust(MAX_API_BODY, b" ")
    status, answer = await post(toasty.url("/api/grade"), chunked(body), await admin(toasty))
    assert status == 200, answer


async def test_large_bodies_are_read_a_few_at_a_time_while_small_ones_pass(toasty: RunningApp) -> None:
    release = asyncio.Event()

    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"files": {}'
        await release.wait()
        yield b"}"

    headers = await admin(toasty)
    stalled = [asyncio.create_task(post(toasty.url("/api/grade"), trickle(), headers)) for _ in range(8)]
    await asyncio.sleep(0.5)
    waiting = toasty.app[LARGE_BODY_SLOTS]
    assert waiting.locked()  # every slot is held by a large (chunked) body
    status, _ = await post(toasty.url("/api/grade"), json.dumps({"files": {}}).encode(), headers)
    assert status == 200  # a small body does not wait behind them
    release.set()
    assert [status for status, _ in await asyncio.gather(*stalled)] == [200] * 8
    assert LARGE_BODIES_AT_ONCE < 8


async def test_a_body_trickled_in_cannot_hold_its_slot_for_ever(
    toasty: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake, "READ_SECONDS", 0.5)
    never = asyncio.Event()

    async def trickle() -> AsyncIterator[bytes]:
        yield b"{"
        await never.wait()
        yield b"}"

    status, answer = await post(toasty.webhook_url, trickle(), {})
    assert (status, answer["error"]["code"]) == (408, "too_slow")
    assert not toasty.app[LARGE_BODY_SLOTS].locked()


# -- one bad delivery never costs its neighbours -------------------------------------------------------------------


def _bad_bodies() -> list[tuple[str, bytes, dict[str, str], str]]:
    """(case, body, header overrides, what the 400 names)."""
    good = {"action": "added", "installation": {"id": 1}, "repository": {"full_name": "octo/demo"}}

    def body(**changes: Any) -> bytes:
        return json.dumps({**good, **changes}).encode()

    return [
        ("lone surrogate in action", body(action="\ud800"), {}, "action"),
        ("lone surrogate in full_name", body(repository={"full_name": "octo/\udc00"}), {}, "repository.full_name"),
        ("installation id over BIGINT", body(installation={"id": 2**63}), {}, "installation.id"),
        ("action over 64 characters", body(action="a" * 65), {}, "action"),
        ("NUL in action", body(action="add\u0000ed"), {}, "action"),
        ("event over 64 characters", body(), {"X-GitHub-Event": "e" * 65}, "X-GitHub-Event"),
        ("UTF-16 body", json.dumps(good).encode("utf-16"), {}, "UTF-8"),
        ("NaN", b'{"action": "added", "x": NaN}', {}, "NaN"),
        ("nested 1000 deep", b'{"a": ' + b"[" * 1000 + b"]" * 1000 + b"}", {}, "nested"),
        ("not an object", b"[1, 2]", {}, "JSON object"),
    ]


async def test_a_delivery_the_database_would_refuse_gets_a_400_that_says_why(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    for case, body, overrides, named in _bad_bodies():
        headers = {**fake_github.sign("installation_repositories", body).headers, **overrides}
        status, answer = await post(toasty.webhook_url, io.BytesIO(body), headers)
        assert status == 400, (case, answer)
        assert named in answer["message"], (case, answer)
    assert await recorded(toasty) == 0


async def test_one_bad_delivery_among_a_hundred_good_ones_at_once_costs_none_of_them(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    repo = fake_github.add_repo("octo/demo")
    good = [fake_github.webhook("installation_repositories", "added.payload", repo=repo) for _ in range(100)]
    payload = {**fake_github.webhook_payload("installation_repositories", "added.payload", repo=repo)}
    payload["action"] = "add\ud800"  # valid JSON (an escaped lone surrogate) that no database column takes
    bad = fake_github.sign("installation_repositories", json.dumps(payload).encode())
    everything = [*good[:50], bad, *good[50:]]
    answers = await asyncio.gather(*(post(toasty.webhook_url, d.body, dict(d.headers)) for d in everything))
    statuses = [status for status, _ in answers]
    assert statuses.count(202) == 100
    assert statuses[50] == 400
    assert await recorded(toasty) == 100


async def test_the_group_commit_records_each_member_alone_when_their_batch_fails(toasty: RunningApp) -> None:
    recorder = Recorder(toasty.database)

    def delivery(installation_id: int) -> NewDelivery:
        return NewDelivery(str(uuid.uuid4()), "installation", "created", installation_id, "octo/demo", "{}")

    batch = [delivery(1) for _ in range(50)] + [delivery(2**63)] + [delivery(1) for _ in range(50)]
    answers = await asyncio.gather(*(recorder.record(d) for d in batch), return_exceptions=True)
    assert [a for a in answers if isinstance(a, BaseException)] == [answers[50]]
    assert answers.count(True) == 100
    assert await recorded(toasty) == 100


# -- no 5xx from any input ---------------------------------------------------------------------------------------


async def test_bytes_that_are_not_utf8_in_credentials_are_refused_not_failed(toasty: RunningApp) -> None:
    webhook = [("X-Hub-Signature-256", b"sha256=\xff\xfe"), ("X-GitHub-Event", b"ping"), ("X-GitHub-Delivery", b"1")]
    status, _, content = await raw_request(toasty.webhook_url, "POST", webhook, b"{}")
    assert status == 401
    status, _, content = await raw_request(toasty.url("/api/repos"), "GET", [("Authorization", b"Bearer toasty_\xff")])
    assert (status, json_error(content)["code"]) == (401, "unauthenticated")
    status, headers, _ = await raw_request(toasty.url("/"), "GET", [("Cookie", b"toasty_session=\xff\xc3")])
    assert (status, headers["location"]) == (303, "/login")
    form = [("Content-Type", b"application/x-www-form-urlencoded"), ("Cookie", b"toasty_csrf=\xff")]
    for body in (b"token=\xff\xfe&csrf=\xff", b"token=%FF%FE&csrf=x", b"\x00\x01"):
        status, _, _ = await raw_request(toasty.url("/login"), "POST", form, body)
        assert status in (400, 403)
    form = [("Content-Type", b"application/x-www-form-urlencoded"), ("Cookie", b"toasty_session=\xff\xfe")]
    for body in (b"csrf=\xff", b"csrf=%FF"):
        status, _, _ = await raw_request(toasty.url("/logout"), "POST", form, body)
        assert status in (400, 403)


async def test_values_beyond_what_the_columns_hold_are_refused(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    await install(fake_github, toasty, "octo/demo")
    headers = await admin(toasty)
    entry = {"rule": "complexity.cyclomatic", "signal": "reaction", "content": "-1", "actor": "maintainer"}
    cases = [
        {"pull_number": 2**31},
        {"occurred_at": "0001-01-01T00:00:00+14:00"},
        {"occurred_at": 1_700_000_000},
        {"occurred_at": "2026-01-01T00:00:00"},  # no offset: the schema's date-time requires one
        {"actor": "main\u0000tainer"},
        {"path": "a\udc80.py"},
        {"rule": "r" * 81},
        {"value": True},  # JSON types as the schema says them: a boolean is not a number
        {"pull_number": "5"},
    ]
    for change in cases:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                toasty.url("/api/repos/octo/demo/feedback"), json={**entry, **change}, headers=headers
            ) as response,
        ):
            body = await response.json()
            assert (response.status, body["error"]["code"]) == (422, "invalid_input"), (change, body)
    too_many = [entry] * 1001  # the schema's maxItems: a validation error, like any other, not a 413
    status, answer = await post(toasty.url("/api/repos/octo/demo/feedback"), json.dumps(too_many), headers)
    assert (status, answer["error"]["code"]) == (422, "invalid_input")
    for raw in (b'{"value": Infinity}', b'{"value": 1e999}', b"[" * 1000 + b"]" * 1000):
        status, answer = await post(toasty.url("/api/repos/octo/demo/feedback"), raw, headers)
        assert (status, answer["error"]["code"]) == (400, "malformed"), raw[:20]
    async with toasty.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Feedback)) == 0


async def test_parameters_the_schema_refuses_are_a_400(toasty: RunningApp) -> None:
    headers = await admin(toasty)
    for path in (
        "/api/repos/octo/demo/feedback?since=",
        "/api/repos/octo/demo/feedback?since=0001-01-01T00:00:00%2B14:00",
        "/api/repos/octo/demo/feedback?actor=a%00b",
        "/api/repos/octo/demo/feedback?rule=",
        "/api/repos/octo/demo/feedback?offset=1000000001",
        "/api/repos/octo/demo/feedback?limit=%2B5",
        "/api/repos/octo/demo/feedback?colour=blue",
        "/api/repos/oc%00to/demo/feedback",
        "/api/repos/octo/de%C3%A9mo/strategy",
    ):
        async with aiohttp.ClientSession() as session, session.get(toasty.url(path), headers=headers) as response:
            answer = await response.json()
            assert (response.status, answer["error"]["code"]) == (400, "bad_parameter"), (path, answer)


async def test_the_openapi_document_describes_the_limits_it_enforces(toasty: RunningApp) -> None:
    async with aiohttp.ClientSession() as session, session.get(toasty.url("/openapi.json")) as response:
        document = await response.json()
    feedback = document["paths"]["/api/repos/{owner}/{repo}/feedback"]
    parameters = {p["name"]: p["schema"] for p in feedback["get"]["parameters"]}
    assert parameters["offset"]["maximum"] == 10**9
    assert parameters["since"]["format"] == "date-time"
    reset = {
        p["name"]: p["schema"] for p in document["paths"]["/api/repos/{owner}/{repo}/strategy"]["delete"]["parameters"]
    }
    assert "pattern" in reset["rule"]
    assert "404" in feedback["post"]["responses"]
    assert "415" in feedback["post"]["responses"]
