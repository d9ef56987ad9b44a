"""GitHub's own example webhook payloads, fitted to the fake's repository and signed exactly as GitHub signs them."""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.fakegithub.accounts import App, User
from tests.fakegithub.repository import Pull, Repo
from tests.fakegithub.shared import require_shared

HOOKSHOT_USER_AGENT = "GitHub-Hookshot/7d1c5b4"
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class WebhookDelivery:
    """A delivery ready to POST to the App: the headers and the exact bytes GitHub would send."""

    event: str
    delivery_id: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        """The decoded JSON body."""
        return dict(json.loads(self.body))


@dataclass(frozen=True)
class Target:
    """What a payload should be about: the fake's repository, pull request, installation and URLs."""

    app: App
    api_url: str
    web_url: str
    repo: Repo | None = None
    pull: Pull | None = None
    installation_id: int | None = None
    sender: User | None = None


def example_path(event: str, name: str) -> Path:
    """The example file for an event, e.g. ("pull_request", "opened") -> .../pull_request/opened.payload.json."""
    folder = require_shared() / "webhooks" / "examples" / event
    for candidate in (f"{name}.payload.json", f"{name}.json", name):
        if (folder / candidate).is_file():
            return folder / candidate
    available = sorted(p.name for p in folder.glob("*.json")) if folder.is_dir() else []
    raise FileNotFoundError(f"No example {name!r} for event {event!r}; available: {available}")


def load_example(event: str, name: str) -> dict[str, Any]:
    """One of GitHub's example payloads, as published in octokit/webhooks."""
    with example_path(event, name).open(encoding="utf-8") as handle:
        return dict(json.load(handle))


def payload_problems(event: str, payload: Mapping[str, Any]) -> list[str]:
    """Where a payload departs from GitHub's published webhook schema for its event and action (empty if none)."""
    registry = _webhook_schemas()
    action = payload.get("action")
    schema_id = f"{event}${action}" if action else f"{event}$event"
    try:
        schema = registry.contents(schema_id)
    except LookupError:
        return [f"no published schema {schema_id!r}"]
    validator = Draft7Validator(schema, registry=registry)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(payload)]


