"""Every delivery's shared fields are parsed once, from GitHub's own example payloads, into typed fields."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.github.webhooks import Envelope, MissingField, envelope
from bot.handlers import HANDLED
from tests.fakegithub.webhooks import example_path, load_example

ROOT = Path(__file__).resolve().parents[2]


def examples() -> list[tuple[str, str]]:
    found = []
    for event, action in sorted(HANDLED):
        try:
            example_path(event, action)
        except FileNotFoundError:
            continue
        found.append((event, action))
    return found


@pytest.mark.parametrize(("event", "action"), examples(), ids=[f"{e}.{a}" for e, a in examples()])
def test_githubs_examples_give_their_installation_repository_and_sender(event: str, action: str) -> None:
    data = load_example(event, action)
    delivery = envelope(data)
    assert delivery.action == data["action"]
    if "installation" in data:  # octokit's examples come from repository webhooks too; the App's always have one
        assert delivery.installation_id == data["installation"]["id"]
    if "repository" in data:
        assert delivery.repository_name == data["repository"]["full_name"]
        assert delivery.default_branch == data["repository"]["default_branch"]
    assert delivery.sender is not None
    assert delivery.sender.login == data["sender"]["login"]
    assert delivery.sender.is_bot == (data["sender"]["type"] == "Bot")


@pytest.mark.parametrize(("event", "action"), examples(), ids=[f"{e}.{a}" for e, a in examples()])
def test_githubs_examples_give_the_pull_request_they_are_about(event: str, action: str) -> None:
    data = load_example(event, action)
    delivery = envelope(data)
    holder = data.get("pull_request") or (data.get("issue") if (data.get("issue") or {}).get("pull_request") else None)
    assert delivery.about_pull_request == (holder is not None)
    if holder is not None:
        assert delivery.pull_number == holder["number"]


def test_an_issue_comment_is_about_a_pull_request_only_in_its_conversation() -> None:
    on_pull = envelope({"issue": {"number": 7, "pull_request": {"url": "https://api.github.com/repos/o/r/pulls/7"}}})
    assert (on_pull.about_pull_request, on_pull.pull_number) == (True, 7)
    on_issue = envelope({"issue": {"number": 8}})
    assert not on_issue.about_pull_request
    with pytest.raises(MissingField, match="no pull request"):
        _ = on_issue.pull_number


def test_a_missing_field_says_which_when_a_handler_needs_it() -> None:
    bare = envelope({"action": "opened"})
    with pytest.raises(MissingField, match="no installation"):
        _ = bare.installation_id
    with pytest.raises(MissingField, match="no repository"):
        _ = bare.repository_name
    assert bare.default_branch == "HEAD"


def test_a_bot_is_known_by_its_type_or_its_login() -> None:
    assert envelope({"sender": {"login": "renovate[bot]", "type": "User"}}).sender.is_bot  # type: ignore[union-attr]
    assert envelope({"sender": {"login": "copilot", "type": "Bot"}}).sender.is_bot  # type: ignore[union-attr]
    assert not envelope({"sender": {"login": "ana", "type": "User"}}).sender.is_bot  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "data",
    [
        {"installation": {"id": "42"}},
        {"installation": {"id": True}},
        {"installation": {"id": 0}},
        {"repository": {"full_name": "no-slash"}},
        {"repository": {"full_name": 7}},
        {"sender": {"login": None}},
        {"sender": {"login": "ana", "type": 1}},
        {"pull_request": {"number": "7"}},
        {"pull_request": {"number": 0}},
        {"pull_request": {}},
        {"issue": {"number": -1, "pull_request": {}}},
        {"issue": {"number": 7, "pull_request": "yes"}},
    ],
)
def test_a_malformed_shared_field_is_refused_not_guessed(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Envelope.model_validate(data)


def test_no_handler_digs_the_shared_fields_out_of_the_raw_payload() -> None:
    """A second way would start as data["installation"] (or ["repository"], ["sender"]) in a handler or a job."""
    digs = []
    for path in sorted([*(ROOT / "bot/handlers").rglob("*.py"), *(ROOT / "bot/jobs").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            key = None
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                key = node.slice.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
                key = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
            if key in ("installation", "sender"):
                digs.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert digs == []
