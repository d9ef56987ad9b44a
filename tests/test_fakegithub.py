"""The fake GitHub behaves, and refuses, like GitHub where the App depends on it."""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from gidgethub import BadRequest, GitHubBroken
from gidgethub.aiohttp import GitHubAPI
from gidgethub.apps import get_installation_access_token, get_jwt

from tests.fakegithub import FakeGitHub, Pull, Repo, require_shared
from tests.fakegithub.auth import make_jwt
from tests.fakegithub.diffs import compute_patch
from tests.fakegithub.gitobjects import blob_sha
from tests.fakegithub.openapi import DOTCOM, load_description
from tests.fakegithub.webhooks import payload_problems, signature_256

GHES = [{"enterprise": True}]
YAML_CONFIG = "rules:\n  complexity: 10\n"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def small_pull(fake: FakeGitHub) -> tuple[Repo, Pull]:
    """A repository with a config file and a pull request touching a module, a binary and a rename."""
    repo = fake.add_repo("octo/demo")
    module = "".join(f"line {i}\n" for i in range(1, 41))
    pull = repo.add_pull(
        7,
        base_files={
            ".github/toasty.yml": YAML_CONFIG,
            "src/app.py": module,
            "logo.png": b"\x89PNG\0\0",
            "old.py": "a\n",
        },
        changes={
            "src/app.py": module.replace("line 5\n", "five\n").replace("line 30\n", "thirty\n"),
            "logo.png": b"\x89PNG\0\1",
            "old.py": None,
            "new.py": "a\nb\n",
            "gone.txt": None,
        },
        renames={"new.py": "old.py"},
    )
    return repo, pull


def file_sha(pull: Pull, path: str) -> str:
    found = pull.file(path)
    assert found is not None
    return found.sha


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"token {token}"}


async def get_json(
    http: aiohttp.ClientSession, url: str, token: str, *, extra: dict[str, str] | None = None, **kwargs: Any
) -> tuple[int, Any, Any]:
    async with http.get(url, headers=auth(token) | (extra or {}), **kwargs) as response:
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body, response.headers


# --- webhooks -------------------------------------------------------------------------------------------------------


def test_signature_matches_githubs_test_vector() -> None:
    facts = yaml.safe_load((require_shared() / "platform-facts.yaml").read_text(encoding="utf-8"))
    vector = facts["webhooks"]["signature"]["test_vector"]
    assert signature_256(vector["secret"], vector["payload"].encode()) == vector["header"]


async def test_webhook_is_signed_and_fitted_to_the_fakes_pull_request(fake_github: FakeGitHub) -> None:
    repo, pull = small_pull(fake_github)
    before = pull.head_sha
    pull.push({"src/extra.py": "x = 1\n"})

    delivery = fake_github.webhook("pull_request", "synchronize", pull=pull, sender="alice")

    headers = delivery.headers
    expected = "sha256=" + hmac.new(fake_github.app.webhook_secret.encode(), delivery.body, "sha256").hexdigest()
    assert headers["X-Hub-Signature-256"] == expected
    assert headers["X-GitHub-Event"] == "pull_request"
    assert uuid.UUID(headers["X-GitHub-Delivery"])
    assert headers["User-Agent"].startswith("GitHub-Hookshot/")
    assert headers["Content-Type"] == "application/json"
    assert headers["X-GitHub-Hook-Installation-Target-Type"] == "integration"
    assert headers["X-GitHub-Hook-Installation-Target-ID"] == str(fake_github.app.id)
    assert headers["X-GitHub-Hook-ID"].isdigit()
    payload = delivery.payload
    assert payload["repository"]["full_name"] == "octo/demo"
    assert payload["repository"]["id"] == repo.id
    assert payload["installation"]["id"] == fake_github.installation(repo).id
    assert payload["number"] == payload["pull_request"]["number"] == 7
    assert (payload["before"], payload["after"]) == (before, pull.head_sha)
    assert payload["pull_request"]["head"]["sha"] == pull.head_sha
    assert payload["pull_request"]["base"]["sha"] == pull.base_sha
    assert payload["pull_request"]["url"] == f"{fake_github.api_url}/repos/octo/demo/pulls/7"
    assert payload["sender"]["login"] == "alice"
    assert payload_problems("pull_request", payload) == []


@pytest.mark.parametrize(
    ("event", "name"),
    [
        ("pull_request", "opened"),
        ("check_suite", "requested"),
        ("check_run", "requested_action"),
        ("issue_comment", "created"),
        ("pull_request_review_comment", "created"),
        ("installation", "created"),
        ("ping", "payload"),
    ],
)
async def test_every_fitted_example_still_matches_githubs_webhook_schema(
    fake_github: FakeGitHub, event: str, name: str
) -> None:
    _, pull = small_pull(fake_github)
    payload = fake_github.webhook_payload(event, name, pull=pull)
    assert payload_problems(event, payload) == []
    assert "Codertocat/Hello-World" not in json.dumps(payload.get("repository", {}))


async def test_deliveries_reach_the_app_and_are_logged_for_redelivery(fake_github: FakeGitHub) -> None:
    _, pull = small_pull(fake_github)
    received: list[tuple[str, bool]] = []

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        good = hmac.compare_digest(
            request.headers["X-Hub-Signature-256"], signature_256(fake_github.app.webhook_secret, body)
        )
        received.append((request.headers["X-GitHub-Delivery"], good))
        return web.Response(status=202 if good else 401)

    app = web.Application()
    app.router.add_post("/webhook", receive)
    client_server = web.AppRunner(app)
    await client_server.setup()
    site = web.TCPSite(client_server, "127.0.0.1", 0)
    await site.start()
    try:
        port = client_server.addresses[0][1]
        url = f"http://127.0.0.1:{port}/webhook"
        delivery = fake_github.webhook("pull_request", "opened", pull=pull)
        record = await fake_github.deliver(delivery, url)
        forged = await fake_github.deliver(fake_github.sign("pull_request", delivery.payload, secret="wrong"), url)
        assert (record.status_code, forged.status_code) == (202, 401)

        async with aiohttp.ClientSession() as http:
            jwt = {"Authorization": f"Bearer {fake_github.app.jwt()}"}
            async with http.get(f"{fake_github.api_url}/app/hook/deliveries", headers=jwt) as response:
                listed = await response.json()
            assert [d["status_code"] for d in listed] == [401, 202]
            attempts = f"{fake_github.api_url}/app/hook/deliveries/{record.id}/attempts"
            async with http.post(attempts, headers=jwt) as response:
                assert response.status == 202
        for _ in range(200):
            if len(fake_github.state.deliveries) == 3:
                break
            await asyncio.sleep(0.01)
        assert received[2] == (delivery.delivery_id, True)
        assert fake_github.state.deliveries[-1].redelivery
    finally:
        await client_server.cleanup()


