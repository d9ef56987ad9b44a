"""Prometheus metrics: what the App does, how long it takes, and how GitHub answers. One registry per App."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_NUMBER = re.compile(r"/\d+(?=/|$)")
_REPOSITORY = re.compile(r"^/repos/[^/]+/[^/]+")
_QUERY = re.compile(r"\?.*$")
_SHA = re.compile(r"/[0-9a-f]{40}(?=/|$)")


def endpoint(url: str, base_url: str = "") -> str:
    """A request URL as an endpoint template, so metrics have few label values: /repos/{repo}/pulls/{n}/files."""
    path = url[len(base_url) :] if base_url and url.startswith(base_url) else re.sub(r"^https?://[^/]+", "", url)
    path = path.removeprefix("/api/v3")
    path = _QUERY.sub("", path)
    path = _REPOSITORY.sub("/repos/{repo}", path)
    path = _SHA.sub("/{sha}", path)
    return _NUMBER.sub("/{n}", path) or "/"


class Metrics:
    """Every metric the App exports, on its own registry (so several Apps in one process never collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "toasty_deliveries",
            "Webhook deliveries received, by event and outcome",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "toasty_jobs", "Deliveries processed, by event and outcome", ["event", "outcome"], registry=self.registry
        )
        self.queue_depth = Gauge("toasty_job_queue_depth", "Deliveries waiting for a worker", registry=self.registry)
        self.queue_age = Gauge(
            "toasty_job_queue_oldest_seconds", "Age of the oldest delivery waiting for a worker", registry=self.registry
        )
        self.grading_seconds = Histogram(
            "toasty_grading_seconds",
            "Time to grade a pull request, from job start to review",
            buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
            registry=self.registry,
        )
        self.github_requests = Counter(
            "toasty_github_requests",
            "Requests to GitHub, by endpoint, method and status",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.rate_limit_remaining = Gauge(
            "toasty_github_rate_limit_remaining",
            "GitHub's remaining request budget, per installation",
            ["installation"],
            registry=self.registry,
        )
        self.feedback = Counter(
            "toasty_feedback_events",
            "Feedback signals recorded, by signal and source",
            ["signal", "source"],
            registry=self.registry,
        )
        self.strategy_updates = Counter(
            "toasty_strategy_updates", "Learned strategies that changed", registry=self.registry
        )
        self.api_requests = Counter(
            "toasty_api_requests", "REST API requests, by route and status", ["route", "status"], registry=self.registry
        )

    def observe_github(self, installation: str, method: str, url: str, status: int, headers: Mapping[str, str]) -> None:
        """Count a GitHub answer and keep the installation's remaining rate limit."""
        self.github_requests.labels(endpoint(url), method, str(status)).inc()
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.isdigit():
            self.rate_limit_remaining.labels(installation).set(int(remaining))

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)


class Timer:
    """Seconds since creation, for histogram observations around awaits."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started
