"""Reading what people did with Toasty's comments: review comments with reaction roll-ups, reactions, replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.github.client import GitHubClient

PAGE_SIZE = 100
_ROLLUP_KEYS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


@dataclass(frozen=True, slots=True)
class PagesRead:
    """The comments on pages that changed since the last poll, and every page's ETag and size for the next one."""

    changed_comments: list[dict[str, Any]]
    pages: dict[str, list[Any]]
    """Page URL → [ETag, number of comments on it]."""
    requests: int
    not_modified: int


async def changed_review_comments(
    gh: GitHubClient, repository: str, number: int, known_pages: Mapping[str, list[Any]]
) -> PagesRead:
    """A pull request's review comments, page by page, each page asked for conditionally (304 when unchanged)."""
    changed: list[dict[str, Any]] = []
    pages: dict[str, list[Any]] = {}
    requests = not_modified = 0
    page = 1
    while True:
        url = f"/repos/{repository}/pulls/{number}/comments?per_page={PAGE_SIZE}&page={page}"
        etag, size = (known_pages.get(url) or [None, 0])[:2]
        answer = await gh.get_if_changed(url, etag)
        requests += 1
        if answer.not_modified:
            not_modified += 1
            pages[url] = [etag, size]
        else:
            items = list(answer.data or [])
            changed.extend(items)
            size = len(items)
            pages[url] = [answer.etag, size]
        if size < PAGE_SIZE:
            return PagesRead(changed, pages, requests, not_modified)
        page += 1


def rollup(comment: Mapping[str, Any]) -> str:
    """The comment's reaction counts as one string: when it changes, someone reacted (or took a reaction back)."""
    counts = comment.get("reactions") or {}
    return "/".join(str(counts.get(key, 0)) for key in _ROLLUP_KEYS)


@dataclass(frozen=True, slots=True)
class Reaction:
    """Who reacted how."""

    login: str
    is_bot: bool
    content: str
    created_at: str


async def reactions(gh: GitHubClient, repository: str, comment_id: int) -> list[Reaction]:
    """Every reaction on a review comment (paginated)."""
    found = []
    async for item in gh.getiter(f"/repos/{repository}/pulls/comments/{comment_id}/reactions?per_page={PAGE_SIZE}"):
        user = item.get("user") or {}
        found.append(
            Reaction(
                str(user.get("login", "ghost")),
                user.get("type") == "Bot",
                str(item["content"]),
                str(item["created_at"]),
            )
        )
    return found


async def review_comment(gh: GitHubClient, repository: str, comment_id: int) -> dict[str, Any]:
    """One review comment by id."""
    answer: dict[str, Any] = await gh.getitem(f"/repos/{repository}/pulls/comments/{comment_id}")
    return answer


async def reply(gh: GitHubClient, repository: str, number: int, comment_id: int, body: str) -> None:
    """Answer in a review comment's thread."""
    await gh.post(f"/repos/{repository}/pulls/{number}/comments/{comment_id}/replies", data={"body": body})
