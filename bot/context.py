"""What handlers are handed (never module globals): the App's long-lived services, plain objects built once at
start, and the context of one delivery, built once when it is dispatched. Neither has behaviour of its own: each
behaviour belongs to one of the services (the pull-request locks, trust, learning…) or to a module of its own."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass

from bot.github.auth import GitHubApp
from bot.github.client import GitHubClient
from bot.github.trust import Trust
from bot.github.webhooks import Envelope
from bot.learning.service import LearningService
from bot.metrics import Metrics
from bot.settings import Settings
from bot.store.db import Database
from bot.store.pull_locks import PullRequestLocks

_log = logging.getLogger("bot.delivery")


class MissingCredentials(RuntimeError):
    """The App was started without GITHUB_APP_ID and a private key, so it cannot act on GitHub."""


@dataclass(frozen=True, slots=True)
class Services:
    """What lives as long as the App and every delivery shares (GitHub's HTTP session is held by `github.auth`)."""

    settings: Settings
    database: Database
    github: GitHubApp | None
    """None when the App was started without credentials: it records deliveries and acts on none."""
    pool: Executor
    learning: LearningService
    metrics: Metrics
    pull_locks: PullRequestLocks
    trust: Trust


@dataclass(frozen=True, slots=True)
class Job:
    """The delivery a handler runs for, and which attempt this is (a retry checks what an earlier one left).

    Whether to try again is not the handler's call: it raises, and the runner's retry policy decides."""

    delivery_id: str
    attempt: int


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    """What one delivery's handlers need: its job, its shared fields typed, the GitHub client of its installation
    (which asks GitHub for nothing until used), the App's own account, and a logger (the runner's `log_context`
    stamps the delivery on every line)."""

    job: Job
    envelope: Envelope
    gh: GitHubClient
    bot_login: str
    log: logging.Logger


def github_app(services: Services) -> GitHubApp:
    """The App's credentials and account, for work that acts on GitHub."""
    if services.github is None:
        raise MissingCredentials("GITHUB_APP_ID and GITHUB_PRIVATE_KEY(_PATH) are needed to act on GitHub")
    return services.github


async def delivery_context(services: Services, job: Job, envelope: Envelope) -> DeliveryContext:
    """The context of one delivery, built once when it is dispatched."""
    app = github_app(services)
    return DeliveryContext(
        job=job,
        envelope=envelope,
        gh=app.auth.installation_client(envelope.installation_id),
        bot_login=await app.login(),
        log=_log,
    )