# --- App authentication ---------------------------------------------------------------------------------------------


async def test_app_jwt_buys_an_installation_token_that_reaches_the_repo(fake_github: FakeGitHub) -> None:
    repo, _ = small_pull(fake_github)
    async with aiohttp.ClientSession() as session:
        gh = GitHubAPI(session, "toasty-tests", base_url=fake_github.api_url)
        app_pem = fake_github.app.private_key_pem.decode()
        jwt = get_jwt(app_id=str(fake_github.app.id), private_key=app_pem)
        installation = await gh.getitem("/repos/octo/demo/installation", jwt=jwt)
        token = await get_installation_access_token(
            gh, installation_id=str(installation["id"]), app_id=str(fake_github.app.id), private_key=app_pem
        )
        expires = datetime.fromisoformat(token["expires_at"].replace("Z", "+00:00"))
        assert token["expires_at"].endswith("Z")
        assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
        pull = await gh.getitem("/repos/octo/demo/pulls/7", oauth_token=token["token"])
        assert pull["head"]["sha"] == repo.pulls[7].head_sha
        bearer = {"Authorization": f"Bearer {token['token']}"}
        async with session.get(f"{fake_github.api_url}/repos/octo/demo", headers=bearer) as response:
            assert response.status == 200


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ({"issued_at": -700, "expires_at": -100}, "'Expiration time' claim"),
        ({"expires_at": 3600}, "is too far in the future"),
        ({"issued_at": 600}, "'Issued at' claim ('iat')"),
    ],
)
async def test_bad_app_jwts_are_refused_like_github(
    fake_github: FakeGitHub, http: aiohttp.ClientSession, offsets: dict[str, int], message: str
) -> None:
    now = int(time.time())  # when the test runs, not when the suite was collected minutes before
    jwt = fake_github.app.jwt(**{claim: now + offset for claim, offset in offsets.items()})
    async with http.get(f"{fake_github.api_url}/app", headers={"Authorization": f"Bearer {jwt}"}) as response:
        body = await response.json()
    assert response.status == 401
    assert message in body["message"]
    assert body["documentation_url"] == "https://docs.github.com/rest"


