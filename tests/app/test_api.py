"""The REST API as scripts use it: tokens and scopes, each route, and answers that match the OpenAPI document."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import jsonschema
import pytest

from bot.jobs.reactions import poll_reactions
from bot.report.comment import parse_marker
from bot.store import tokens
from bot.store.tokens import NewToken
from bot.web.keys import SERVICES
from tests.app.conftest import RunningApp, install
from tests.app.scenarios import RISKY, UTIL, branchy
from tests.engine.helpers import unified_diff
from tests.fakegithub import FakeGitHub


class Client:
    """A script calling the API with one token."""

    def __init__(self, toasty: RunningApp, token: str | None) -> None:
        self.toasty = toasty
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def call(self, method: str, path: str, **options: Any) -> tuple[int, Any, dict[str, str]]:
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, self.toasty.url(path), headers=self.headers, **options) as response,
        ):
            body = await response.json(content_type=None)
            return response.status, body, dict(response.headers)


async def token(toasty: RunningApp, *operations: str, repositories: tuple[str, ...] = ("*",), rate: int = 120) -> str:
    secret, _ = await tokens.create(toasty.database, NewToken("test", operations, repositories, rate_per_minute=rate))
    return secret


async def check_against_openapi(toasty: RunningApp, path_template: str, method: str, status: int, body: Any) -> None:
    _, document, _ = await Client(toasty, None).call("GET", "/openapi.json")
    response = document["paths"][path_template][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": document["components"]}).validate(body)


async def test_no_token_bad_token_and_missing_scope(toasty: RunningApp) -> None:
    status, body, _ = await Client(toasty, None).call("GET", "/api/collective")
    assert status == 401
    assert "toasty token create" in body["error"]["message"]
    assert (await Client(toasty, "toasty_not-a-real-one").call("GET", "/api/collective"))[0] == 401
    grader = await token(toasty, "grade")
    status, body, _ = await Client(toasty, grader).call("GET", "/api/collective")
    assert (status, body["error"]["code"]) == (403, "forbidden")
    await check_against_openapi(toasty, "/api/collective", "get", 403, body)


async def test_repository_scope(toasty: RunningApp) -> None:
    reader = await token(toasty, "read", repositories=("octo/*",))
    assert (await Client(toasty, reader).call("GET", "/api/repos/octo/demo/feedback"))[0] == 200
    status, body, _ = await Client(toasty, reader).call("GET", "/api/repos/other/repo/feedback")
    assert status == 403
    assert "does not cover other/repo" in body["error"]["message"]


async def test_rate_limit_answers_429_with_retry_after(toasty: RunningApp) -> None:
    limited = await token(toasty, "read", rate=3)
    client = Client(toasty, limited)
    statuses = [(await client.call("GET", "/api/collective"))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    _, body, headers = await client.call("GET", "/api/collective")
    assert int(headers["Retry-After"]) >= 1
    assert body["error"]["code"] == "rate_limited"


async def test_revoked_tokens_stop_working(toasty: RunningApp) -> None:
    secret, row = await tokens.create(toasty.database, NewToken("soon revoked", ("read",)))
    assert (await Client(toasty, secret).call("GET", "/api/collective"))[0] == 200
    await tokens.revoke(toasty.database, [row.id])
    assert (await Client(toasty, secret).call("GET", "/api/collective"))[0] == 401


async def test_grade_a_diff_like_the_cli(toasty: RunningApp) -> None:
    base = '"""M."""\n' + branchy("decide", 8)
    head = (
        base.replace("return -1", "if x == 98:\n        return 98\n    if x == 99:\n        return 99\n    return -1")
        + "value = eval(y)\n"
    )
    request = {
        "diff": unified_diff("pkg/m.py", base, head),
        "files": {"pkg/m.py": head},
        "base_files": {"pkg/m.py": base},
    }
    status, grade, _ = await Client(toasty, await token(toasty, "grade")).call("POST", "/api/grade", json=request)
    assert status == 200
    assert {f["rule"] for file in grade["files"] for f in file["findings"]} == {
        "complexity.cyclomatic",
        "security.eval",
    }
    assert grade["files"][0]["metrics"]["complexity"]["before"] == 9
    await check_against_openapi(toasty, "/api/grade", "post", 200, grade)


async def test_grade_rejects_bad_input_clearly(toasty: RunningApp) -> None:
    client = Client(toasty, await token(toasty, "grade"))
    status, body, _ = await client.call("POST", "/api/grade", data=b"{not json")
    assert (status, body["error"]["code"]) == (400, "malformed")
    status, body, _ = await client.call("POST", "/api/grade", json={"files": {"a.py": "x"}, "config": "rules: [\n"})
    assert status == 422
    assert "invalid YAML" in body["error"]["message"]
    status, body, _ = await client.call("POST", "/api/grade", json={"colour": "blue"})
    assert status == 422
    assert "colour" in body["error"]["message"]
    huge = io.BytesIO(b'{"files": {"a": "' + b"x" * (11 * 1024 * 1024) + b'"}}')
    status, _, _ = await client.call("POST", "/api/grade", data=huge)
    assert status == 413
    status, body, _ = await client.call("POST", "/api/grade", data=b'{"files": {"a.py": "x = \'\\ud800\'\\n"}}')
    assert status == 200  # a lone surrogate is valid JSON: graded as the engine reads such a file, not a 500


async def test_grade_refuses_strangers_before_reading_their_body(toasty: RunningApp) -> None:
    garbage = io.BytesIO(b"{not json" * 100_000)
    status, body, _ = await Client(toasty, None).call("POST", "/api/grade", data=garbage)
    assert (status, body["error"]["code"]) == (401, "unauthenticated")
    reader = await token(toasty, "grade", repositories=("octo/*",))
    status, body, _ = await Client(toasty, reader).call("POST", "/api/grade", json={"repository": "other/repo"})
    assert (status, body["error"]["code"]) == (403, "forbidden")


async def test_feedback_post_then_get_paginated_then_strategy_then_reset(
    fake_github: FakeGitHub, toasty: RunningApp
) -> None:
    await install(fake_github, toasty, "octo/demo")
    admin = Client(toasty, await token(toasty, "admin"))
    entries = [
        {
            "rule": "complexity.cyclomatic",
            "signal": "reaction",
            "content": "-1",
            "fingerprint": f"fp{v}",
            "value": v,
            "actor": "maintainer",
            "association": "MEMBER",
        }
        for v in (11, 12, 13, 14, 15)
    ]
    status, body, _ = await admin.call("POST", "/api/repos/octo/demo/feedback", json=entries)
    assert (status, body) == (201, {"recorded": 5})
    status, page, _ = await admin.call("GET", "/api/repos/octo/demo/feedback?limit=2")
    assert (page["total"], len(page["entries"]), page["next_offset"]) == (5, 2, 2)
    await check_against_openapi(toasty, "/api/repos/{owner}/{repo}/feedback", "get", 200, page)
    status, last, _ = await admin.call("GET", "/api/repos/octo/demo/feedback?limit=2&offset=4")
    assert (len(last["entries"]), last["next_offset"]) == (1, None)
    status, strategy, _ = await admin.call("GET", "/api/repos/octo/demo/strategy")
    assert strategy["rules"]["complexity.cyclomatic"]["threshold"] == 15  # the team accepts up to 15
    await check_against_openapi(toasty, "/api/repos/{owner}/{repo}/strategy", "get", 200, strategy)
    status, body, _ = await admin.call("DELETE", "/api/repos/octo/demo/strategy?rule=complexity.cyclomatic")
    assert body == {"repository": "octo/demo", "reset": "complexity.cyclomatic"}
    _, strategy, _ = await admin.call("GET", "/api/repos/octo/demo/strategy")
    assert strategy["rules"]["complexity.cyclomatic"]["threshold"] == 10
    reader = Client(toasty, await token(toasty, "read"))
    assert (await reader.call("DELETE", "/api/repos/octo/demo/strategy"))[0] == 403
    assert (await reader.call("POST", "/api/repos/octo/demo/feedback", json=entries[0]))[0] == 403


async def test_invalid_feedback_names_the_field(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    await install(fake_github, toasty, "octo/demo")
    client = Client(toasty, await token(toasty, "feedback"))
    status, body, _ = await client.call("POST", "/api/repos/octo/demo/feedback", json={"rule": "x", "signal": "love"})
    assert status == 422
    assert "signal" in body["error"]["message"]
    assert "actor" in body["error"]["message"]


async def test_analytics_after_real_activity(fake_github: FakeGitHub, toasty: RunningApp) -> None:
    repo = fake_github.add_repo("octo/demo")
    repo.set_permission("maintainer", "write")
    pull = repo.add_pull(base_files={"a.py": UTIL}, changes={"b.py": RISKY})
    await fake_github.deliver(fake_github.webhook("pull_request", "opened.payload", pull=pull), toasty.webhook_url)
    await toasty.settle()
    for comment in pull.review_comments.values():
        fake_github.react(
            comment, "+1" if parse_marker(comment.body)[1] == "security.eval" else "-1", user="maintainer"
        )  # type: ignore[index]
    await poll_reactions(toasty.app[SERVICES])
    reader = Client(toasty, await token(toasty, "read"))
    status, body, _ = await reader.call("GET", "/api/repos/octo/demo/analytics")
    assert status == 200
    assert [point["pull_number"] for point in body["scores"]] == [pull.number]
    assert body["rules"]["security.eval"]["found"] == 1
    assert (body["rules"]["security.eval"]["up"], body["rules"]["security.shell-true"]["down"]) == (1, 1)
    assert body["rules"]["security.eval"]["in_doubt"] is False  # one vote is not yet evidence either way
    await check_against_openapi(toasty, "/api/repos/{owner}/{repo}/analytics", "get", 200, body)
    _, listing, _ = await reader.call("GET", "/api/repos")
    assert listing == {"repositories": ["octo/demo"]}


async def test_openapi_document_is_served_and_describes_every_route(toasty: RunningApp) -> None:
    status, document, _ = await Client(toasty, None).call("GET", "/openapi.json")
    assert status == 200
    assert document["openapi"] == "3.1.0"
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    served = {
        (route.resource.canonical, route.method.lower())
        for route in toasty.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/api/") and route.method != "HEAD"
    }  # aiohttp serves HEAD for every GET by itself
    assert documented == served


@pytest.mark.parametrize(
    "path",
    [
        "/api/repos/octo/demo/feedback?limit=0",
        "/api/repos/octo/demo/feedback?limit=²",
        "/api/repos/octo/demo/feedback?since=yesterday",
    ],
)
async def test_bad_parameters(toasty: RunningApp, path: str) -> None:
    status, body, _ = await Client(toasty, await token(toasty, "read")).call("GET", path)
    assert (status, body["error"]["code"]) == (400, "bad_parameter")
