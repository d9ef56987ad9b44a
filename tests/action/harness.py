"""Running the Action's entry point as a runner would: an event file, GITHUB_* variables and files, a git checkout."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from action.main import main
from tests.fakegithub import FakeGitHub
from tests.gitrepo import GitRepo
from tests.shared import shared_json

REPOSITORY = "octo/demo"


@dataclass
class Run:
    """What one run of the step produced."""

    status: int
    log: str
    summary: str
    outputs: dict[str, str]
    workdir: Path

    @property
    def annotations(self) -> list[str]:
        return [line for line in self.log.splitlines() if line.startswith(("::error ", "::warning ", "::notice "))]


@dataclass
class Checkout:
    """A repository checked out by actions/checkout, with the event GitHub would have written."""

    repo: GitRepo
    base: str
    head: str
    number: int = 7
    env: dict[str, str] = field(default_factory=dict)

    def pull_request_event(self, tmp: Path, fork: bool = False) -> Path:
        payload: dict[str, Any] = shared_json("github", "webhooks", "examples", "pull_request", "opened.payload.json")
        pull = payload["pull_request"]
        pull["number"] = payload["number"] = self.number
        pull["base"]["sha"], pull["head"]["sha"] = self.base, self.head
        pull["base"]["repo"]["full_name"] = REPOSITORY
        pull["head"]["repo"]["full_name"] = "someone/demo-fork" if fork else REPOSITORY
        payload["repository"]["full_name"] = REPOSITORY
        path = tmp / "event.json"
        path.write_text(json.dumps(payload))
        return path

    async def run(self, tmp: Path, monkeypatch: pytest.MonkeyPatch, **inputs: str) -> Run:
        """Run `python -m action`'s main in a thread (it runs its own event loop, as on a runner)."""
        outputs, summary = tmp / "outputs.txt", tmp / "summary.md"
        outputs.write_text("")
        summary.write_text("")
        env = {
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_OUTPUT": str(outputs),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_WORKSPACE": str(self.repo.root),
            **self.env,
            **{f"TOASTY_{name.upper()}": value for name, value in inputs.items()},
        }
        if "GITHUB_EVENT_PATH" not in env and env["GITHUB_EVENT_NAME"] == "pull_request":
            env["GITHUB_EVENT_PATH"] = str(self.pull_request_event(tmp))
        monkeypatch.chdir(self.repo.root)
        log = io.StringIO()
        status = await asyncio.to_thread(main, env, log)
        values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
        return Run(status, log.getvalue(), summary.read_text(), values, self.repo.root)


def checkout(tmp: Path, base_files: dict[str, str], head_files: dict[str, str]) -> Checkout:
    """A repository with a base commit on main and the pull request's head commit on a branch."""
    repo = GitRepo(tmp / "workspace")
    for path, content in base_files.items():
        repo.write(path, content)
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    for path, content in head_files.items():
        repo.write(path, content)
    head = repo.commit("change")
    return Checkout(repo, base, head)


def mirror(fake: FakeGitHub, checkout: Checkout, base_files: dict[str, str], head_files: dict[str, str]) -> Any:
    """The same commits (same ids) and the same pull request on the fake GitHub."""
    repo = fake.add_repo(REPOSITORY)
    repo.commit(base_files, branch="main", sha=checkout.base)
    repo.commit(head_files, parent=checkout.base, branch="feature", sha=checkout.head)
    return repo.add_pull(checkout.number, base=checkout.base, head=checkout.head)