async def test_jwts_from_another_key_or_app_and_tokens_on_app_endpoints_are_refused(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    repo, _ = small_pull(fake_github)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    attempts = [
        f"Bearer {make_jwt(stranger, fake_github.app.id)}",
        f"Bearer {make_jwt(fake_github.app.key, 1)}",
        f"token {fake_github.token_for(repo)}",
    ]
    for header in attempts:
        async with http.get(f"{fake_github.api_url}/app", headers={"Authorization": header}) as response:
            assert response.status == 401
            assert (await response.json())["message"] == "A JSON web token could not be decoded"


async def test_repo_endpoints_need_a_live_token_for_an_installation_that_reaches_them(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, _ = small_pull(fake_github)
    elsewhere = fake_github.add_repo("other/place")
    url = f"{fake_github.api_url}/repos/octo/demo/pulls/7"
    async with http.get(url) as response:
        assert response.status == 401
        body = await response.json()
        assert body["message"] == "Requires authentication"
        assert body["documentation_url"].startswith("https://docs.github.com/")
    assert (await get_json(http, url, "ghs_" + "x" * 36))[0] == 401
    assert (await get_json(http, url, fake_github.token_for(elsewhere)))[0] == 404
    token = fake_github.token_for(repo)
    assert (await get_json(http, url, token))[0] == 200
    fake_github.expire_tokens()
    status, body, _ = await get_json(http, url, token)
    assert (status, body["message"]) == (401, "Bad credentials")


async def test_an_installation_without_a_permission_gets_403(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, pull = small_pull(fake_github)
    fake_github.installation(repo).permissions.pop("checks")
    body = {"name": "toasty", "head_sha": pull.head_sha}
    url = f"{fake_github.api_url}/repos/octo/demo/check-runs"
    async with http.post(url, headers=auth(fake_github.token_for(repo)), json=body) as response:
        assert response.status == 403
        assert (await response.json())["message"] == "Resource not accessible by integration"
        assert response.headers["X-Accepted-GitHub-Permissions"] == "checks=write"


# --- pull request files ---------------------------------------------------------------------------------------------


async def test_list_files_reports_statuses_patches_and_renames(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, pull = small_pull(fake_github)
    status, files, _ = await get_json(
        http, f"{fake_github.api_url}/repos/octo/demo/pulls/7/files", fake_github.token_for(repo)
    )
    assert status == 200
    by_name = {f["filename"]: f for f in files}
    assert list(by_name) == sorted(by_name)
    assert {name: f["status"] for name, f in by_name.items()} == {
        "logo.png": "modified",
        "new.py": "renamed",
        "src/app.py": "modified",
    }
    assert by_name["new.py"]["previous_filename"] == "old.py"
    assert "patch" not in by_name["logo.png"]
    assert (by_name["logo.png"]["additions"], by_name["logo.png"]["changes"]) == (0, 0)
    app_py = by_name["src/app.py"]
    assert app_py["patch"].startswith("@@ -2,7 +2,7 @@")
    assert "\n-line 5\n+five\n" in app_py["patch"]
    assert (app_py["additions"], app_py["deletions"], app_py["changes"]) == (2, 2, 4)
    assert app_py["sha"] == file_sha(pull, "src/app.py")


async def test_patch_is_left_out_when_the_test_says_the_diff_is_too_large(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo = fake_github.add_repo("octo/big")
    repo.add_pull(1, base_files={"huge.sql": "a\n"}, changes={"huge.sql": "b\n" * 500}, oversized=["huge.sql"])
    _, files, _ = await get_json(
        http, f"{fake_github.api_url}/repos/octo/big/pulls/1/files", fake_github.token_for(repo)
    )
    assert "patch" not in files[0]
    assert files[0]["additions"] == 500


def test_patches_match_git_diff_byte_for_byte(tmp_path: Any) -> None:
    old = "".join(f"def f{i}():\n    return {i}\n" for i in range(30)).encode()
    new = old.replace(b"return 4\n", b"return 40\n").replace(b"return 25\n", b"return 25  # x") + b"tail"
    (tmp_path / "a").write_bytes(old)
    (tmp_path / "b").write_bytes(new)
    try:
        done = subprocess.run(
            ["git", "diff", "--no-index", "--no-color", "a", "b"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        pytest.skip("git is not installed")
    expected = done.stdout[done.stdout.index("@@") :].rstrip("\n")
    assert compute_patch(old, new).text == expected


async def test_files_paginate_with_githubs_link_header(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    repo = fake_github.add_repo("octo/wide")
    repo.add_pull(3, base_files={}, changes={f"f{i:03}.py": f"x = {i}\n" for i in range(250)})
    token = fake_github.token_for(repo)
    base = f"{fake_github.api_url}/repositories/{repo.id}/pulls/3/files"

    _, first, headers = await get_json(http, f"{fake_github.api_url}/repos/octo/wide/pulls/3/files?per_page=100", token)
    assert len(first) == 100
    assert headers["Link"] == (f'<{base}?per_page=100&page=2>; rel="next", <{base}?per_page=100&page=3>; rel="last"')
    _, second, headers = await get_json(http, f"{base}?per_page=100&page=2", token)
    assert [f["filename"] for f in second][:1] == ["f100.py"]
    assert headers["Link"] == (
        f'<{base}?per_page=100&page=1>; rel="prev", <{base}?per_page=100&page=3>; rel="next", '
        f'<{base}?per_page=100&page=3>; rel="last", <{base}?per_page=100&page=1>; rel="first"'
    )
    _, default, headers = await get_json(http, f"{fake_github.api_url}/repos/octo/wide/pulls/3/files", token)
    assert len(default) == 30
    assert headers["Link"].endswith(f'<{base}?page=9>; rel="last"')

    gh = GitHubAPI(http, "toasty-tests", oauth_token=token, base_url=fake_github.api_url)
    names = [f["filename"] async for f in gh.getiter("/repos/octo/wide/pulls/3/files?per_page=100")]
    assert len(names) == 250


async def test_list_files_stops_at_3000_files(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    repo = fake_github.add_repo("octo/huge")
    repo.add_pull(4, base_files={}, changes={f"d/{i:04}.txt": "x\n" for i in range(3005)})
    token = fake_github.token_for(repo)
    url = f"{fake_github.api_url}/repos/octo/huge/pulls/4/files?per_page=100"
    _, last_page, headers = await get_json(http, url + "&page=30", token)
    assert len(last_page) == 100
    assert "next" not in headers["Link"]
    _, beyond, _ = await get_json(http, url + "&page=31", token)
    assert beyond == []
    _, pull, _ = await get_json(http, f"{fake_github.api_url}/repos/octo/huge/pulls/4", token)
    assert pull["changed_files"] == 3005


# --- contents and GraphQL -------------------------------------------------------------------------------------------


async def test_contents_are_base64_and_missing_paths_404(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    repo, pull = small_pull(fake_github)
    token = fake_github.token_for(repo)
    url = f"{fake_github.api_url}/repos/octo/demo/contents/.github/toasty.yml"
    status, body, _ = await get_json(http, url, token)
    assert status == 200
    assert body["encoding"] == "base64"
    assert base64.b64decode(body["content"]).decode() == YAML_CONFIG
    status, body, _ = await get_json(
        http, f"{fake_github.api_url}/repos/octo/demo/contents/new.py?ref={pull.head_sha}", token
    )
    assert base64.b64decode(body["content"]) == b"a\nb\n"
    assert (await get_json(http, f"{fake_github.api_url}/repos/octo/demo/contents/new.py", token))[0] == 404
    async with http.get(url, headers=auth(token) | {"Accept": "application/vnd.github.raw+json"}) as response:
        assert await response.text() == YAML_CONFIG
    status, listing, _ = await get_json(http, f"{fake_github.api_url}/repos/octo/demo/contents/src", token)
    assert [(e["name"], e["type"]) for e in listing] == [("app.py", "file")]
    status, root, _ = await get_json(http, f"{fake_github.api_url}/repos/octo/demo/contents/", token)
    assert {e["name"]: e["type"] for e in root} == {
        ".github": "dir",
        "logo.png": "file",
        "old.py": "file",
        "src": "dir",
    }


async def test_graphql_fetches_many_blobs_at_once(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    repo, pull = small_pull(fake_github)
    sha = pull.head_sha
    query = f"""
      query($owner: String!, $name: String!, $app: String!) {{
        repository(owner: $owner, name: $name) {{
          f0: object(expression: $app) {{ ... on Blob {{ text isBinary byteSize oid }} }}
          f1: object(expression: "{sha}:logo.png") {{ ...BlobFields }}
          f2: object(expression: "{sha}:no/such/file.py") {{ ... on Blob {{ text }} }}
          config: object(expression: "HEAD:.github/toasty.yml") {{ ... on Blob {{ text }} }}
        }}
      }}
      fragment BlobFields on Blob {{ text isBinary byteSize }}
    """
    variables = {"owner": "octo", "name": "demo", "app": f"{pull.head_sha}:src/app.py"}
    async with http.post(
        fake_github.graphql_url,
        headers=auth(fake_github.token_for(repo)),
        json={"query": query, "variables": variables},
    ) as response:
        body = await response.json()
    found = body["data"]["repository"]
    app_py = repo.commits[pull.head_sha].files["src/app.py"]
    assert found["f0"] == {
        "text": app_py.decode(),
        "isBinary": False,
        "byteSize": len(app_py),
        "oid": file_sha(pull, "src/app.py"),
    }
    assert found["f1"] == {"text": None, "isBinary": True, "byteSize": 6}
    assert found["f2"] is None
    assert found["config"] == {"text": YAML_CONFIG}
    assert "errors" not in body


async def test_graphql_through_gidgethub_and_missing_repositories(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, _ = small_pull(fake_github)
    gh = GitHubAPI(http, "toasty-tests", oauth_token=fake_github.token_for(repo), base_url=fake_github.api_url)
    data = await gh.graphql(
        'query { repository(owner: "octo", name: "demo") { defaultBranchRef { name } } }',
        endpoint=fake_github.graphql_url,
    )
    assert data == {"repository": {"defaultBranchRef": {"name": "main"}}}
    async with http.post(
        fake_github.graphql_url,
        headers=auth(fake_github.token_for(repo)),
        json={"query": 'query { repository(owner: "nobody", name: "x") { name } }'},
    ) as response:
        body = await response.json()
    assert body["data"] == {"repository": None}
    assert body["errors"][0]["type"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            'query { repository(owner: "octo", name: "demo") { object(expression: "HEAD:a") { ...on Blob { size } }}}',
            "Field 'size' doesn't exist on type 'Blob'",
        ),
        ('query { repository(owner: "octo") { name } }', "missing required arguments: name"),
        ('query($x: String!) { repository(owner: "octo", name: "demo") { name } }', "Variable $x"),
        (
            'query { repository(owner: "octo", name: "demo") { object(expression: "HEAD:a") { text } } }',
            "Field 'text' doesn't exist on type 'GitObject'",
        ),
        ("mutation { addComment { id } }", "only answers queries"),
        ("query { repository(owner: ", "Parse error"),
    ],
)
async def test_graphql_refuses_what_github_would_and_records_it(
    fake_github: FakeGitHub, http: aiohttp.ClientSession, query: str, message: str
) -> None:
    repo = fake_github.add_repo("octo/demo")
    async with http.post(
        fake_github.graphql_url, headers=auth(fake_github.token_for(repo)), json={"query": query}
    ) as response:
        body = await response.json()
    assert response.status == 200
    assert "data" not in body
    assert any(message in error["message"] for error in body["errors"]), body
    assert [r.operation_id for r in fake_github.take_invalid_requests()] == ["graphql"]


async def test_graphql_requires_authentication(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    async with http.post(fake_github.graphql_url, json={"query": "query { rateLimit { remaining } }"}) as response:
        assert response.status == 401
        assert (await response.json())["message"] == "This endpoint requires you to be authenticated."


# --- check runs -----------------------------------------------------------------------------------------------------


def make_annotations(count: int, level: str = "warning") -> list[dict[str, Any]]:
    return [
        {"path": "src/app.py", "start_line": i + 1, "end_line": i + 1, "annotation_level": level, "message": f"m{i}"}
        for i in range(count)
    ]


async def test_annotations_arrive_in_batches_of_50_and_are_appended(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, pull = small_pull(fake_github)
    headers = auth(fake_github.token_for(repo))
    runs = f"{fake_github.api_url}/repos/octo/demo/check-runs"
    output = {"title": "Toasty", "summary": "Grading"}
    async with http.post(
        runs, headers=headers, json={"name": "toasty", "head_sha": pull.head_sha, "status": "in_progress"}
    ) as r:
        run = await r.json()
        assert (r.status, run["status"], run["pull_requests"][0]["number"]) == (201, "in_progress", 7)
    for batch in (make_annotations(50), make_annotations(50, "notice")):
        async with http.patch(
            f"{runs}/{run['id']}", headers=headers, json={"output": output | {"annotations": batch}}
        ) as r:
            assert r.status == 200
    done = {"conclusion": "neutral", "output": output | {"text": "Done"}}
    async with http.patch(f"{runs}/{run['id']}", headers=headers, json=done) as r:
        final = await r.json()
    assert (final["status"], final["conclusion"], final["output"]["annotations_count"]) == ("completed", "neutral", 100)
    assert final["completed_at"] is not None

    gh = GitHubAPI(http, "toasty-tests", oauth_token=headers["Authorization"].split()[1], base_url=fake_github.api_url)
    listed = [a async for a in gh.getiter(f"/repos/octo/demo/check-runs/{run['id']}/annotations?per_page=100")]
    assert [a["annotation_level"] for a in listed] == ["warning"] * 50 + ["notice"] * 50
    assert fake_github.count("checks/update") == 3


@pytest.mark.parametrize(
    "body",
    [
        {"output": {"title": "t", "summary": "s", "annotations": make_annotations(51)}},
        {"status": "completed"},
        {"conclusion": "stale"},
        {"output": {"title": "t", "summary": "x" * 65536}},
        {"actions": [{"label": "a" * 21, "description": "d", "identifier": "i"}]},
        {"actions": [{"label": "a", "description": "d", "identifier": str(i)} for i in range(4)]},
        {"output": {"title": "t", "summary": "s", "annotations": [make_annotations(1)[0] | {"title": "t" * 256}]}},
        {
            "output": {
                "title": "t",
                "summary": "s",
                "annotations": [make_annotations(1)[0] | {"end_line": 3, "start_column": 1}],
            }
        },
        {"output": {"summary": "title is required on update too"}},
    ],
)
async def test_check_run_updates_break_githubs_rules_get_422(
    fake_github: FakeGitHub, http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    repo, pull = small_pull(fake_github)
    headers = auth(fake_github.token_for(repo))
    runs = f"{fake_github.api_url}/repos/octo/demo/check-runs"
    async with http.post(runs, headers=headers, json={"name": "toasty", "head_sha": pull.head_sha}) as r:
        run_id = (await r.json())["id"]
    async with http.patch(f"{runs}/{run_id}", headers=headers, json=body) as r:
        refused = await r.json()
    assert r.status == 422
    assert refused["message"].startswith("Invalid request.")
    assert repo.check_runs[run_id].annotations == []
    fake_github.take_invalid_requests()


async def test_check_runs_need_a_known_commit_and_list_by_ref(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, pull = small_pull(fake_github)
    headers = auth(fake_github.token_for(repo))
    runs = f"{fake_github.api_url}/repos/octo/demo/check-runs"
    async with http.post(runs, headers=headers, json={"name": "toasty", "head_sha": "0" * 40}) as r:
        assert (r.status, (await r.json())["message"]) == (422, f"No commit found for SHA: {'0' * 40}")
    for _ in range(2):
        async with http.post(runs, headers=headers, json={"name": "toasty", "head_sha": pull.head_sha}) as r:
            assert r.status == 201
    _, latest, _ = await get_json(
        http,
        f"{fake_github.api_url}/repos/octo/demo/commits/{pull.head_ref}/check-runs",
        headers["Authorization"].split()[1],
    )
    assert latest["total_count"] == 1
    _, every, _ = await get_json(
        http,
        f"{fake_github.api_url}/repos/octo/demo/commits/{pull.head_sha}/check-runs?filter=all",
        headers["Authorization"].split()[1],
    )
    assert every["total_count"] == 2


# --- reviews --------------------------------------------------------------------------------------------------------


async def test_a_review_with_one_line_outside_the_hunks_is_refused_whole(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, pull = small_pull(fake_github)
    url = f"{fake_github.api_url}/repos/octo/demo/pulls/7/reviews"
    comments = [
        {"path": "src/app.py", "line": 5, "side": "RIGHT", "body": "inside the first hunk"},
        {"path": "src/app.py", "line": 18, "side": "RIGHT", "body": "between the hunks"},
    ]
    async with http.post(
        url, headers=auth(fake_github.token_for(repo)), json={"event": "COMMENT", "comments": comments}
    ) as r:
        body = await r.json()
    assert r.status == 422
    assert body["message"] == "Unprocessable Entity"
    assert "Pull request review thread line must be part of the diff" in body["errors"][0]
    assert body["documentation_url"].startswith("https://docs.github.com/rest/pulls/reviews")
    assert pull.reviews == {}
    assert pull.review_comments == {}


@pytest.mark.parametrize(
    ("comment", "reason"),
    [
        ({"path": "nope.py", "line": 1}, "path is invalid"),
        ({"path": "logo.png", "line": 1}, "must be part of the diff"),
        ({"path": "src/app.py", "line": 30, "start_line": 5}, "start line must be part of the same hunk"),
        ({"path": "src/app.py", "line": 5, "start_line": 6}, "start line must precede the end line"),
        ({"path": "src/app.py", "line": 18, "side": "LEFT"}, "must be part of the diff"),
    ],
)
async def test_review_comment_placement_rules(
    fake_github: FakeGitHub, http: aiohttp.ClientSession, comment: dict[str, Any], reason: str
) -> None:
    repo, _ = small_pull(fake_github)
    url = f"{fake_github.api_url}/repos/octo/demo/pulls/7/reviews"
    review = {"event": "COMMENT", "comments": [comment | {"body": "b"}]}
    async with http.post(url, headers=auth(fake_github.token_for(repo)), json=review) as r:
        assert r.status == 422
        assert reason in (await r.json())["errors"][0]


async def test_a_review_inside_the_diff_creates_bot_comments(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, pull = small_pull(fake_github)
    token = fake_github.token_for(repo)
    comments = [
        {"path": "src/app.py", "line": 5, "side": "RIGHT", "body": "one"},
        {"path": "src/app.py", "start_line": 29, "line": 31, "body": "range"},
        {"path": "src/app.py", "line": 5, "side": "LEFT", "body": "old line"},
        {"path": "new.py", "line": 2, "body": "renamed file"},
    ]
    review_body = {"event": "COMMENT", "body": "Toasty's grade", "comments": comments, "commit_id": pull.head_sha}
    async with http.post(
        f"{fake_github.api_url}/repos/octo/demo/pulls/7/reviews", headers=auth(token), json=review_body
    ) as r:
        review = await r.json()
    assert (r.status, review["state"], review["user"]["login"], review["user"]["type"]) == (
        200,
        "COMMENTED",
        "toasty[bot]",
        "Bot",
    )
    status, listed, _ = await get_json(http, f"{fake_github.api_url}/repos/octo/demo/pulls/7/comments", token)
    assert status == 200
    first = listed[0]
    assert first["pull_request_review_id"] == review["id"]
    assert (first["path"], first["line"], first["side"], first["start_line"]) == ("src/app.py", 5, "RIGHT", None)
    assert first["diff_hunk"].startswith("@@ -2,7 +2,7 @@")
    assert first["diff_hunk"].endswith("+five")
    assert first["reactions"] == {
        "url": f"{first['url']}/reactions",
        "total_count": 0,
        "+1": 0,
        "-1": 0,
        "laugh": 0,
        "hooray": 0,
        "confused": 0,
        "heart": 0,
        "rocket": 0,
        "eyes": 0,
    }
    assert (listed[1]["start_line"], listed[1]["line"], listed[1]["start_side"]) == (29, 31, "RIGHT")
    assert listed[2]["side"] == "LEFT"
    assert first["created_at"] == first["updated_at"]

    replies = f"{fake_github.api_url}/repos/octo/demo/pulls/7/comments/{first['id']}/replies"
    async with http.post(replies, headers=auth(token), json={"body": "thanks"}) as r:
        reply = await r.json()
    assert (r.status, reply["in_reply_to_id"], reply["line"]) == (201, first["id"], 5)
    status, reviews, _ = await get_json(http, f"{fake_github.api_url}/repos/octo/demo/pulls/7/reviews", token)
    assert len(reviews) == 2


async def test_a_test_can_force_the_next_review_to_be_refused(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, pull = small_pull(fake_github)
    fake_github.reject_next_review()
    url = f"{fake_github.api_url}/repos/octo/demo/pulls/7/reviews"
    review = {"event": "COMMENT", "body": "b", "comments": [{"path": "src/app.py", "line": 5, "body": "fine"}]}
    async with http.post(url, headers=auth(fake_github.token_for(repo)), json=review) as r:
        assert r.status == 422
        assert (await r.json())["errors"] == ["Pull request review thread line must be part of the diff"]
    async with http.post(url, headers=auth(fake_github.token_for(repo)), json=review) as r:
        assert r.status == 200
    assert len(pull.reviews) == 1
    assert [r.fault for r in fake_github.requests("pulls/create-review")] == ["review-rejected", None]


# --- reactions and conditional requests -----------------------------------------------------------------------------


async def test_reactions_roll_up_without_touching_updated_at_and_etags_save_rate_limit(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, _ = small_pull(fake_github)
    token = fake_github.token_for(repo)
    review = {"event": "COMMENT", "body": "b", "comments": [{"path": "src/app.py", "line": 5, "body": "c"}]}
    async with http.post(f"{fake_github.api_url}/repos/octo/demo/pulls/7/reviews", headers=auth(token), json=review):
        pass
    comment = next(iter(repo.pulls[7].review_comments.values()))
    url = f"{fake_github.api_url}/repos/octo/demo/pulls/comments"

    status, before, headers = await get_json(http, url, token)
    etag = headers["ETag"]
    status, _, again = await get_json(http, url, token, extra={"If-None-Match": etag})
    assert status == 304
    assert again["x-ratelimit-remaining"] == headers["x-ratelimit-remaining"]
    assert fake_github.requests("pulls/list-review-comments-for-repo")[-1].not_modified

    fake_github.react(comment, "+1", user="alice")
    fake_github.react(comment, "+1", user="bob")
    fake_github.react(comment, "eyes", user="ci-bot", bot=True)
    fake_github.react(comment, "+1", user="alice")  # GitHub keeps one reaction per user and content
    fake_github.unreact(comment, "+1", user="bob")
    status, after, changed = await get_json(http, url, token, extra={"If-None-Match": etag})
    assert status == 200
    assert changed["ETag"] != etag
    rollup = after[0]["reactions"]
    assert (rollup["total_count"], rollup["+1"], rollup["eyes"]) == (2, 1, 1)
    assert after[0]["updated_at"] == before[0]["updated_at"]

    status, reactions, _ = await get_json(http, f"{url}/{comment.id}/reactions", token)
    assert [(r["user"]["login"], r["user"]["type"], r["content"]) for r in reactions] == [
        ("alice", "User", "+1"),
        ("ci-bot", "Bot", "eyes"),
    ]
    status, only_eyes, _ = await get_json(http, f"{url}/{comment.id}/reactions?content=eyes", token)
    assert len(only_eyes) == 1


async def test_repository_comments_poll_with_since_sort_and_direction(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, _ = small_pull(fake_github)
    token = fake_github.token_for(repo)
    review = {"event": "COMMENT", "comments": [{"path": "src/app.py", "line": n, "body": str(n)} for n in (4, 5, 6)]}
    async with http.post(f"{fake_github.api_url}/repos/octo/demo/pulls/7/reviews", headers=auth(token), json=review):
        pass
    first, second, _third = sorted(repo.pulls[7].review_comments.values(), key=lambda c: c.id)
    an_hour_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    first.created_at = first.updated_at = an_hour_ago - timedelta(hours=1)
    second.created_at = second.updated_at = an_hour_ago - timedelta(minutes=30)
    first.updated_at = an_hour_ago + timedelta(minutes=10)  # edited later
    url = f"{fake_github.api_url}/repos/octo/demo/pulls/comments"

    _, default, _ = await get_json(http, url, token)
    assert [c["body"] for c in default] == ["4", "5", "6"]
    _, by_update, _ = await get_json(http, f"{url}?sort=updated&direction=desc", token)
    assert [c["body"] for c in by_update] == ["6", "4", "5"]
    since = an_hour_ago.strftime("%Y-%m-%dT%H:%M:%SZ")
    _, recent, _ = await get_json(http, f"{url}?since={since}", token)
    assert [c["body"] for c in recent] == ["4", "6"]


async def test_gidgethub_cache_uses_etags(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    repo, _ = small_pull(fake_github)
    cache: dict[str, Any] = {}
    gh = GitHubAPI(
        http, "toasty-tests", oauth_token=fake_github.token_for(repo), cache=cache, base_url=fake_github.api_url
    )
    first = await gh.getitem("/repos/octo/demo/pulls/7")
    second = await gh.getitem("/repos/octo/demo/pulls/7")
    assert first == second
    assert [r.status for r in fake_github.requests("pulls/get")] == [200, 304]


async def test_every_response_carries_rate_limit_headers(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    repo, _ = small_pull(fake_github)
    token = fake_github.token_for(repo)
    _, _, first = await get_json(http, f"{fake_github.api_url}/repos/octo/demo", token)
    _, _, second = await get_json(http, f"{fake_github.api_url}/repos/octo/demo/pulls/7", token)
    assert first["x-ratelimit-limit"] == "5000"
    assert int(second["x-ratelimit-remaining"]) == int(first["x-ratelimit-remaining"]) - 1
    assert int(second["x-ratelimit-used"]) == int(first["x-ratelimit-used"]) + 1
    assert first["x-ratelimit-resource"] == "core"
    assert int(first["x-ratelimit-reset"]) > time.time()


# --- faults ---------------------------------------------------------------------------------------------------------


async def test_secondary_rate_limit_says_when_to_retry(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    repo, _ = small_pull(fake_github)
    fake_github.secondary_rate_limit_next("pulls/get", retry_after=30)
    status, body, headers = await get_json(
        http, f"{fake_github.api_url}/repos/octo/demo/pulls/7", fake_github.token_for(repo)
    )
    assert (status, headers["Retry-After"]) == (403, "30")
    assert body["message"].startswith("You have exceeded a secondary rate limit.")
    assert int(headers["x-ratelimit-remaining"]) > 0
    assert (await get_json(http, f"{fake_github.api_url}/repos/octo/demo/pulls/7", fake_github.token_for(repo)))[
        0
    ] == 200


async def test_primary_rate_limit_raises_in_gidgethub(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    from gidgethub import RateLimitExceeded

    repo, _ = small_pull(fake_github)
    fake_github.primary_rate_limit_next("*", reset_in=120)
    gh = GitHubAPI(http, "toasty-tests", oauth_token=fake_github.token_for(repo), base_url=fake_github.api_url)
    with pytest.raises(RateLimitExceeded) as raised:
        await gh.getitem("/repos/octo/demo")
    assert raised.value.rate_limit.remaining == 0
    fake_github.primary_rate_limit_next("pulls/get", status=429)
    with pytest.raises(BadRequest) as raised_429:
        await gh.getitem("/repos/octo/demo/pulls/7")
    assert raised_429.value.status_code == 429


async def test_an_exhausted_budget_refuses_until_reset(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    repo, _ = small_pull(fake_github)
    token = fake_github.token_for(repo)
    fake_github.rate_limits.set_remaining(f"installation:{fake_github.installation(repo).id}", "core", 0)
    status, body, headers = await get_json(http, f"{fake_github.api_url}/repos/octo/demo", token)
    assert (status, headers["x-ratelimit-remaining"]) == (403, "0")
    assert body["message"].startswith("API rate limit exceeded for installation ID")


@pytest.mark.parametrize(("status", "html"), [(502, True), (503, False), (500, False)])
async def test_server_errors(fake_github: FakeGitHub, http: aiohttp.ClientSession, status: int, html: bool) -> None:
    repo, _ = small_pull(fake_github)
    fake_github.server_error_next("pulls/list-files", status=status, html=html, times=2)
    gh = GitHubAPI(http, "toasty-tests", oauth_token=fake_github.token_for(repo), base_url=fake_github.api_url)
    for _ in range(2):
        with pytest.raises(GitHubBroken):
            await gh.getitem("/repos/octo/demo/pulls/7/files")
    assert len(await gh.getitem("/repos/octo/demo/pulls/7/files")) == 3
    content_types = [r.response_json is None for r in fake_github.requests("pulls/list-files")]
    assert content_types == [html, html, False]


async def test_a_slow_answer_trips_the_client_timeout(fake_github: FakeGitHub, http: aiohttp.ClientSession) -> None:
    repo, _ = small_pull(fake_github)
    fake_github.delay_next("pulls/get", seconds=0.3)
    with pytest.raises(TimeoutError):
        await get_json(
            http,
            f"{fake_github.api_url}/repos/octo/demo/pulls/7",
            fake_github.token_for(repo),
            timeout=aiohttp.ClientTimeout(total=0.05),
        )
    await asyncio.sleep(0)
    status, _, _ = await get_json(http, f"{fake_github.api_url}/repos/octo/demo/pulls/7", fake_github.token_for(repo))
    assert status == 200


def test_faults_for_unknown_operations_are_refused_at_once() -> None:
    require_shared()
    fake = FakeGitHub()
    with pytest.raises(ValueError, match="not an operation id"):
        fake.fail_next("pulls/create-reveiw", status=500)


# --- OpenAPI validation ---------------------------------------------------------------------------------------------


async def test_invalid_bodies_unknown_paths_and_bad_query_parameters_are_refused_and_recorded(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, pull = small_pull(fake_github)
    headers = auth(fake_github.token_for(repo))
    bogus = {"path": "a.py", "start_line": 1, "end_line": 1, "annotation_level": "bogus", "message": "m"}
    run = {
        "name": "toasty",
        "head_sha": pull.head_sha,
        "output": {"title": "t", "summary": "s", "annotations": [bogus]},
    }
    async with http.post(f"{fake_github.api_url}/repos/octo/demo/check-runs", headers=headers, json=run) as r:
        assert r.status == 422
        assert "annotation_level" in (await r.json())["message"]
    async with http.get(f"{fake_github.api_url}/repos/octo/demo/no-such-thing", headers=headers) as r:
        assert r.status == 404
    async with http.get(f"{fake_github.api_url}/repos/octo/demo/pulls/7/files?per_page=101", headers=headers) as r:
        assert r.status == 422
    async with http.get(f"{fake_github.api_url}/repos/octo/demo/pulls/7/files?sort=name", headers=headers) as r:
        assert r.status == 422
    async with http.post(f"{fake_github.api_url}/repos/octo/demo/check-runs", headers=headers, data=b"{not json") as r:
        assert (r.status, (await r.json())["message"]) == (400, "Problems parsing JSON")

    with pytest.raises(AssertionError, match="GitHub would refuse"):
        fake_github.assert_no_invalid_requests()
    taken = fake_github.take_invalid_requests()
    assert [(r.operation_id, r.status) for r in taken] == [
        ("checks/create", 422),
        (None, 404),
        ("pulls/list-files", 422),
        ("pulls/list-files", 422),
        ("checks/create", 400),
    ]
    assert any("bogus" in reason for reason in taken[0].invalid)
    fake_github.assert_no_invalid_requests()


async def test_unimplemented_operations_answer_501_and_flag_the_fake(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, _ = small_pull(fake_github)
    async with http.get(
        f"{fake_github.api_url}/repos/octo/demo/pulls/7/commits", headers=auth(fake_github.token_for(repo))
    ) as r:
        assert r.status == 501
    assert any("pulls/list-commits" in defect for defect in fake_github.take_fake_defects())


def test_the_response_validator_catches_unrealistic_bodies() -> None:
    require_shared()
    description = load_description(DOTCOM)
    problems = description.validate_response(description.by_id["pulls/get"], 200, {"number": "7"})
    assert any("number" in p for p in problems)
    assert any("wasn't supplied" in p for p in problems)


@pytest.mark.parametrize("fake_github", [{}, {"enterprise": True}], indirect=True, ids=["github.com", "ghes"])
async def test_the_fakes_answers_match_githubs_documented_response_schemas(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    """Every 2xx the fake sends is checked against the OpenAPI response schema; this walks the main endpoints."""
    repo, pull = small_pull(fake_github)
    token = fake_github.token_for(repo)
    gh = GitHubAPI(http, "toasty-tests", oauth_token=token, base_url=fake_github.api_url)
    api = "/repos/octo/demo"
    run = await gh.post(f"{api}/check-runs", data={"name": "toasty", "head_sha": pull.head_sha})
    await gh.patch(
        f"{api}/check-runs/{run['id']}",
        data={"conclusion": "success", "output": {"title": "t", "summary": "s", "annotations": make_annotations(2)}},
    )
    review = await gh.post(
        f"{api}/pulls/7/reviews",
        data={"event": "COMMENT", "body": "b", "comments": [{"path": "src/app.py", "line": 5, "body": "c"}]},
    )
    comment_id = next(iter(pull.review_comments))
    await gh.post(f"{api}/pulls/comments/{comment_id}/reactions", data={"content": "heart"})
    issue_comment = await gh.post(f"{api}/issues/7/comments", data={"body": "summary"})
    await gh.post(f"{api}/issues/comments/{issue_comment['id']}/reactions", data={"content": "rocket"})
    await gh.post(
        f"{api}/pulls/7/comments", data={"body": "single", "commit_id": pull.head_sha, "path": "new.py", "line": 1}
    )
    rate_limit = [] if fake_github.enterprise else ["/rate_limit"]
    for url in [
        "/",
        *rate_limit,
        "/installation/repositories",
        api,
        f"{api}/pulls",
        f"{api}/pulls/7",
        f"{api}/pulls/7/files",
        f"{api}/pulls/7/reviews",
        f"{api}/pulls/7/reviews/{review['id']}",
        f"{api}/pulls/7/reviews/{review['id']}/comments",
        f"{api}/pulls/7/comments",
        f"{api}/pulls/comments",
        f"{api}/pulls/comments/{comment_id}",
        f"{api}/pulls/comments/{comment_id}/reactions",
        f"{api}/issues/7/comments",
        f"{api}/issues/comments/{issue_comment['id']}/reactions",
        f"{api}/check-runs/{run['id']}",
        f"{api}/check-runs/{run['id']}/annotations",
        f"{api}/check-suites/{run['check_suite']['id']}",
        f"{api}/check-suites/{run['check_suite']['id']}/check-runs",
        f"{api}/commits/{pull.head_sha}/check-runs",
        f"{api}/commits/{pull.head_sha}/check-suites",
        f"{api}/contents/.github/toasty.yml",
        f"{api}/contents/src",
        f"{api}/git/trees/{pull.head_sha}?recursive=1",
        f"{api}/git/blobs/{file_sha(pull, 'src/app.py')}",
        f"{api}/git/commits/{pull.head_sha}",
        f"{api}/collaborators/alice/permission",
    ]:
        await gh.getitem(url)
    jwt = fake_github.app.jwt()
    for url in [
        "/app",
        "/app/installations",
        f"/app/installations/{fake_github.installation(repo).id}",
        f"{api}/installation",
    ]:
        await gh.getitem(url, jwt=jwt)
    assert fake_github.take_fake_defects() == []
    assert all(r.status < 300 for r in fake_github.requests())


# --- GitHub Enterprise Server ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fake_github", GHES, indirect=True)
async def test_enterprise_server_serves_rest_under_api_v3_and_graphql_at_api_graphql(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo, pull = small_pull(fake_github)
    token = fake_github.token_for(repo)
    assert fake_github.api_url == f"{fake_github.url}/api/v3"
    assert fake_github.graphql_url == f"{fake_github.url}/api/graphql"
    status, body, headers = await get_json(http, f"{fake_github.api_url}/repos/octo/demo/pulls/7", token)
    assert status == 200
    assert body["url"] == f"{fake_github.url}/api/v3/repos/octo/demo/pulls/7"
    assert headers["X-GitHub-Enterprise-Version"].startswith("3.19")
    assert "x-ratelimit-limit" not in headers  # rate limiting is off by default on GHES
    assert (await get_json(http, f"{fake_github.api_url}/rate_limit", token))[0] == 404
    query = {
        "query": 'query { repository(owner: "octo", name: "demo") { object(expression: "HEAD:src/app.py") { oid } } }'
    }
    async with http.post(fake_github.graphql_url, headers=auth(token), json=query) as r:
        found = (await r.json())["data"]["repository"]["object"]["oid"]
    assert found == blob_sha(repo.commits[pull.base_sha].files["src/app.py"])

    assert (await get_json(http, f"{fake_github.url}/repos/octo/demo/pulls/7", token))[0] == 404
    assert (await get_json(http, f"{fake_github.url}/graphql", token))[0] == 404
    assert len(fake_github.take_invalid_requests()) == 2

    delivery = fake_github.webhook("pull_request", "opened", pull=pull)
    assert delivery.headers["X-GitHub-Enterprise-Host"] == fake_github.url.split("://")[1]
    assert delivery.payload["pull_request"]["url"].startswith(f"{fake_github.url}/api/v3/repos/octo/demo/")


@pytest.mark.parametrize("fake_github", GHES, indirect=True)
async def test_enterprise_pagination_links_keep_the_api_prefix(
    fake_github: FakeGitHub, http: aiohttp.ClientSession
) -> None:
    repo = fake_github.add_repo("octo/wide")
    repo.add_pull(1, base_files={}, changes={f"f{i}.py": "x\n" for i in range(40)})
    gh = GitHubAPI(http, "toasty-tests", oauth_token=fake_github.token_for(repo), base_url=fake_github.api_url)
    assert len([f async for f in gh.getiter("/repos/octo/wide/pulls/1/files")]) == 40
    second = fake_github.requests("pulls/list-files")[1]
    assert second.path == f"/api/v3/repositories/{repo.id}/pulls/1/files"
    assert second.query == {"page": "2"}
