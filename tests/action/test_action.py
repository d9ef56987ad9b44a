"""The GitHub Action as a workflow runs it: annotations, summary, outputs, SARIF, review, exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from action.workflow import annotation, escape_property
from bot.engine.models import Dimension, Finding, Severity
from tests.action.harness import checkout, mirror
from tests.app.scenarios import RISKY, UTIL, many_findings
from tests.fakegithub import FakeGitHub
from tests.shared import shared_json

ROOT = Path(__file__).resolve().parents[2]
BASE = {"app/util.py": UTIL}
HEAD = {"app/util.py": UTIL, "app/risky.py": RISKY}


def test_action_yml_is_valid_metadata() -> None:
    metadata = yaml.safe_load((ROOT / "action.yml").read_text())
    jsonschema.Draft7Validator(shared_json("schemas", "github-action.json")).validate(metadata)
    assert metadata["runs"]["using"] == "composite"
    assert set(metadata["inputs"]) == {
        "github-token",
        "config",
        "fail-under",
        "comment",
        "max-comments",
        "sarif",
        "strategy",
        "working-directory",
        "app-login",
    }
    assert set(metadata["outputs"]) == {"score", "grade", "findings", "sarif-file"}


async def test_pull_request_annotations_summary_outputs_sarif_and_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub
) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    pull = mirror(fake_github, work, BASE, HEAD)
    work.env = {"GITHUB_API_URL": fake_github.api_url}
    toasty_app = fake_github.app.bot.login  # the token is this App's: its comments are Toasty's
    run = await work.run(tmp_path, monkeypatch, github_token=fake_github.token_for(pull.repo), app_login=toasty_app)
    assert run.status == 0
    assert run.annotations[0].startswith(
        "::error file=app/risky.py,line=8,endLine=8,title=Command run through the shell"
    )
    assert any(line.startswith("::error file=app/risky.py,line=13,") for line in run.annotations)
    assert run.summary.startswith("## ")
    assert "| `app/risky.py` | added |" in run.summary
    assert "Posted a review with 2 comments" in run.summary
    assert run.outputs["grade"] in "ABCDF"
    assert float(run.outputs["score"]) < 90
    assert run.outputs["findings"] == "2"
    sarif = json.loads((run.workdir / run.outputs["sarif-file"]).read_text())
    jsonschema.Draft4Validator(shared_json("schemas", "sarif-schema-2.1.0.json")).validate(sarif)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"security.shell-true", "security.eval"}
    (review,) = pull.reviews.values()
    assert sorted(c.line for c in pull.review_comments.values()) == [8, 13]
    assert review.commit_id == work.head
    assert "2 comments on what this push made worse" in review.body
    assert "check run" not in review.body  # there is none in a workflow
    # A second run comments on nothing twice.
    again = await work.run(tmp_path, monkeypatch, github_token=fake_github.token_for(pull.repo), app_login=toasty_app)
    assert again.status == 0
    assert len(pull.reviews) == 1
    assert "No new findings to comment on" in again.summary


async def test_only_toastys_own_comments_count_as_already_commented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub
) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    pull = mirror(fake_github, work, BASE, HEAD)
    work.env = {"GITHUB_API_URL": fake_github.api_url}
    token, toasty_app = fake_github.token_for(pull.repo), fake_github.app.bot.login
    await work.run(tmp_path, monkeypatch, github_token=token, app_login=toasty_app)
    other_bot = fake_github.state.user("copycat[bot]", kind="Bot")
    for comment in pull.review_comments.values():
        comment.user = other_bot  # the same bodies, markers included, by an account that is not Toasty
    run = await work.run(tmp_path, monkeypatch, github_token=token, app_login=toasty_app)
    assert "Posted a review with 2 comments" in run.summary
    assert len(pull.reviews) == 2


async def test_a_read_only_token_says_so_and_carries_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub
) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    pull = mirror(fake_github, work, BASE, HEAD)
    read_only = fake_github.state.issue_token(
        fake_github.installation(pull.repo),
        permissions={"pull_requests": "read", "contents": "read", "metadata": "read"},
    )
    work.env = {
        "GITHUB_API_URL": fake_github.api_url,
        "GITHUB_EVENT_PATH": str(work.pull_request_event(tmp_path, fork=True)),
    }
    run = await work.run(tmp_path, monkeypatch, github_token=read_only.token)  # comment: auto
    assert run.status == 0
    assert not pull.reviews
    assert not fake_github.requests("pulls/create-review")  # auto does not try what a fork's token cannot do
    assert "comes from a fork" in run.summary
    assert "::notice title=Toasty::No review posted: this pull request comes from a fork" in run.log
    assert run.outputs["findings"] == "2"
    work.env["GITHUB_EVENT_PATH"] = str(work.pull_request_event(tmp_path))  # not a fork, yet a read-only token
    refused = await work.run(tmp_path, monkeypatch, github_token=read_only.token)
    assert refused.status == 0
    assert any(line.startswith("::warning title=Toasty::No review posted") for line in refused.log.splitlines())
    work.env["GITHUB_EVENT_PATH"] = str(work.pull_request_event(tmp_path, fork=True))
    tried = await work.run(tmp_path, monkeypatch, github_token=read_only.token, comment="always")
    assert tried.status == 0
    assert not pull.reviews
    assert any(line.startswith("::warning title=Toasty::No review posted") for line in tried.log.splitlines())
    assert "forks the workflow token is read-only" in tried.summary
    fake_github.take_invalid_requests()


async def test_fail_under_fails_the_step_and_comment_never_posts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    run = await work.run(tmp_path, monkeypatch, fail_under="B", comment="never")
    assert run.status == 1
    assert "::error title=Toasty::Score" in run.log
    assert "Review" not in run.summary
    passing = await work.run(tmp_path, monkeypatch, fail_under="5", comment="never")
    assert passing.status == 0


async def test_more_findings_than_annotations_go_to_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = checkout(tmp_path, BASE, {"many.py": many_findings(25)})
    run = await work.run(tmp_path, monkeypatch, comment="never")
    assert len(run.annotations) == 10  # ten errors shown as annotations
    assert "### More findings" in run.summary
    assert run.summary.count("| `many.py:") >= 15


async def test_config_is_read_from_the_pull_requests_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = {**BASE, ".github/toasty.yml": "rules:\n  security.eval: off\n"}
    head = {**HEAD, ".github/toasty.yml": "rules:\n  security: off\n"}
    work = checkout(tmp_path, base, head)
    run = await work.run(tmp_path, monkeypatch, comment="never")
    rules = {line.split("title=")[1].split("::")[0] for line in run.annotations}
    assert any(title.startswith("Command run through the shell") for title in rules)  # the head cannot switch it off
    assert not any(title.startswith("Dynamic code execution") for title in rules)  # the base switched this one off


async def test_push_and_manual_runs_grade_the_pushed_range_and_the_last_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"before": work.base, "after": work.head, "ref": "refs/heads/feature"}))
    work.env = {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event)}
    pushed = await work.run(tmp_path, monkeypatch)
    assert pushed.outputs["findings"] == "2"
    work.repo.write("app/later.py", '"""Later."""\nimport pickle\nobj = pickle.loads(data)\n')
    work.repo.commit("later")
    work.env = {"GITHUB_EVENT_NAME": "workflow_dispatch"}
    manual = await work.run(tmp_path, monkeypatch)
    assert manual.outputs["findings"] == "1"
    assert "app/later.py" in manual.annotations[0]


async def test_a_missing_base_commit_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    work.base = "1" * 40  # not in this shallow checkout, and there is no origin to fetch it from
    run = await work.run(tmp_path, monkeypatch)
    assert run.status == 2
    assert "fetch-depth: 0" in run.log


async def test_bad_inputs_name_the_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    run = await work.run(tmp_path, monkeypatch, comment="sometimes")
    assert run.status == 2
    assert "comment:" in run.log


def test_the_module_entry_point_runs_isolated_from_the_workspace(tmp_path: Path) -> None:
    work = checkout(tmp_path, BASE, HEAD)
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
        "TOASTY_COMMENT": "never",
    }
    done = subprocess.run(
        [sys.executable, "-I", "-m", "action"], cwd=work.repo.root, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "::error file=app/risky.py" in done.stdout
    assert "findings=2" in (tmp_path / "out.txt").read_text()


def test_workflow_command_escaping() -> None:
    finding = Finding(
        rule="security.eval",
        dimension=Dimension.SECURITY,
        severity=Severity.MAJOR,
        path="a,b:c.py",
        line=3,
        end_line=4,
        title="Title: with, commas",
        message="50% done\nnext line",
        fingerprint="f" * 20,
    )
    assert annotation(finding) == (
        "::warning file=a%2Cb%3Ac.py,line=3,endLine=3,title=Title%3A with%2C commas [security.eval]"
        "::50%25 done%0Anext line"
    )
    assert escape_property("x\r") == "x%0D"