@functools.cache
def _webhook_schemas() -> Registry[Any]:
    """Every schema under webhooks/schemas/, keyed by its $id (their $refs resolve among themselves)."""
    resources = []
    for path in sorted((require_shared() / "webhooks" / "schemas").glob("*/*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def signature_256(secret: str | bytes, body: bytes) -> str:
    """X-Hub-Signature-256: `sha256=` + hex HMAC-SHA256 of the raw body keyed with the webhook secret."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_1(secret: str | bytes, body: bytes) -> str:
    """The legacy X-Hub-Signature (HMAC-SHA1) GitHub still sends alongside."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest()


def sign(
    event: str,
    payload: Mapping[str, Any] | bytes,
    *,
    secret: str | bytes,
    app_id: int,
    hook_id: int = 123456789,
    delivery_id: str | None = None,
    enterprise_host: str | None = None,
) -> WebhookDelivery:
    """Serialise (compact UTF-8 JSON, as GitHub sends) and sign a payload with all of GitHub's delivery headers."""
    body = (
        payload
        if isinstance(payload, bytes)
        else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    )
    guid = delivery_id or str(uuid.uuid4())
    headers = {
        "Accept": "*/*",
        "Content-Type": "application/json",
        "User-Agent": HOOKSHOT_USER_AGENT,
        "X-GitHub-Delivery": guid,
        "X-GitHub-Event": event,
        "X-GitHub-Hook-ID": str(hook_id),
        "X-GitHub-Hook-Installation-Target-ID": str(app_id),
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-Hub-Signature": signature_1(secret, body),
        "X-Hub-Signature-256": signature_256(secret, body),
    }
    if enterprise_host:
        headers["X-GitHub-Enterprise-Host"] = enterprise_host
        headers["X-GitHub-Enterprise-Version"] = "3.19.0"
    return WebhookDelivery(event, guid, headers, body)


def adapt(payload: Mapping[str, Any], target: Target) -> dict[str, Any]:
    """Point an example payload at the fake: repository, installation, pull request numbers and SHAs, API URLs."""
    replacements = _string_replacements(payload, target)
    adapted: dict[str, Any] = _replace_strings(copy.deepcopy(dict(payload)), replacements)
    if target.repo is not None:
        _patch_repositories(adapted, target.repo)
    if target.installation_id is not None:
        _patch_installation(adapted, target)
    _patch_apps(adapted, target.app)
    if target.pull is not None:
        _patch_pull(adapted, target.pull, target)
    if target.sender is not None and isinstance(adapted.get("sender"), dict):
        adapted["sender"].update(login=target.sender.login, id=target.sender.id, type=target.sender.type)
    return adapted


def _string_replacements(payload: Mapping[str, Any], target: Target) -> list[tuple[re.Pattern[str], str]]:
    """Every old identity in the example (URLs, full name, PR number, SHAs) and what replaces it."""
    rules: list[tuple[re.Pattern[str], str]] = [(re.compile(re.escape("https://api.github.com")), target.api_url)]
    if target.web_url != "https://github.com":
        rules.append((re.compile(re.escape("https://github.com")), target.web_url))
    old_repo = payload.get("repository") or {}
    if target.repo is not None and old_repo.get("full_name"):
        rules.append((re.compile(re.escape(old_repo["full_name"]) + r"(?=$|[/#?.\"])"), target.repo.full_name))
    if target.pull is not None:
        old_number = _old_pull_number(payload)
        if old_number is not None:
            pattern = rf"(/pulls/|/pull/|/issues/){old_number}(?=$|[/#?.])"
            rules.append((re.compile(pattern), rf"\g<1>{target.pull.number}"))
        for old, new in _sha_map(payload, target.pull).items():
            rules.append((re.compile(old), new))
    return rules


def _replace_strings(node: Any, rules: list[tuple[re.Pattern[str], str]]) -> Any:
    """Apply the replacements to every string in the payload."""
    if isinstance(node, str):
        for pattern, replacement in rules:
            node = pattern.sub(replacement, node)
        return node
    if isinstance(node, list):
        return [_replace_strings(item, rules) for item in node]
    if isinstance(node, dict):
        return {key: _replace_strings(value, rules) for key, value in node.items()}
    return node


def _patch_repositories(node: Any, repo: Repo) -> None:
    """Every repository object in the payload (top level, PR head/base, check suite) becomes the fake's."""
    if isinstance(node, list):
        for item in node:
            _patch_repositories(item, repo)
        return
    if not isinstance(node, dict):
        return
    if node.get("full_name") == repo.full_name:
        node.update(id=repo.id, name=repo.name, node_id=repo.node_id, private=repo.private)
        if "default_branch" in node:
            node["default_branch"] = repo.default_branch
        if isinstance(node.get("owner"), dict):
            _patch_account(node["owner"], repo.owner)
    for value in node.values():
        _patch_repositories(value, repo)


def _patch_account(account: dict[str, Any], user: User) -> None:
    """Rename an account object (login, id and the URLs that embed the login)."""
    old = account.get("login")
    for key, value in list(account.items()):
        if isinstance(value, str) and old and f"/{old}" in value:
            account[key] = value.replace(f"/{old}", f"/{user.login}")
    account.update(login=user.login, id=user.id, node_id=user.node_id, type=user.type)


def _patch_installation(payload: dict[str, Any], target: Target) -> None:
    """App deliveries name the installation; examples recorded without one get the short form GitHub sends."""
    if "installation" not in payload:
        if "hook" in payload:  # ping: GitHub's schema has no installation here
            return
        payload["installation"] = {"node_id": f"MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u{target.installation_id}"}
    installation = payload["installation"]
    installation["id"] = target.installation_id
    if "app_id" in installation:
        installation.update(app_id=target.app.id, app_slug=target.app.slug)
    if isinstance(installation.get("account"), dict) and target.repo is not None:
        _patch_account(installation["account"], target.repo.owner)


def _patch_apps(node: Any, app: App) -> None:
    """`app` objects (check runs/suites) and ping hooks name the App under test."""
    if isinstance(node, list):
        for item in node:
            _patch_apps(item, app)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "app" and isinstance(value, dict) and "slug" in value:
                value.update(id=app.id, slug=app.slug, name=app.name)
                if "client_id" in value:
                    value["client_id"] = app.client_id
            elif key == "hook" and isinstance(value, dict) and "app_id" in value:
                value["app_id"] = app.id
            else:
                _patch_apps(value, app)


def _patch_pull(payload: dict[str, Any], pull: Pull, target: Target) -> None:
    """Pull request numbers, ids, branches and counts; check suites and issues point at it too."""
    if "number" in payload:
        payload["number"] = pull.number
    found = payload.get("pull_request")
    if isinstance(found, dict) and "head" in found:
        files = pull.files()
        # state and draft stay as the example has them: the action (closed, converted_to_draft...) implies them.
        found.update(id=pull.id, node_id=pull.node_id, number=pull.number, title=pull.title)
        for key, value in (("commits", len(pull.commit_shas)), ("changed_files", len(files))):
            if key in found:
                found[key] = value
        if "additions" in found:
            found.update(additions=sum(f.additions for f in files), deletions=sum(f.deletions for f in files))
        _patch_branch(found["head"], pull.head_ref, pull.head_sha, pull)
        _patch_branch(found["base"], pull.base_ref, pull.base_sha, pull)
    for key in ("check_suite", "check_run"):
        if isinstance(payload.get(key), dict):
            _patch_check(payload[key], pull, target)
    if isinstance(payload.get("issue"), dict):
        payload["issue"]["number"] = pull.number


def _patch_branch(branch: dict[str, Any], ref: str, sha: str, pull: Pull) -> None:
    """A pull request head or base."""
    branch.update(ref=ref, sha=sha, label=f"{pull.repo.owner.login}:{ref}")


def _patch_check(check: dict[str, Any], pull: Pull, target: Target) -> None:
    """A check suite or run: head commit, branch and the pull requests it lists."""
    check["head_sha"] = pull.head_sha
    if "head_branch" in check:
        check["head_branch"] = pull.head_ref
    for item in check.get("pull_requests") or []:
        item.update(
            id=pull.id, number=pull.number, url=f"{target.api_url}/repos/{pull.repo.full_name}/pulls/{pull.number}"
        )
        item["head"].update(ref=pull.head_ref, sha=pull.head_sha)
        item["base"].update(ref=pull.base_ref, sha=pull.base_sha)
    if isinstance(check.get("check_suite"), dict):
        _patch_check(check["check_suite"], pull, target)


def _old_pull_number(payload: Mapping[str, Any]) -> int | None:
    """The pull request number the example was recorded with, wherever the event keeps it."""
    for candidate in (
        payload.get("number"),
        (payload.get("pull_request") or {}).get("number"),
        (payload.get("issue") or {}).get("number"),
    ):
        if isinstance(candidate, int):
            return candidate
    for key in ("check_suite", "check_run"):
        pulls = (payload.get(key) or {}).get("pull_requests") or []
        if pulls:
            return int(pulls[0]["number"])
    return None


def _sha_map(payload: Mapping[str, Any], pull: Pull) -> dict[str, str]:
    """Old head/base SHAs of the example -> the pull request's; `before` becomes the previous head."""
    mapping: dict[str, str] = {}
    found = payload.get("pull_request") or {}
    previous = pull.commit_shas[-2] if len(pull.commit_shas) > 1 else pull.base_sha
    candidates = {
        (found.get("base") or {}).get("sha"): pull.base_sha,
        payload.get("before"): previous,
        (found.get("head") or {}).get("sha"): pull.head_sha,
        payload.get("after"): pull.head_sha,
    }
    for key in ("check_suite", "check_run"):
        candidates[(payload.get(key) or {}).get("head_sha")] = pull.head_sha
    comment = payload.get("comment") or {}
    candidates[comment.get("commit_id")] = pull.head_sha
    candidates[comment.get("original_commit_id")] = pull.head_sha
    for old, new in candidates.items():
        if isinstance(old, str) and _SHA.match(old) and old not in mapping:
            mapping[old] = new
    return mapping
