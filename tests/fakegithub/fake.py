"""The test-facing fake GitHub: arrange state, run the server, read what the App did, script failures, send webhooks."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import aiohttp

from tests.fakegithub import faults
from tests.fakegithub.accounts import App, Installation
from tests.fakegithub.activity import HookDelivery, IssueComment, Reaction, ReviewComment
from tests.fakegithub.errors import GENERIC_DOCS, error_body
from tests.fakegithub.faults import ANY_OPERATION, GRAPHQL_OPERATION, Fault, FaultQueue
from tests.fakegithub.openapi import DOTCOM, GHES, load_description
from tests.fakegithub.ratelimit import RateLimits
from tests.fakegithub.recording import RecordedRequest, Recorder, describe
from tests.fakegithub.repository import Pull, Repo
from tests.fakegithub.server import FakeServer
from tests.fakegithub.state import GitHubState
from tests.fakegithub.webhooks import Target, WebhookDelivery, adapt, load_example, sign

# https://docs.github.com/webhooks/using-webhooks/best-practices-for-using-webhooks: GitHub waits 10 s (GHES 30 s).
DELIVERY_TIMEOUT_SECONDS = {False: 10.0, True: 30.0}


class FakeGitHub:
    """GitHub (github.com or Enterprise Server) on a loopback port, backed by in-memory state."""

    def __init__(
        self,
        *,
        enterprise: bool = False,
        validate_responses: bool = True,
        rate_limits: bool | None = None,
        app_id: int = 424242,
        app_slug: str = "toasty",
        webhook_secret: str = "fake-webhook-secret",
    ) -> None:
        self.enterprise = enterprise
        self.description = load_description(GHES if enterprise else DOTCOM)
        self.state = GitHubState(app_id=app_id, app_slug=app_slug, webhook_secret=webhook_secret)
        self.recorder = Recorder()
        self.faults = FaultQueue()
        # Enterprise Server ships with rate limiting off; github.com always reports it.
        self.rate_limits = RateLimits(enabled=not enterprise if rate_limits is None else rate_limits)
        self._server = FakeServer(
            state=self.state,
            description=self.description,
            recorder=self.recorder,
            faults=self.faults,
            rate_limits=self.rate_limits,
            enterprise=enterprise,
            validate_responses=validate_responses,
            redeliver=self._redeliver,
        )
        self._session: aiohttp.ClientSession | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------------

    async def start(self) -> FakeGitHub:
        """Start serving on 127.0.0.1 at a free port."""
        await self._server.start()
        return self

    async def stop(self) -> None:
        """Stop serving and close the webhook client."""
        await self._server.stop()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- where it lives --------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's base URL, e.g. http://127.0.0.1:PORT."""
        return self._server.url

    @property
    def api_url(self) -> str:
        """The REST root the App should be configured with (GITHUB_API_URL): `url`, or `url`/api/v3 on GHES."""
        return self._server.urls.api

    @property
    def graphql_url(self) -> str:
        """The GraphQL endpoint: `url`/graphql, or `url`/api/graphql on GHES."""
        return self.url + self._server.graphql_path

    @property
    def app(self) -> App:
        """The App under test: `.id`, `.private_key_pem`, `.webhook_secret`, `.jwt()`, `.bot`."""
        return self.state.app

    # -- arranging state -------------------------------------------------------------------------------------------

    def add_repo(
        self, full_name: str, *, default_branch: str = "main", private: bool = True, installed: bool = True
    ) -> Repo:
        """Create a repository (the App is installed on its owner and given access, unless `installed=False`)."""
        return self.state.add_repo(full_name, default_branch=default_branch, private=private, installed=installed)

    def installation(self, repo: Repo) -> Installation:
        """The installation that reaches `repo`."""
        found = self.state.installation_for(repo)
        if found is None:
            raise LookupError(f"the App is not installed on {repo.full_name}")
        return found

    def token_for(self, repo: Repo) -> str:
        """An installation token for `repo`'s installation, for tests that skip the App's own token exchange."""
        return self.state.issue_token(self.installation(repo)).token

    def expire_tokens(self) -> None:
        """Expire every installation token issued so far (the App must fetch a new one)."""
        self.state.expire_tokens()

    def react(
        self, comment: ReviewComment | IssueComment | int, content: str, *, user: str, bot: bool = False
    ) -> Reaction:
        """A user (or bot) reacts to a comment; the comment's roll-up changes, its updated_at does not."""
        return self.state.react(self._comment(comment), content, user, kind="Bot" if bot else "User")

    def unreact(self, comment: ReviewComment | IssueComment | int, content: str, *, user: str) -> None:
        """Withdraw a user's reaction."""
        self.state.unreact(self._comment(comment), content, user)

    def review_comment(self, comment_id: int) -> ReviewComment:
        """A review comment the App created, by id."""
        found = self.state.find_review_comment(comment_id)
        if found is None:
            raise LookupError(f"no review comment {comment_id}")
        return found

    # -- what the App did ------------------------------------------------------------------------------------------

    def requests(self, operation_id: str | None = None) -> list[RecordedRequest]:
        """Every recorded request in order, or only those for an operation id ("checks/update", "graphql")."""
        return self.recorder.matching(operation_id)

    def count(self, operation_id: str | None = None) -> int:
        """How many requests (for an operation id) the fake received."""
        return len(self.recorder.matching(operation_id))

    def invalid_requests(self) -> list[RecordedRequest]:
        """Requests that broke GitHub's documented contract and were refused (not yet taken by a test)."""
        return self.recorder.invalid()

    def take_invalid_requests(self) -> list[RecordedRequest]:
        """Return the invalid requests and accept them as intended, so teardown does not fail on them."""
        return self.recorder.take_invalid()

    def take_fake_defects(self) -> list[str]:
        """Return and clear the fake's own defects (unimplemented endpoints, responses off the documented schema)."""
        return self.recorder.take_defects()

    def assert_no_invalid_requests(self) -> None:
        """Fail with the list of invalid requests, if any."""
        invalid = self.recorder.invalid()
        assert not invalid, "The App sent requests GitHub would refuse:\n" + describe(invalid)

    def check(self) -> None:
        """What the fixture runs at teardown: no invalid requests, and no defects in the fake itself."""
        self.assert_no_invalid_requests()
        defects = self.recorder.fake_defects
        assert not defects, "The fake GitHub found defects in itself:\n" + "\n".join(defects)

    # -- scripted failures -----------------------------------------------------------------------------------------

    def fail_next(
        self,
        operation: str,
        *,
        status: int,
        json: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> Fault:
        """Answer the next `times` requests for `operation` (an operation id, "graphql" or "*") with this response."""
        self._check_operation(operation)
        if body is None:
            payload = dict(json) if json is not None else error_body(_reason(status), GENERIC_DOCS, status)
            fault = faults.json_fault(
                operation, status, payload, times=times, label=f"fail-{status}", **dict(headers or {})
            )
        else:
            fault = Fault(operation, status, body, dict(headers or {}), times=times, label=f"fail-{status}")
        fault.delay = delay
        return self.faults.add(fault)

    def delay_next(self, operation: str = ANY_OPERATION, *, seconds: float, times: int = 1) -> Fault:
        """Sleep before answering the next requests normally (to test the App's client timeouts)."""
        self._check_operation(operation)
        return self.faults.add(Fault(operation, None, delay=seconds, times=times, label=f"delay-{seconds}s"))

    def secondary_rate_limit_next(
        self, operation: str = ANY_OPERATION, *, retry_after: int | None = 60, status: int = 403, times: int = 1
    ) -> Fault:
        """GitHub's secondary rate limit: 403 (or 429) with Retry-After and its "secondary rate limit" message."""
        self._check_operation(operation)
        return self.faults.add(
            faults.secondary_rate_limit(operation, retry_after=retry_after, status=status, times=times)
        )

    def primary_rate_limit_next(
        self, operation: str = ANY_OPERATION, *, status: int = 403, reset_in: int = 60, times: int = 1
    ) -> Fault:
        """The hourly budget exhausted: x-ratelimit-remaining 0, x-ratelimit-reset `reset_in` seconds ahead."""
        self._check_operation(operation)
        installation_id = next(iter(self.state.installations), 0)
        fault = faults.primary_rate_limit(
            operation, installation_id=installation_id, reset_in=reset_in, status=status, times=times
        )
        return self.faults.add(fault)

    def server_error_next(
        self, operation: str = ANY_OPERATION, *, status: int = 502, html: bool = False, times: int = 1
    ) -> Fault:
        """A 5xx from GitHub: its HTML "Unicorn!" page or a JSON error body."""
        self._check_operation(operation)
        return self.faults.add(faults.server_error(operation, status=status, html=html, times=times))

    def server_error_after_next(self, operation: str, *, status: int = 502, times: int = 1) -> Fault:
        """Carry out the next request(s), then answer with a 5xx anyway (GitHub does so on large reviews)."""
        self._check_operation(operation)
        fault = faults.server_error(operation, status=status, html=False, times=times)
        fault.applied, fault.label = True, f"applied-then-{status}"
        return self.faults.add(fault)

    def reject_next_review(self, errors: list[str] | None = None, *, times: int = 1) -> Fault:
        """Refuse the next review(s) with GitHub's 422 for comments outside the diff."""
        return self.faults.add(faults.review_rejection(errors, times=times))

    def pending_faults(self) -> list[Fault]:
        """Scripted faults that have not fired yet."""
        return self.faults.pending()

    # -- webhooks --------------------------------------------------------------------------------------------------

    def webhook_payload(
        self, event: str, name: str, *, repo: Repo | None = None, pull: Pull | None = None, sender: str | None = None
    ) -> dict[str, Any]:
        """GitHub's example payload `event/name`, fitted to the fake's repository, pull request and installation."""
        repo = repo or (pull.repo if pull is not None else None)
        installation = self.state.installation_for(repo) if repo is not None else None
        target = Target(
            app=self.app,
            api_url=self.api_url,
            web_url=self._server.urls.web,
            repo=repo,
            pull=pull,
            installation_id=installation.id if installation else None,
            sender=self.state.user(sender) if sender else None,
        )
        return adapt(load_example(event, name), target)

    def webhook(
        self,
        event: str,
        name: str,
        *,
        repo: Repo | None = None,
        pull: Pull | None = None,
        sender: str | None = None,
        modify: Callable[[dict[str, Any]], None] | None = None,
    ) -> WebhookDelivery:
        """A signed delivery of an example payload (optionally modified first), ready to POST to the App."""
        payload = self.webhook_payload(event, name, repo=repo, pull=pull, sender=sender)
        if modify is not None:
            modify(payload)
        return self.sign(event, payload)

    def sign(self, event: str, payload: Mapping[str, Any] | bytes, *, secret: str | None = None) -> WebhookDelivery:
        """Sign a payload with the App's webhook secret (or another, to test refusals)."""
        host = self.url.split("://", 1)[-1] if self.enterprise else None
        return sign(event, payload, secret=secret or self.app.webhook_secret, app_id=self.app.id, enterprise_host=host)

    async def deliver(self, delivery: WebhookDelivery, url: str, *, redelivery: bool = False) -> HookDelivery:
        """POST a delivery to the App as GitHub would (with its timeout) and log it for /app/hook/deliveries."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        payload = delivery.payload
        record = HookDelivery(
            id=self.state.ids.next("delivery"),
            guid=delivery.delivery_id,
            event=delivery.event,
            action=payload.get("action"),
            installation_id=(payload.get("installation") or {}).get("id"),
            repository_id=(payload.get("repository") or {}).get("id"),
            url=url,
            request_headers=dict(delivery.headers),
            request_body=delivery.body,
            redelivery=redelivery,
        )
        started = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT_SECONDS[self.enterprise])
        try:
            async with self._session.post(
                url, data=delivery.body, headers=delivery.headers, timeout=timeout
            ) as response:
                record.status_code = response.status
                record.response_headers = dict(response.headers)
                record.response_body = await response.text()
        except TimeoutError:
            record.status_code = 0
            record.response_body = "timed out"
        record.duration = time.monotonic() - started
        self.state.deliveries.append(record)
        return record

    async def _redeliver(self, original: HookDelivery) -> HookDelivery:
        """Send a logged delivery again with its original GUID, as GitHub's redelivery does."""
        delivery = WebhookDelivery(original.event, original.guid, dict(original.request_headers), original.request_body)
        return await self.deliver(delivery, original.url, redelivery=True)

    # -- helpers ---------------------------------------------------------------------------------------------------

    def _comment(self, comment: ReviewComment | IssueComment | int) -> ReviewComment | IssueComment:
        """Accept a comment object or its id (review comments first, then issue comments)."""
        if not isinstance(comment, int):
            return comment
        found = self.state.find_review_comment(comment)
        if found is not None:
            return found
        for repo in self.state.repos.values():
            if comment in repo.issue_comments:
                return repo.issue_comments[comment]
        raise LookupError(f"no comment {comment}")

    def _check_operation(self, operation: str) -> None:
        """Catch typos at once: a fault for an operation that does not exist would silently never fire."""
        if operation not in (ANY_OPERATION, GRAPHQL_OPERATION) and operation not in self.description.by_id:
            raise ValueError(f"{operation!r} is not an operation id in the {self.description.name} OpenAPI cut")


@asynccontextmanager
async def running_fake_github(**options: Any) -> AsyncIterator[FakeGitHub]:
    """Start a fake for the duration of a block; checks for invalid requests and fake defects on the way out."""
    fake = FakeGitHub(**options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    fake.check()


def _reason(status: int) -> str:
    """The standard reason phrase, used as the message of a scripted error."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
