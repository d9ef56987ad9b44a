"""The HTTP side of the fake: one aiohttp handler that routes, authenticates, validates, answers and records."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import socket
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.fakegithub import faults as fault_bodies
from tests.fakegithub.access import (
    ANONYMOUS,
    INSTALLATION,
    Credential,
    authenticate,
    credential_kind,
    missing_permission,
)
from tests.fakegithub.accounts import AccessToken
from tests.fakegithub.activity import HookDelivery
from tests.fakegithub.errors import GENERIC_DOCS, ApiError, error_body, forbidden, invalid_request, not_found
from tests.fakegithub.faults import Fault, FaultQueue
from tests.fakegithub.graphql import execute as execute_graphql
from tests.fakegithub.handlers import HANDLERS, Reply, RequestContext
from tests.fakegithub.openapi import NoSuchPath, OpenApiDescription, WrongMethod
from tests.fakegithub.ratelimit import RateLimits
from tests.fakegithub.recording import RecordedRequest, Recorder
from tests.fakegithub.render_core import Urls
from tests.fakegithub.state import GitHubState
from tests.fakegithub.timestamps import iso

GHES_REST_PREFIX = "/api/v3"
GHES_GRAPHQL_PATH = "/api/graphql"
DOTCOM_GRAPHQL_PATH = "/graphql"
GHES_VERSION = "3.19.0"
API_VERSIONS = ("2022-11-28", "2026-03-10")
GRAPHQL_AUTH_MESSAGE = "This endpoint requires you to be authenticated."
GRAPHQL_AUTH_DOCS = "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"
_JSON = "application/json; charset=utf-8"


@dataclass
class Exchange:
    """One request as received, and what the fake learned about it while answering."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    operation_id: str | None = None
    json: Any = None
    invalid: list[str] = field(default_factory=list)
    fault: str | None = None
    applied_fault: Fault | None = None


