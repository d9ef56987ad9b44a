"""What a pull request changed: its file list, and file contents fetched many per GraphQL request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.github.client import GitHubClient

MAX_LISTED_FILES = 3000
"""GitHub's list-files endpoint returns at most 3000 files."""
BLOBS_PER_QUERY = 50


class PullFile(BaseModel):
    """One entry of GET /repos/{owner}/{repo}/pulls/{number}/files (the fields Toasty uses)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    filename: str
    status: str
    previous_filename: str | None = None
    patch: str | None = None
    additions: int = 0
    deletions: int = 0


@dataclass(frozen=True, slots=True)
class Blob:
    """A file's content at a commit, as GraphQL describes it."""

    text: str | None
    is_binary: bool
    byte_size: int


async def list_files(gh: GitHubClient, repository: str, number: int) -> list[PullFile]:
    """Every changed file of a pull request (paginated, 100 a page, GitHub's 3000 at most)."""
    files = []
    async for item in gh.getiter(f"/repos/{repository}/pulls/{number}/files?per_page=100"):
        files.append(PullFile.model_validate(item))
        if len(files) >= MAX_LISTED_FILES:
            break
    return files


async def fetch_blobs(gh: GitHubClient, repository: str, expressions: Sequence[str]) -> dict[str, Blob | None]:
    """Contents for `<rev>:<path>` expressions, BLOBS_PER_QUERY per GraphQL request; None where there is no file."""
    found, _ = await _fetch(gh, repository, expressions, None)
    return found


async def fetch_blobs_and_head(
    gh: GitHubClient, repository: str, number: int, expressions: Sequence[str]
) -> tuple[dict[str, Blob | None], str | None]:
    """Like fetch_blobs, also asking (in the first request, at no extra cost) for the pull request's head commit
    now: a grading that started late learns whether a newer commit superseded it."""
    return await _fetch(gh, repository, expressions, number)


async def _fetch(
    gh: GitHubClient, repository: str, expressions: Sequence[str], number: int | None
) -> tuple[dict[str, Blob | None], str | None]:
    owner, name = repository.split("/", 1)
    found: dict[str, Blob | None] = {}
    head: str | None = None
    unique = list(dict.fromkeys(expressions))
    for start in range(0, max(len(unique), 1 if number is not None else 0), BLOBS_PER_QUERY):
        batch = unique[start : start + BLOBS_PER_QUERY]
        ask = number if start == 0 else None
        extra = {"number": ask} if ask is not None else {}
        data = await gh.query(
            _blob_query(len(batch), ask is not None), owner=owner, name=name, **_variables(batch), **extra
        )
        repository_data: dict[str, Any] = (data or {}).get("repository") or {}
        for index, expression in enumerate(batch):
            found[expression] = _blob(repository_data.get(f"f{index}"))
        if ask is not None:
            head = (repository_data.get("pull") or {}).get("headRefOid")
    return found, head


def _blob_query(count: int, with_head: bool = False) -> str:
    """One aliased `object(expression:)` per file, expressions passed as variables (paths need no escaping)."""
    parameters = "".join(f", $e{index}: String!" for index in range(count))
    objects = " ".join(
        f"f{index}: object(expression: $e{index}) {{ ... on Blob {{ text isBinary byteSize }} }}"
        for index in range(count)
    )
    if with_head:
        parameters += ", $number: Int!"
        objects += " pull: pullRequest(number: $number) { headRefOid }"
    signature = f"query($owner: String!, $name: String!{parameters})"
    return f"{signature} {{ repository(owner: $owner, name: $name) {{ {objects} }} }}"


def _variables(batch: Sequence[str]) -> dict[str, str]:
    return {f"e{index}": expression for index, expression in enumerate(batch)}


def _blob(node: dict[str, Any] | None) -> Blob | None:
    if not node or "byteSize" not in node:
        return None  # no such path at that commit, or a tree/submodule rather than a file
    return Blob(text=node.get("text"), is_binary=bool(node.get("isBinary")), byte_size=int(node["byteSize"]))
