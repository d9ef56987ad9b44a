"""POST /webhook under property-based tests: every event GitHub documents, wrong shapes, bad headers and encodings.

The App here has no GitHub credentials, so it verifies and records deliveries without processing them: what is
checked is the answer and the record, on both databases. Whatever arrives, the answer is never a 5xx; a delivery
is recorded exactly when it is acknowledged with a 2xx; a 400 says why.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.settings import Settings
from bot.store import deliveries
from tests.app.conftest import RunningApp, start_app
from tests.fakegithub.shared import require_shared
from tests.fakegithub.webhooks import signature_256

SECRET = "fuzzing-secret"
EXAMPLES = sorted((require_shared() / "webhooks" / "examples").glob("*/*.json"))
FUZZ = settings(
    max_examples=60, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
T = TypeVar("T")


@pytest.fixture
async def recorder(database_url: str, analysis_pool: Executor) -> AsyncIterator[RunningApp]:
    """The App without GitHub credentials: it verifies and records webhooks, and processes none."""
    values = {"GITHUB_WEBHOOK_SECRET": SECRET, "DATABASE_URL": database_url}
    running = await start_app(Settings(_env_file=None, **values), analysis_pool)  # type: ignore[call-arg]
    yield running
    await running.server.close()


class Sender:
    """Posts from a worker thread (hypothesis drives synchronous tests) while the App serves on the test's loop."""

    def __init__(self, app: RunningApp, loop: asyncio.AbstractEventLoop) -> None:
        self.app, self.loop, self.http = app, loop, requests.Session()
        self.tried = 0

    def post(self, body: bytes, headers: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.tried += 1
        response = self.http.post(self.app.webhook_url, data=body, headers=headers, timeout=30)
        assert response.status_code < 500, response.text
        if response.headers.get("Content-Type", "").startswith("application/json"):
            return response.status_code, response.json()
        assert response.status_code == 400, response.text  # aiohttp's own answer to a request it cannot parse
        return response.status_code, {"unparsed": response.text}

    def on_loop(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def recorded(self, delivery_id: str) -> bool:
        return self.on_loop(deliveries.get(self.app.database, delivery_id)) is not None


def signed(event: str, body: bytes, delivery_id: str | None = None) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-Hub-Signature-256": signature_256(SECRET, body),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/fuzz",
    }


def example(path: Path) -> tuple[str, dict[str, Any]]:
    return path.parent.name, json.loads(path.read_text(encoding="utf-8"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
odd_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=80) | st.sampled_from(
    ["\ud800", "a\x00b", "x" * 65, "Opened", "opened ", ""]
)
odd_ints = st.integers() | st.sampled_from([0, -1, 2**63 - 1, 2**63, 2**64, 10**30])
Mutation = Callable[[dict[str, Any]], None]


def _set(path: tuple[str, ...], value: Any) -> Mutation:
    def mutate(payload: dict[str, Any]) -> None:
        target = payload
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[path[-1]] = value

    return mutate


mutations: st.SearchStrategy[Mutation] = st.one_of(
    st.just(lambda payload: None),
    st.builds(_set, st.just(("action",)), odd_text | json_values),
    st.builds(_set, st.just(("installation", "id")), odd_ints | json_values),
    st.builds(_set, st.just(("installation",)), json_values),
    st.builds(_set, st.just(("repository", "full_name")), odd_text | json_values),
    st.builds(_set, st.just(("repository",)), json_values),
    st.builds(_set, st.text(max_size=10).map(lambda key: (key,)), json_values),
)


async def run_in_thread(app: RunningApp, check: Callable[[Sender], None]) -> Sender:
    sender = Sender(app, asyncio.get_running_loop())
    await asyncio.to_thread(check, sender)
    print(f"{check.__name__}: {sender.tried} deliveries")  # shown with -s, for the record
    return sender


async def test_every_documented_event_is_acknowledged_and_recorded(recorder: RunningApp) -> None:
    def check(sender: Sender) -> None:
        for path in EXAMPLES:
            event, payload = example(path)
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
            headers = signed(event, body)
            status, answer = sender.post(body, headers)
            assert status in (200, 202), f"{path.relative_to(path.parents[1])}: {status} {answer}"
            assert sender.recorded(headers["X-GitHub-Delivery"]) == (event != "ping")

    sender = await run_in_thread(recorder, check)
    assert sender.tried == len(EXAMPLES) >= 50


async def test_reshaped_payloads_are_recorded_or_refused_with_a_reason(recorder: RunningApp) -> None:
    @FUZZ
    @given(path=st.sampled_from(EXAMPLES), mutation=mutations)
    def check(sender: Sender, path: Path, mutation: Mutation) -> None:
        event, payload = example(path)
        mutation(payload)
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
        headers = signed(event, body)
        status, answer = sender.post(body, headers)
        assert status in (200, 202, 400), answer
        assert sender.recorded(headers["X-GitHub-Delivery"]) == (status != 400 and event != "ping")
        if status == 400:
            assert answer["message"].startswith("malformed delivery: ")

    sender = await run_in_thread(recorder, check)
    assert sender.tried >= 60


async def test_arbitrary_signed_bytes_never_fail_the_server(recorder: RunningApp) -> None:
    @FUZZ
    @given(
        body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode("utf-16")),
        event=st.sampled_from(["pull_request", "check_run", "ping", "installation"]),
    )
    def check(sender: Sender, body: bytes, event: str) -> None:
        status, answer = sender.post(body, signed(event, body))
        assert status in (200, 202, 400), answer

    await run_in_thread(recorder, check)


header_bytes = st.binary(min_size=1, max_size=80).filter(
    lambda raw: not set(raw) & {0, 10, 13} and not raw[:1].isspace() and not raw[-1:].isspace()
)  # what an HTTP client can put on the wire at all (no line breaks, no NUL, no surrounding whitespace)


async def test_bad_headers_are_refused_not_failed(recorder: RunningApp) -> None:
    event, payload = example(EXAMPLES[0])
    body = json.dumps(payload).encode()

    @FUZZ
    @given(name=st.sampled_from(["X-Hub-Signature-256", "X-GitHub-Event", "X-GitHub-Delivery"]), value=header_bytes)
    def check(sender: Sender, name: str, value: bytes) -> None:
        headers: dict[str, Any] = signed(event, body)
        headers[name] = value
        status, answer = sender.post(body, headers)
        assert status in (200, 202, 400, 401), answer
        if name == "X-Hub-Signature-256":
            assert status == 401 or "unparsed" in answer

    await run_in_thread(recorder, check)


async def test_encoded_bodies_are_refused_before_they_are_read(recorder: RunningApp) -> None:
    @FUZZ
    @given(encoding=st.sampled_from(["gzip", "GZIP", "deflate", "br", "zstd", "x-custom", "gzip, identity"]))
    def check(sender: Sender, encoding: str) -> None:
        bomb = gzip.compress(b" " * (30 * 1024 * 1024))  # 30 MB of JSON whitespace, 30 KB on the wire
        headers = {**signed("ping", bomb), "Content-Encoding": encoding}
        status, answer = sender.post(bomb, headers)
        assert (status, answer["error"]["code"]) == (415, "unsupported_encoding")

    await run_in_thread(recorder, check)