@dataclass
class Outcome:
    """The response to send."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    not_modified: bool = False


class FakeServer:
    """Serves the fake GitHub on 127.0.0.1 at a free port."""

    def __init__(
        self,
        *,
        state: GitHubState,
        description: OpenApiDescription,
        recorder: Recorder,
        faults: FaultQueue,
        rate_limits: RateLimits,
        enterprise: bool,
        validate_responses: bool,
        redeliver: Callable[[HookDelivery], Awaitable[object]],
    ) -> None:
        self.state = state
        self.description = description
        self.recorder = recorder
        self.faults = faults
        self.rate_limits = rate_limits
        self.enterprise = enterprise
        self.validate_responses = validate_responses
        self.redeliver = redeliver
        self.url = ""
        self.urls = Urls("", "")
        self._runner: web.AppRunner | None = None
        self._background: set[asyncio.Task[object]] = set()

    async def start(self) -> str:
        """Bind a free loopback port and start serving; returns the base URL."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        api = self.url + (GHES_REST_PREFIX if self.enterprise else "")
        self.urls = Urls(api=api, web=self.url if self.enterprise else "https://github.com")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        return self.url

    async def stop(self) -> None:
        """Stop serving and cancel background work (e.g. redeliveries in flight)."""
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def graphql_path(self) -> str:
        """Where GraphQL lives: /graphql on github.com, /api/graphql on Enterprise Server."""
        return GHES_GRAPHQL_PATH if self.enterprise else DOTCOM_GRAPHQL_PATH

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """The single aiohttp route: answer, record, and never let a fake defect pass silently."""
        exchange = Exchange(
            method=request.method,
            path=request.rel_url.raw_path,
            query={key: request.rel_url.query[key] for key in request.rel_url.query},
            headers={key.lower(): value for key, value in request.headers.items()},
            body=await request.read(),
        )
        try:
            outcome = await self._answer(exchange)
        except asyncio.CancelledError:
            self._record(exchange, Outcome(status=0))
            raise
        except Exception:  # a defect in the fake itself: report it loudly, answer like GitHub's 500
            self.recorder.fake_defects.append(f"{exchange.method} {exchange.path}:\n{traceback.format_exc()}")
            outcome = self._json(500, {"message": "Server Error (fake GitHub crashed; see fake_defects)"})
        self._record(exchange, outcome)
        return web.Response(status=outcome.status, body=outcome.body or None, headers=outcome.headers)

    async def _answer(self, ex: Exchange) -> Outcome:
        """Dispatch to GraphQL or REST (under the REST root for this flavour of GitHub)."""
        if ex.path == self.graphql_path:
            return await self._graphql(ex)
        prefix = GHES_REST_PREFIX if self.enterprise else ""
        if ex.path != prefix and not ex.path.startswith(prefix + "/"):
            ex.invalid.append(f"{ex.path} is not under the REST API root {prefix or '/'}")
            return self._json(404, error_body("Not Found", GENERIC_DOCS, 404))
        try:
            return await self._rest(ex, ex.path[len(prefix) :] or "/")
        except ApiError as error:
            return self._error(error, ex)

    async def _rest(self, ex: Exchange, api_path: str) -> Outcome:
        """Route, authenticate, validate, apply faults and limits, then run the operation's handler."""
        api_path = self._canonical_repo_path(api_path)
        try:
            found = self.description.match(ex.method, api_path)
        except (NoSuchPath, WrongMethod) as missing:
            ex.invalid.append(f"{ex.method} {api_path}: {type(missing).__name__} in {self.description.name} OpenAPI")
            raise not_found() from missing
        op = found.operation
        ex.operation_id = op.operation_id
        self._check_api_version(ex, op.documentation_url)
        credential = authenticate(self.state, ex.headers, credential_kind(op.operation_id), op.documentation_url)
        context = self._validated_context(ex, api_path, found.path_params, credential)
        if credential.token is not None:
            lacking = missing_permission(op.operation_id, ex.method, credential.token)
            if lacking:
                refused = forbidden(documentation_url=op.documentation_url)
                refused.headers["x-accepted-github-permissions"] = lacking.replace(":", "=")
                raise refused
        early = await self._fault_or_limit(ex, credential, "core")
        if early is not None:
            return early
        handler = HANDLERS.get(op.operation_id)
        if handler is None:
            self.recorder.fake_defects.append(
                f"{op.operation_id} ({ex.method} {api_path}) is not implemented by the fake"
            )
            return self._json(
                501, error_body(f"{op.operation_id} is not implemented by the fake GitHub", op.documentation_url)
            )
        outcome = self._respond(ex, context, handler(context), credential)
        if ex.applied_fault is not None:
            return self._fault_outcome(ex.applied_fault, credential, "core")
        return outcome

    def _validated_context(
        self, ex: Exchange, api_path: str, raw_params: dict[str, str], credential: Credential
    ) -> RequestContext:
        """Validate path, query and body against the description; build the handler's context."""
        op = self.description.by_id[ex.operation_id or ""]
        params, problems = self.description.coerce_path_params(op, raw_params)
        if problems:
            ex.invalid += problems
            raise not_found(op.documentation_url)
        query, problems = self.description.validate_query(op, ex.query)
        ex.json, present = self._parse_body(ex, op.documentation_url)
        problems += self.description.validate_body(op, ex.json, present=present)
        if problems:
            ex.invalid += problems
            raise invalid_request(problems, op.documentation_url)
        return RequestContext(
            state=self.state,
            urls=self.urls,
            operation=op,
            api_path=api_path,
            params=params,
            query=query,
            raw_query=ex.query,
            body=ex.json,
            headers=ex.headers,
            credential=credential,
            rate_limits=self.rate_limits,
            redeliver=self.redeliver,
        )

    def _parse_body(self, ex: Exchange, docs: str) -> tuple[Any, bool]:
        """The JSON body (and whether there was one); malformed JSON is GitHub's 400."""
        if not ex.body.strip():
            return None, False
        try:
            return json.loads(ex.body), True
        except ValueError as error:
            ex.invalid.append(f"body is not JSON: {error}")
            raise ApiError(400, error_body("Problems parsing JSON", docs, 400)) from error

    def _check_api_version(self, ex: Exchange, docs: str) -> None:
        """An unsupported X-GitHub-Api-Version is refused with 400, as GitHub does."""
        version = ex.headers.get("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            ex.invalid.append(f"X-GitHub-Api-Version {version!r} is not a supported version")
            raise ApiError(400, error_body(f"API version {version} is not supported.", docs, 400))

    async def _fault_or_limit(self, ex: Exchange, credential: Credential, resource: str) -> Outcome | None:
        """A scripted fault for this request, or the primary limit when its budget is spent."""
        fault = self.faults.take(ex.operation_id)
        if fault is not None:
            ex.fault = fault.label
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.applied:
                ex.applied_fault = fault
            elif fault.status is not None:
                return self._fault_outcome(fault, credential, resource)
        budget = self.rate_limits.budget(credential.rate_key, resource)
        if self.rate_limits.enabled and budget.remaining <= 0:
            installation_id = credential.token.installation.id if credential.token else 0
            reset_in = max(0, budget.reset - int(time.time()))
            limited = fault_bodies.primary_rate_limit(
                "*", installation_id=installation_id, reset_in=reset_in, status=403, times=1
            )
            outcome = self._fault_outcome(limited, credential, resource)
            outcome.headers.update(self.rate_limits.headers(credential.rate_key, resource))
            return outcome
        return None

    def _fault_outcome(self, fault: Fault, credential: Credential, resource: str) -> Outcome:
        """The response for a fault, with current rate-limit headers under its own."""
        headers = self._common_headers() | self.rate_limits.headers(credential.rate_key, resource) | fault.headers
        try:
            parsed = json.loads(fault.body) if fault.body else None
        except ValueError:
            parsed = None
        return Outcome(fault.status or 500, fault.body, headers, parsed)

    def _respond(self, ex: Exchange, context: RequestContext, reply: Reply, credential: Credential) -> Outcome:
        """Serialise a reply: ETag and 304 for GETs, rate-limit accounting, response validation."""
        if reply.background is not None:
            task = asyncio.ensure_future(reply.background())
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        body = reply.raw if reply.raw is not None else b"" if reply.body is None else _dump(reply.body)
        headers = self._common_headers() | ({"content-type": reply.content_type} if body else {}) | reply.headers
        if ex.method == "GET" and reply.status == 200:
            headers["etag"] = _etag(body)
            if _etag_matches(ex.headers.get("if-none-match"), headers["etag"]):
                headers.pop("content-type", None)
                rate = self.rate_limits.headers(credential.rate_key, "core")
                return Outcome(304, b"", headers | rate, None, not_modified=True)
        self.rate_limits.spend(credential.rate_key, "core")
        headers |= self.rate_limits.headers(credential.rate_key, "core")
        if self.validate_responses and 200 <= reply.status < 300 and reply.raw is None:
            for problem in self.description.validate_response(context.operation, reply.status, reply.body):
                self.recorder.fake_defects.append(f"{context.operation.operation_id} response: {problem}")
        return Outcome(reply.status, body, headers, reply.body)

    async def _graphql(self, ex: Exchange) -> Outcome:
        """POST /graphql: token required, body must be JSON, query run against the small schema."""
        ex.operation_id = fault_bodies.GRAPHQL_OPERATION
        if ex.method != "POST":
            ex.invalid.append(f"GraphQL takes POST, not {ex.method}")
            return self._json(404, error_body("Not Found", GENERIC_DOCS, 404))
        try:
            credential = authenticate(self.state, ex.headers, INSTALLATION, GRAPHQL_AUTH_DOCS)
        except ApiError:
            return self._json(401, {"message": GRAPHQL_AUTH_MESSAGE, "documentation_url": GRAPHQL_AUTH_DOCS})
        try:
            request = json.loads(ex.body or b"null")
        except ValueError:
            request = None
        if not isinstance(request, dict):
            ex.invalid.append("GraphQL body is not a JSON object")
            return self._json(400, {"message": "Problems parsing JSON", "documentation_url": GRAPHQL_AUTH_DOCS})
        ex.json = request
        early = await self._fault_or_limit(ex, credential, "graphql")
        if early is not None:
            return early
        token = credential.token
        budget = self.rate_limits.spend(credential.rate_key, "graphql")
        rate: dict[str, Any] = {
            "cost": 1,
            "limit": budget.limit,
            "remaining": budget.remaining,
            "used": budget.used,
            "nodeCount": 1,
        }
        rate["resetAt"] = iso(datetime.fromtimestamp(budget.reset, UTC))
        result = execute_graphql(
            self.state, request, can_see=lambda repo: token is not None and token.can_see(repo), rate=rate
        )
        ex.invalid += list(result.invalid)
        outcome = self._json(200, result.body)
        outcome.headers |= self.rate_limits.headers(credential.rate_key, "graphql")
        return outcome

    def _canonical_repo_path(self, api_path: str) -> str:
        """GitHub's Link headers address repositories by id (/repositories/{id}/...); route them like /repos/..."""
        found = re.match(r"^/repositories/(\d+)(/.*)?$", api_path)
        if not found:
            return api_path
        repo = self.state.repo_by_id(int(found.group(1)))
        if repo is None:
            raise not_found()
        return f"/repos/{repo.full_name}{found.group(2) or ''}"

    def _error(self, error: ApiError, ex: Exchange) -> Outcome:
        """An API error as a response (with rate-limit headers unless authentication failed)."""
        outcome = self._json(error.status, error.body)
        outcome.headers |= error.headers
        if error.status != 401:
            token = _token_of(self.state, ex.headers)
            who = Credential(INSTALLATION, token).rate_key if token else ANONYMOUS
            outcome.headers |= self.rate_limits.headers(who, "core")
        return outcome

    def _json(self, status: int, body: Any) -> Outcome:
        """A JSON response with GitHub's common headers."""
        return Outcome(status, _dump(body), self._common_headers() | {"content-type": _JSON}, body)

    def _common_headers(self) -> dict[str, str]:
        """Headers GitHub sends on every API response."""
        headers = {
            "x-github-request-id": fault_bodies.request_id(),
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": API_VERSIONS[0],
        }
        if self.enterprise:
            headers["x-github-enterprise-version"] = GHES_VERSION
        return headers

    def _record(self, ex: Exchange, outcome: Outcome) -> None:
        """Log the exchange."""
        self.recorder.add(
            RecordedRequest(
                method=ex.method,
                path=unquote(ex.path),
                query=dict(ex.query),
                headers=dict(ex.headers),
                body=ex.body,
                json=ex.json,
                operation_id=ex.operation_id,
                status=outcome.status,
                response_json=outcome.json,
                not_modified=outcome.not_modified,
                invalid=tuple(ex.invalid),
                fault=ex.fault,
            )
        )


def _dump(body: Any) -> bytes:
    """Compact UTF-8 JSON, as GitHub sends it."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _etag(body: bytes) -> str:
    """A weak validator derived from the body, like the W/"..." GitHub sends for JSON."""
    return f'W/"{hashlib.sha256(body).hexdigest()}"'


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110): W/ prefixes are ignored; `*` matches anything."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    candidates = [candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")]
    return "*" in candidates or wanted in candidates


def _token_of(state: GitHubState, headers: dict[str, str]) -> AccessToken | None:
    """The installation token a request carried, if any (for the rate-limit headers of errors)."""
    _, _, secret = headers.get("authorization", "").partition(" ")
    return state.tokens.get(secret.strip())
